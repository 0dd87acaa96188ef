import { useEffect, useState, type FormEvent } from 'react';
import { paths, type SecondFactorChallenge } from '@kaigi/protocol';
import { ApiError } from '../../api/http';
import { toProblem, useI18n, type Problem } from '../../i18n';
import { useAuth } from '../auth';
import { TextField } from '../components/TextField';
import { ProblemAlert } from '../components/ProblemAlert';
import { navigate } from '../router';
import { SecondFactorStep } from './security/SecondFactorStep';
import { clearSsoSecondFactorFromUrl, ssoSecondFactorFromUrl, SsoSignInButtons, SsoSignInError } from './sso/SsoSignIn';

export function SignInPage({ next }: { next: string | null }) {
  const { t } = useI18n();
  const auth = useAuth();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  // Right password, account with a second factor: the second step (B5).
  // …also after single sign-on to an account with its own second factor.
  const [challenge, setChallenge] = useState<SecondFactorChallenge | null>(ssoSecondFactorFromUrl);
  useEffect(clearSsoSecondFactorFromUrl, []);

  useEffect(() => {
    if (auth.user) navigate(next ?? paths.dashboard, { replace: true });
  }, [auth.user, next]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      setChallenge(await auth.signIn(username.trim(), password));
      setPassword('');
      // The effect above moves on once the user is set.
    } catch (err) {
      setProblem(err instanceof ApiError ? toProblem(err.code, err.retryAfterMs) : { code: 'UNKNOWN' });
    } finally {
      setBusy(false);
    }
  };

  if (challenge) {
    return <SecondFactorStep challenge={challenge} onSignedIn={auth.finishSignIn} onRestart={() => setChallenge(null)} />;
  }

  return (
    <div className="narrow">
      <h1>{t('signInTitle')}</h1>
      <SsoSignInError />
      <form className="card stack" onSubmit={(e) => void submit(e)}>
        <TextField
          id="signin-username"
          label={t('username')}
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          value={username}
          onChange={setUsername}
        />
        <TextField
          id="signin-password"
          label={t('password')}
          name="password"
          type="password"
          role="textbox"
          autoComplete="current-password"
          required
          value={password}
          onChange={setPassword}
        />
        <ProblemAlert problem={problem} />
        <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
          {t('signIn')}
        </button>
      </form>
      <SsoSignInButtons next={next} />
    </div>
  );
}
