import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { EmailDomain, GroupName, registrationPaths, type RegistrationMode, type RegistrationResource } from '@kaigi/protocol';
import { api } from '../../api/http';
import { problemOf, type Problem } from '../../i18n';
import type { MeetingSession } from '../../session/useMeetingSession';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ProblemAlert } from '../components/ProblemAlert';
import { registrationApi } from './api';
import { useRegistrationStrings } from './strings';
import './registration.css';

const MODES: readonly RegistrationMode[] = ['off', 'approval', 'automatic'];

/** Copies text; says so in the status line (or that the browser would not). */
function useCopy() {
  const { s } = useRegistrationStrings();
  const [copiedKey, setCopiedKey] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  const copy = async (key: string, text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setCopiedKey(key);
      setStatus(s.copied);
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => {
        setCopiedKey(null);
        setStatus('');
      }, 2000);
    } catch {
      setStatus(s.copyFailed);
    }
  };
  return { copiedKey, status, copy };
}

/** Members only, email domains, groups, registration mode (B3, B5, B6): through PATCH /api/meetings/:id. */
function EntrySettings({ meetingId, onMode }: { meetingId: string; onMode: (m: RegistrationMode) => void }) {
  const { s } = useRegistrationStrings();
  const id = useId();
  const [loaded, setLoaded] = useState(false);
  const [membersOnly, setMembersOnly] = useState(false);
  const [domains, setDomains] = useState('');
  const [groups, setGroups] = useState('');
  const [mode, setMode] = useState<RegistrationMode>('off');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    let live = true;
    registrationApi.meeting(meetingId).then(
      (m) => {
        if (!live) return;
        setMembersOnly(m.entry.membersOnly);
        setDomains(m.entry.emailDomains.join('\n'));
        setGroups(m.entry.groups.join('\n'));
        setMode(m.registration);
        onMode(m.registration);
        setLoaded(true);
      },
      (err: unknown) => live && setProblem(problemOf(err)),
    );
    return () => {
      live = false;
    };
  }, [meetingId, onMode]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const list = domains
      .split(/[\s,]+/)
      .map((d) => d.trim())
      .filter(Boolean);
    // Group names may hold spaces and commas: one per line.
    const groupList = groups
      .split(/\r?\n/)
      .map((g) => g.trim())
      .filter(Boolean);
    // Checked here as the server checks it, so a typo is named before anything is sent.
    if (list.some((d) => !EmailDomain.safeParse(d).success) || groupList.some((g) => !GroupName.safeParse(g).success)) {
      setProblem({ code: 'VALIDATION' });
      return;
    }
    setBusy(true);
    setProblem(null);
    setSaved(false);
    try {
      const m = await api.updateMeeting(meetingId, { entry: { membersOnly, emailDomains: list, groups: groupList }, registration: mode });
      setDomains(m.entry.emailDomains.join('\n'));
      setGroups(m.entry.groups.join('\n'));
      onMode(m.registration);
      setSaved(true);
    } catch (err) {
      setProblem(problemOf(err));
    } finally {
      setBusy(false);
    }
  };

  if (!loaded) return <ProblemAlert problem={problem} />;
  return (
    <form className="stack" onSubmit={(e) => void save(e)} data-testid="entry-settings">
      <label className="checkbox">
        <input type="checkbox" checked={membersOnly} onChange={(e) => setMembersOnly(e.target.checked)} /> {s.membersOnly}
      </label>
      <div className="field">
        <label htmlFor={`${id}-domains`}>{s.emailDomains}</label>
        <p id={`${id}-domains-hint`} className="muted small">
          {s.emailDomainsHint}
        </p>
        <textarea
          id={`${id}-domains`}
          rows={2}
          spellCheck={false}
          autoCapitalize="none"
          disabled={!membersOnly}
          aria-describedby={`${id}-domains-hint`}
          value={domains}
          onChange={(e) => setDomains(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-groups`}>{s.groups}</label>
        <p id={`${id}-groups-hint`} className="muted small">
          {s.groupsHint}
        </p>
        <textarea
          id={`${id}-groups`}
          rows={2}
          spellCheck={false}
          autoCapitalize="none"
          disabled={!membersOnly}
          aria-describedby={`${id}-groups-hint`}
          value={groups}
          onChange={(e) => setGroups(e.target.value)}
          data-testid="entry-groups"
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-mode`}>{s.registrationMode}</label>
        <select id={`${id}-mode`} value={mode} aria-describedby={`${id}-mode-hint`} onChange={(e) => setMode(e.target.value as RegistrationMode)}>
          {MODES.map((m) => (
            <option key={m} value={m}>
              {s.modes[m]}
            </option>
          ))}
        </select>
        <p id={`${id}-mode-hint`} className="muted small">
          {s.modeHint}
        </p>
      </div>
      <div className="button-row">
        <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
          {s.save}
        </button>
        <span role="status" className="small">
          {saved ? s.saved : ''}
        </span>
      </div>
      <ProblemAlert problem={problem} />
    </form>
  );
}

