import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { browserSupportsWebAuthn, startRegistration } from '@simplewebauthn/browser';
import { paths, type TotpEnrolment, type TwoFactorStatus } from '@kaigi/protocol';
import { ApiError } from '../../../api/http';
import { problemOf, useI18n, type Problem } from '../../../i18n';
import { useAuth } from '../../auth';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ProblemAlert } from '../../components/ProblemAlert';
import { TextField } from '../../components/TextField';
import { formatDateTime } from '../../format';
import { Link, navigate } from '../../router';
import { PasskeyNotUsed, twoFactorApi } from './api';
import { fill, useSecurityStrings } from './strings';
import './security.css';

type Confirm = { kind: 'removeTotp' } | { kind: 'newCodes' } | { kind: 'removePasskey'; id: string; name: string };

/**
 * The signed-in user's own second factors (B5): an authenticator app (TOTP), recovery codes and
 * passkeys. Secrets and recovery codes are shown once, when they are made.
 */
export function SecurityPage() {
  const s = useSecurityStrings();
  const { locale } = useI18n();
  const auth = useAuth();
  const [status, setStatus] = useState<TwoFactorStatus | null>(null);
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [passkeyName, setPasskeyName] = useState('');
  const [confirm, setConfirm] = useState<Confirm | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);

  const refresh = useCallback(async () => {
    try {
      setStatus(await twoFactorApi.status());
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        await auth.signOut();
        navigate(paths.signIn, { replace: true });
        return;
      }
      setProblem(problemOf(err));
    }
  }, [auth]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  /** Runs one change; errors show, success says `done` and reloads the status. */
  const act = async (work: () => Promise<void>, done: string | null) => {
    setBusy(true);
    setNotice(null);
    setMessage(null);
    setProblem(null);
    try {
      await work();
      if (done) setNotice(done);
      await refresh();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'TWO_FACTOR_REQUIRED') setMessage(s.sessionWeakChange);
      else if (err instanceof ApiError && err.code === 'WRONG_CODE') setMessage(s.wrongCode);
      else if (err instanceof PasskeyNotUsed) setMessage(s.passkeyCancelled);
      else setProblem(problemOf(err));
    } finally {
      setBusy(false);
    }
  };

  const hasFactor = !!status && (status.totp || status.passkeys.length > 0);
  // Changes to an account with a second factor need a session signed in with one (the server says so too).
  const locked = !!status && hasFactor && !status.sessionTwoFactor;

  const beginTotp = () =>
    void act(async () => {
      setEnrolment(await twoFactorApi.beginTotp());
      setCode('');
    }, null);

  const confirmTotp = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      const r = await twoFactorApi.confirmTotp(code.trim());
      setEnrolment(null);
      setCode('');
      if (r.recoveryCodes) setCodes(r.recoveryCodes);
    }, s.totpEnabled);
  };

  const addPasskey = () =>
    void act(async () => {
      const optionsJSON = await twoFactorApi.passkeyOptions();
      let response;
      try {
        response = await startRegistration({ optionsJSON });
      } catch {
        throw new PasskeyNotUsed();
      }
      const r = await twoFactorApi.addPasskey(response, passkeyName.trim() || undefined);
      setPasskeyName('');
      if (r.recoveryCodes) setCodes(r.recoveryCodes);
    }, s.passkeyAdded);

  const runConfirmed = () => {
    const c = confirm;
    setConfirm(null);
    if (!c) return;
    if (c.kind === 'removeTotp') void act(() => twoFactorApi.removeTotp(), s.totpRemoved);
    if (c.kind === 'removePasskey') void act(() => twoFactorApi.removePasskey(c.id), s.passkeyRemoved);
    if (c.kind === 'newCodes')
      void act(async () => {
        setCodes((await twoFactorApi.newRecoveryCodes()).recoveryCodes);
      }, null);
  };

  return (
    <div className="stack security-page">
      <div className="page-head">
        <h1>{s.title}</h1>
        <span className="page-head-side">
          <Link to={paths.dashboard}>{s.back}</Link>
        </span>
      </div>
      <p className="muted">{s.intro}</p>
      {status === null ? (
        !problem && <p className="muted">{s.loading}</p>
      ) : (
        <p>
          {status.sessionTwoFactor ? s.sessionStrong : s.sessionWeak} {locked && s.sessionWeakChange}
        </p>
      )}
      <div aria-live="polite">
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
      </div>
      {message && (
        <p className="error" role="alert">
          {message}
        </p>
      )}
      <ProblemAlert problem={problem} />

      {codes && (
        <section className="card stack security-codes" aria-labelledby="recovery-shown-heading">
          <h2 id="recovery-shown-heading">{s.recoveryHeading}</h2>
          <p>{s.recoveryShownOnce}</p>
          <ol className="recovery-codes" aria-label={s.recoveryListLabel}>
            {codes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ol>
          <div className="button-row">
            <button type="button" className="primary" onClick={() => setCodes(null)}>
              {s.recoverySaved}
            </button>
          </div>
        </section>
      )}

      {status && (
        <>
          <section className="card stack" aria-labelledby="totp-heading">
            <h2 id="totp-heading">{s.totpHeading}</h2>
            <p>{status.totp ? s.totpOn : s.totpOff}</p>
            {enrolment ? (
              <form className="stack" onSubmit={confirmTotp} aria-labelledby="totp-heading">
                <p>{s.totpStep1}</p>
                <div className="field">
                  <span className="label" id="totp-secret-label">
                    {s.secretLabel}
                  </span>
                  <code className="totp-secret" aria-labelledby="totp-secret-label" data-testid="totp-secret">
                    {enrolment.secret}
                  </code>
                </div>
                <div className="field">
                  <span className="label" id="totp-uri-label">
                    {s.uriLabel}
                  </span>
                  <a className="totp-uri" href={enrolment.uri} aria-labelledby="totp-uri-label" data-testid="totp-uri">
                    {enrolment.uri}
                  </a>
                </div>
                <p>{s.totpStep2}</p>
                <TextField
                  id="totp-confirm-code"
                  label={s.totpCode}
                  name="one-time-code"
                  autoComplete="one-time-code"
                  inputMode="numeric"
                  maxLength={7}
                  required
                  value={code}
                  onChange={setCode}
                />
                <div className="button-row">
                  <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
                    {s.confirmCode}
                  </button>
                  <button type="button" onClick={() => setEnrolment(null)} disabled={busy}>
                    {s.cancel}
                  </button>
                </div>
              </form>
            ) : (
              <div className="button-row">
                <button type="button" onClick={beginTotp} disabled={busy || locked}>
                  {status.totp ? s.totpReplace : s.totpSetUp}
                </button>
                {status.totp && (
                  <button type="button" className="danger" onClick={() => setConfirm({ kind: 'removeTotp' })} disabled={busy || locked}>
                    {s.totpRemove}
                  </button>
                )}
              </div>
            )}
          </section>

          <section className="card stack" aria-labelledby="passkeys-heading">
            <h2 id="passkeys-heading">{s.passkeysHeading}</h2>
            {status.passkeys.length === 0 ? (
              <p>{s.passkeysNone}</p>
            ) : (
              <table>
                <caption className="visually-hidden">{s.passkeysCaption}</caption>
                <thead>
                  <tr>
                    <th scope="col">{s.colName}</th>
                    <th scope="col">{s.colAdded}</th>
                    <th scope="col">{s.colLastUsed}</th>
                    <th scope="col">{s.colActions}</th>
                  </tr>
                </thead>
                <tbody>
                  {status.passkeys.map((p) => (
                    <tr key={p.id}>
                      <th scope="row">{p.name}</th>
                      <td>{formatDateTime(p.createdAt, locale)}</td>
                      <td>{p.lastUsedAt ? formatDateTime(p.lastUsedAt, locale) : s.never}</td>
                      <td>
                        <button
                          type="button"
                          className="danger"
                          aria-label={fill(s.passkeyRemove, { name: p.name })}
                          onClick={() => setConfirm({ kind: 'removePasskey', id: p.id, name: p.name })}
                          disabled={busy || locked}
                        >
                          {fill(s.passkeyRemove, { name: p.name })}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {browserSupportsWebAuthn() ? (
              <div className="stack">
                <TextField id="passkey-name" label={s.passkeyName} maxLength={64} value={passkeyName} onChange={setPasskeyName} disabled={locked} />
                <div className="button-row">
                  <button type="button" onClick={addPasskey} disabled={busy || locked}>
                    {s.passkeyAdd}
                  </button>
                </div>
              </div>
            ) : (
              <p className="muted">{s.passkeyUnsupported}</p>
            )}
          </section>

          <section className="card stack" aria-labelledby="recovery-heading">
            <h2 id="recovery-heading">{s.recoveryHeading}</h2>
            <p>{hasFactor ? fill(s.recoveryLeft, { n: status.recoveryCodesLeft }) : s.recoveryNone}</p>
            {hasFactor && (
              <div className="button-row">
                <button type="button" onClick={() => setConfirm({ kind: 'newCodes' })} disabled={busy || locked}>
                  {s.recoveryNew}
                </button>
              </div>
            )}
          </section>
        </>
      )}

      <ConfirmDialog
        open={confirm !== null}
        title={
          confirm?.kind === 'removeTotp' ? s.totpRemove : confirm?.kind === 'newCodes' ? s.recoveryNew : fill(s.passkeyRemove, { name: confirm?.name ?? '' })
        }
        confirmLabel={confirm?.kind === 'newCodes' ? s.recoveryNew : confirm?.kind === 'removeTotp' ? s.totpRemove : fill(s.passkeyRemove, { name: confirm?.name ?? '' })}
        busy={busy}
        onConfirm={runConfirmed}
        onCancel={() => setConfirm(null)}
      >
        <p>
          {confirm?.kind === 'newCodes'
            ? s.recoveryNewConfirm
            : confirm?.kind === 'removePasskey'
              ? fill(s.passkeyRemoveConfirm, { name: confirm.name })
              : s.totpRemove}
        </p>
      </ConfirmDialog>
    </div>
  );
}
