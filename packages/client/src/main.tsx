// Must stay the first import: see zodConfig.ts.
import './zodConfig';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { AuthProvider } from './app/auth';
import { I18nProvider } from './i18n';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');

createRoot(root).render(
  <I18nProvider>
    <AuthProvider>
      <App />
    </AuthProvider>
  </I18nProvider>,
);
