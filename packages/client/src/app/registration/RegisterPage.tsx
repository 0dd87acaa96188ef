import { useId, useState, type FormEvent } from 'react';
import { LIMITS } from '@kaigi/protocol';
import { problemOf, type Problem } from '../../i18n';
import { ProblemAlert } from '../components/ProblemAlert';
import { TextField } from '../components/TextField';
import { registrationApi } from './api';
import { useRegistrationStrings } from './strings';
import './registration.css';

/**
 * The public registration form of a meeting (`/m/:id/register`, B3). It shows nothing about the
 * meeting (not even whether it exists): the server answers every registration the same way, and
 * only a meeting that approves automatically returns the registrant's personal link.
 */
export function RegisterPage({ meetingId }: { meetingId: string }) {
  const { s } = useRegistrationStrings();
  const id = useId();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [done, setDone] = useState<{ joinUrl: string | null } | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setProblem(null);
    try {
      const r = await registrationApi.register(meetingId, { name: name.normalize('NFC').trim(), email: email.trim() });
      setDone({ joinUrl: r.joinUrl ?? null });
    } catch (err) {
      setProblem(problemOf(err));
    } finally {
      setBusy(false);
    }
  };

  if (done) {
    return (
      <div className="narrow card stack" data-testid="registration-done">
        <h1>{s.registerTitle}</h1>
        {done.joinUrl ? (
          <>
            <p className="muted small" id={`${id}-hint`}>
              {s.yourLinkHint}
            </p>
            <div className="field">
              <label htmlFor={`${id}-link`}>{s.yourLink}</label>
              <input id={`${id}-link`} readOnly value={done.joinUrl} aria-describedby={`${id}-hint`} onFocus={(e) => e.currentTarget.select()} data-testid="personal-link" />
            </div>
            <p>
              {/* A full page load: the fragment (#reg=) stays in this browser. */}
              <a className="button primary register-link" href={done.joinUrl}>
                {s.joinNow}
              </a>
            </p>
          </>
        ) : (
          <p role="status">{s.received}</p>
        )}
      </div>
    );
  }

  return (
    <form className="narrow card stack" aria-labelledby={`${id}-heading`} onSubmit={(e) => void submit(e)}>
      <h1 id={`${id}-heading`}>{s.registerTitle}</h1>
      <p className="muted">{s.registerIntro}</p>
      <ProblemAlert problem={problem} />
      <TextField id={`${id}-name`} label={s.name} autoComplete="name" required maxLength={LIMITS.displayNameMax} value={name} onChange={setName} />
      <TextField id={`${id}-email`} type="email" label={s.email} autoComplete="email" required maxLength={254} value={email} onChange={setEmail} />
      <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
        {s.register}
      </button>
    </form>
  );
}
