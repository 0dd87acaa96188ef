import { useEffect, type ReactNode } from 'react';
import { MeetingId, paths } from '@kaigi/protocol';
import { LOCALES, useI18n, type Locale } from '../i18n';
import { useAuth } from './auth';
import { DashboardPage } from './pages/DashboardPage';
import { DataMapPage } from './pages/DataMapPage';
import { JoinPage } from './pages/JoinPage';
import { ReportPage } from './pages/ReportPage';
import { RegisterPage } from './registration/RegisterPage';
import { SignInPage } from './pages/SignInPage';
import { SecurityLink } from './pages/security/SecurityLink';
import { SecurityPage } from './pages/security/SecurityPage';
import { Link, matchRoute, navigate, useLocationPath, type Route } from './router';

function Header() {
  const { t, locale, setLocale } = useI18n();
  return (
    <header className="app-header">
      <div className="app-header-inner">
        <Link to={paths.dashboard} className="brand">
          {t('appName')}
        </Link>
        <SecurityLink />
        <div className="lang">
          <label htmlFor="lang-select">{t('languageLabel')}</label>
          <select
            id="lang-select"
            aria-label="Language"
            value={locale}
            onChange={(e) => setLocale(e.target.value as Locale)}
          >
            {LOCALES.map((l) => (
              <option key={l.id} value={l.id} lang={l.id}>
                {l.label}
              </option>
            ))}
          </select>
        </div>
      </div>
    </header>
  );
}

function Loading() {
  const { t } = useI18n();
  return <p className="muted">{t('loading')}</p>;
}

function NotFound() {
  const { t } = useI18n();
  return (
    <div className="narrow card stack">
      <h1>{t('notFoundTitle')}</h1>
      <p>{t('notFoundBody')}</p>
      <p>
        <Link to={paths.dashboard}>{t('backToStart')}</Link>
      </p>
    </div>
  );
}

/** Sends a signed-out visitor to /signin, coming back here afterwards. */
function RequireUser({ path, children }: { path: string; children: (username: string) => ReactNode }) {
  const auth = useAuth();
  useEffect(() => {
    if (auth.ready && !auth.user) {
      navigate(`${paths.signIn}?${new URLSearchParams({ next: path }).toString()}`, { replace: true });
    }
  }, [auth.ready, auth.user, path]);
  if (!auth.ready || !auth.user) return <Loading />;
  return <>{children(auth.user.username)}</>;
}

function Page({ route, path }: { route: Route; path: string }) {
  const auth = useAuth();
  switch (route.name) {
    case 'signIn':
      return auth.ready ? <SignInPage next={route.next} /> : <Loading />;
    case 'dashboard':
      return <RequireUser path={path}>{() => <DashboardPage />}</RequireUser>;
    case 'join':
      if (!MeetingId.safeParse(route.meetingId).success) return <NotFound />;
      // The device cookie comes with GET /api/auth/session: join only after it has answered.
      return auth.ready ? <JoinPage key={route.meetingId} meetingId={route.meetingId} /> : <Loading />;
    case 'host':
      if (!MeetingId.safeParse(route.meetingId).success) return <NotFound />;
      return (
        <RequireUser path={path}>
          {(username) => <JoinPage key={`host-${route.meetingId}`} meetingId={route.meetingId} hostName={username} />}
        </RequireUser>
      );
    case 'data':
      if (!MeetingId.safeParse(route.meetingId).success) return <NotFound />;
      return <RequireUser path={path}>{() => <DataMapPage key={route.meetingId} meetingId={route.meetingId} />}</RequireUser>;
    case 'report':
      if (!MeetingId.safeParse(route.meetingId).success) return <NotFound />;
      return <RequireUser path={path}>{() => <ReportPage key={route.meetingId} meetingId={route.meetingId} />}</RequireUser>;
    case 'register':
      // Public (B3): anyone may register; the page says nothing about the meeting.
      return MeetingId.safeParse(route.meetingId).success ? <RegisterPage key={route.meetingId} meetingId={route.meetingId} /> : <NotFound />;
    case 'security':
      return <RequireUser path={path}>{() => <SecurityPage />}</RequireUser>;
    case 'notFound':
      return <NotFound />;
  }
}

export function App() {
  const path = useLocationPath();
  const route = matchRoute(path);
  const { t } = useI18n();

  useEffect(() => {
    document.title = t('appName');
  }, [t]);

  return (
    <>
      <a className="skip-link" href="#main">
        {t('skipToContent')}
      </a>
      <Header />
      <main id="main" className="app-main">
        <Page route={route} path={path} />
      </main>
    </>
  );
}