/** The registrants: approve, copy each personal link, revoke (which takes the person out at once). */
function Registrants({ meetingId, mode }: { meetingId: string; mode: RegistrationMode }) {
  const { s, fill, locale } = useRegistrationStrings();
  const id = useId();
  const [list, setList] = useState<RegistrationResource[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<RegistrationResource | null>(null);
  const { copiedKey, status, copy } = useCopy();
  const formUrl = `${location.origin}${registrationPaths.form(meetingId)}`;

  const load = useCallback(async () => {
    try {
      setList(await registrationApi.list(meetingId));
      setProblem(null);
    } catch (err) {
      setProblem(problemOf(err));
    }
  }, [meetingId]);

  useEffect(() => {
    void load();
  }, [load, mode]);

  const act = async (r: RegistrationResource, action: 'approve' | 'revoke') => {
    setBusyId(r.id);
    setProblem(null);
    try {
      const after = await registrationApi[action](meetingId, r.id);
      setList((l) => l?.map((x) => (x.id === after.id ? after : x)) ?? null);
    } catch (err) {
      setProblem(problemOf(err));
    } finally {
      setBusyId(null);
      setRevoking(null);
    }
  };

  const when = (iso: string) => new Date(iso).toLocaleString(locale);

  return (
    <div className="stack">
      {mode !== 'off' && (
        <div className="field">
          <label htmlFor={`${id}-form`}>{s.formLink}</label>
          <div className="input-row">
            <input id={`${id}-form`} readOnly value={formUrl} onFocus={(e) => e.currentTarget.select()} data-testid="registration-form-url" />
            <button type="button" onClick={() => void copy('form', formUrl)}>
              {copiedKey === 'form' ? s.copied : s.copy}
            </button>
          </div>
        </div>
      )}
      <div className="section-head">
        <h3 id={`${id}-heading`}>{s.registrantsHeading}</h3>
        <button type="button" className="small-button" onClick={() => void load()}>
          {s.refresh}
        </button>
      </div>
      <ProblemAlert problem={problem} />
      {list === null ? (
        <p className="muted small">{s.loading}</p>
      ) : list.length === 0 ? (
        <p className="muted">{s.noRegistrants}</p>
      ) : (
        <div className="table-wrap">
          <table className="data-table registrants" aria-labelledby={`${id}-heading`} data-testid="registrants">
            <thead>
              <tr>
                <th scope="col">{s.colName}</th>
                <th scope="col">{s.colEmail}</th>
                <th scope="col">{s.colStatus}</th>
                <th scope="col">{s.colUsed}</th>
                <th scope="col">{s.colActions}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((r) => (
                <tr key={r.id} data-registration-id={r.id}>
                  <td className="wrap">{r.name}</td>
                  <td className="wrap">{r.email}</td>
                  <td>
                    <span className={`badge registration-${r.status}`}>{s.status[r.status]}</span>
                  </td>
                  <td>{r.lastUsedAt ? fill(s.usedTimes, { n: r.uses, at: when(r.lastUsedAt) }) : s.neverUsed}</td>
                  <td>
                    <span className="participant-actions">
                      {r.status === 'pending' && (
                        <button
                          type="button"
                          className="small-button primary"
                          aria-label={fill(s.approveOf, { name: r.name })}
                          disabled={busyId === r.id}
                          onClick={() => void act(r, 'approve')}
                        >
                          {s.approve}
                        </button>
                      )}
                      {r.joinUrl && (
                        <button
                          type="button"
                          className="small-button"
                          aria-label={fill(s.copyLinkOf, { name: r.name })}
                          data-join-url={r.joinUrl}
                          onClick={() => void copy(r.id, r.joinUrl ?? '')}
                        >
                          {copiedKey === r.id ? s.copied : s.copy}
                        </button>
                      )}
                      {r.status !== 'revoked' && (
                        <button
                          type="button"
                          className="small-button danger"
                          aria-label={fill(s.revokeOf, { name: r.name })}
                          disabled={busyId === r.id}
                          onClick={() => setRevoking(r)}
                        >
                          {s.revoke}
                        </button>
                      )}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p role="status" className="small">
        {status}
      </p>
      <ConfirmDialog
        open={revoking !== null}
        title={s.revokeTitle}
        confirmLabel={s.revokeConfirm}
        busy={busyId !== null}
        onConfirm={() => {
          if (revoking) void act(revoking, 'revoke');
        }}
        onCancel={() => setRevoking(null)}
      >
        <p>{fill(s.revokeBody, { name: revoking?.name ?? '' })}</p>
      </ConfirmDialog>
    </div>
  );
}

/** A personal link in use from two places at once (B3): who holds it, and where each is now. */
function SharedLinkAlerts({ session }: { session: MeetingSession }) {
  const { s, fill } = useRegistrationStrings();
  const [dismissed, setDismissed] = useState<ReadonlySet<object>>(new Set());
  const { state } = session;
  const alerts = state.registrationAlerts.filter((a) => !dismissed.has(a));
  if (alerts.length === 0) return null;
  const where = (pid: string) =>
    state.waiting.some((w) => w.id === pid) ? s.alertWaiting : state.participants.some((p) => p.id === pid) ? s.alertInMeeting : s.alertGone;
  return (
    <div className="stack" data-testid="registration-alerts">
      {alerts.map((a) => (
        <div key={`${a.registrationId}-${a.participantIds.join()}`} className="notice registration-alert" role="alert">
          <p>{fill(s.alert, { name: a.name, n: a.participantIds.length })}</p>
          <p className="small">{s.alertWhere}</p>
          <ul className="small">
            {a.participantIds.map((pid) => {
              const name = state.waiting.find((w) => w.id === pid)?.displayName ?? state.participants.find((p) => p.id === pid)?.displayName ?? a.name;
              return (
                <li key={pid}>
                  {name} ({where(pid)})
                </li>
              );
            })}
          </ul>
          <button type="button" className="small-button" onClick={() => setDismissed((d) => new Set([...d, a]))}>
            {s.dismiss}
          </button>
        </div>
      ))}
    </div>
  );
}

/**
 * The host's "Entry and registration" panel in the meeting (B3, B5, B6): who may come in
 * (members only, email domains, registration), the registrants with their personal links, and
 * warnings when a link is used from two places. Only the meeting's owner may use its API.
 */
export function RegistrationPanel({ session }: { session: MeetingSession }) {
  const { s } = useRegistrationStrings();
  const id = useId();
  const meetingId = session.state.meeting?.id;
  const [mode, setMode] = useState<RegistrationMode>('off');
  if (!meetingId || session.state.role !== 'host') return null;
  return (
    <section className="card stack registration-panel" aria-labelledby={`${id}-heading`} data-testid="registration-panel">
      <h2 id={`${id}-heading`}>{s.panelHeading}</h2>
      <SharedLinkAlerts session={session} />
      <EntrySettings meetingId={meetingId} onMode={setMode} />
      <Registrants meetingId={meetingId} mode={mode} />
    </section>
  );
}
