import { useState, type FormEvent } from 'react';
import { startAuthentication } from '@simplewebauthn/browser';
import type { SecondFactorChallenge, SessionResponse } from '@kaigi/protocol';
import { ApiError } from '../../../api/http';
import { problemOf, type Problem } from '../../../i18n';
import { ProblemAlert } from '../../components/ProblemAlert';
import { TextField } from '../../components/TextField';
import { PasskeyNotUsed, twoFactorApi } from './api';
import { useSecurityStrings } from './strings';

type Mode = 'totp' | 'recovery';

/**
 * The second step of signing in (B5): a code from the authenticator app, a recovery code or a
 * passkey, whichever the account has. `onSignedIn` gets the session; `onRestart` goes back to
 * the password (the ticket expired or was used).
 */
export function SecondFactorStep({
  challenge,
  onSignedIn,
  onRestart,
}: {
  challenge: SecondFactorChallenge;
  onSignedIn: (s: SessionResponse) => void;
  onRestart: () => void;
}) {
  const s = useSecurityStrings();
  const has = (m: string) => challenge.methods.includes(m as never);
  const [mode, setMode] = useState<Mode>(has('totp') ? 'totp' : 'recovery');
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [expired, setExpired] = useState(false);

  const fail = (err: unknown, wrong: string) => {
    if (err instanceof PasskeyNotUsed) {
      setMessage(s.passkeyCancelled);
    } else if (err instanceof ApiError && err.code === 'UNAUTHENTICATED') {
      setExpired(true);
      setMessage(s.ticketExpired);
    } else if (err instanceof ApiError && err.code === 'INVALID_CREDENTIALS') {
      setMessage(wrong);
    } else {
      setProblem(problemOf(err));
    }
  };

  const run = async (work: () => Promise<SessionResponse>, wrong: string) => {
    setBusy(true);
    setMessage(null);
    setProblem(null);
    try {
      const session = await work();
      if (session.user) onSignedIn(session);
    } catch (err) {
      fail(err, wrong);
    } finally {
      setBusy(false);
    }
  };

  const submitCode = (e: FormEvent) => {
    e.preventDefault();
    const value = code.trim();
    void run(
      () => (mode === 'totp' ? twoFactorApi.signInTotp(challenge.ticket, value) : twoFactorApi.signInRecovery(challenge.ticket, value)),
      s.wrongCode,
    ).then(() => setCode(''));
  };

  const usePasskey = () =>
    void run(async () => {
      const optionsJSON = await twoFactorApi.signInPasskeyOptions(challenge.ticket);
      let response;
      try {
        response = await startAuthentication({ optionsJSON });
      } catch {
        throw new PasskeyNotUsed();
      }
      return twoFactorApi.signInPasskey(challenge.ticket, response);
    }, s.passkeyRefused);

  const switchTo = (m: Mode) => {
    setMode(m);
    setCode('');
    setMessage(null);
    setProblem(null);
  };

  return (
    <div className="narrow">
      <h1>{s.secondStepTitle}</h1>
      <div className="card stack">
        <p>{s.secondStepIntro}</p>
        {!expired && has(mode) && (
          <form className="stack" onSubmit={submitCode} aria-label={mode === 'totp' ? s.totpCode : s.recoveryCode}>
            {mode === 'totp' ? (
              <TextField
                id="signin-totp"
                label={s.totpCode}
                name="one-time-code"
                autoComplete="one-time-code"
                inputMode="numeric"
                pattern="[0-9 ]*"
                maxLength={7}
                required
                autoFocus
                aria-describedby="signin-totp-hint"
                value={code}
                onChange={setCode}
              />
            ) : (
              <TextField
                id="signin-recovery"
                label={s.recoveryCode}
                name="recovery-code"
                autoComplete="off"
                autoCapitalize="none"
                spellCheck={false}
                maxLength={64}
                required
                autoFocus
                aria-describedby="signin-recovery-hint"
                value={code}
                onChange={setCode}
              />
            )}
            <p className="muted" id={mode === 'totp' ? 'signin-totp-hint' : 'signin-recovery-hint'}>
              {mode === 'totp' ? s.totpHint : s.recoveryHint}
            </p>
            <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
              {s.verify}
            </button>
          </form>
        )}
        {message && (
          <p className="error" role="alert">
            {message}
          </p>
        )}
        <ProblemAlert problem={problem} />
        <div className="stack">
          {!expired && mode === 'totp' && has('recovery') && (
            <button type="button" onClick={() => switchTo('recovery')}>
              {s.useRecoveryCode}
            </button>
          )}
          {!expired && mode === 'recovery' && has('totp') && (
            <button type="button" onClick={() => switchTo('totp')}>
              {s.useTotp}
            </button>
          )}
          {!expired && has('webauthn') && (
            <button type="button" onClick={usePasskey} disabled={busy}>
              {s.usePasskey}
            </button>
          )}
          <button type="button" onClick={onRestart}>
            {s.startAgain}
          </button>
        </div>
      </div>
    </div>
  );
}
