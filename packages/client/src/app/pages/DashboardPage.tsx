import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { DEFAULT_RETENTION, LIMITS, paths, type MeetingResource } from '@kaigi/protocol';
import { api, ApiError } from '../../api/http';
import { toProblem, useI18n, type Problem } from '../../i18n';
import { useAuth } from '../auth';
import { MeetingCard } from '../components/MeetingCard';
import { ProblemAlert } from '../components/ProblemAlert';
import { formatRetention } from '../format';
import { navigate } from '../router';

const DAY = 86400;
/** Retention choices at creation, in seconds (E4); 0 purges when the meeting ends. */
const RETENTION_CHOICES = [0, DAY, 7 * DAY, 30 * DAY] as const;

/** A labelled select of retention choices. */
function RetentionSelect({ id, label, value, onChange }: { id: string; label: string; value: number; onChange: (v: number) => void }) {
  const i18n = useI18n();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} aria-describedby="new-meeting-retention-hint" onChange={(e) => onChange(Number(e.target.value))}>
        {RETENTION_CHOICES.map((s) => (
          <option key={s} value={s}>
            {formatRetention(s, i18n)}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Newest first; createdAt is an ISO timestamp. */
function newestFirst(list: MeetingResource[]): MeetingResource[] {
  return [...list].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

function problemOf(err: unknown): Problem {
  return err instanceof ApiError ? toProblem(err.code, err.retryAfterMs) : { code: 'UNKNOWN' };
}

export function DashboardPage() {
  const { t } = useI18n();
  const auth = useAuth();
  const [meetings, setMeetings] = useState<MeetingResource[] | null>(null);
  const [title, setTitle] = useState('');
  const [e2ee, setE2ee] = useState(false);
  const [keepFiles, setKeepFiles] = useState<number>(DEFAULT_RETENTION.files);
  const [keepRecordings, setKeepRecordings] = useState<number>(DEFAULT_RETENTION.recordings);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);

  const handleAuthError = useCallback((err: unknown) => {
    if (err instanceof ApiError && err.status === 401) {
      void auth.signOut().then(() => navigate(paths.signIn, { replace: true }));
      return;
    }
    setProblem(problemOf(err));
  }, [auth]);

  useEffect(() => {
    let live = true;
    api
      .listMeetings()
      .then((list) => {
        // Keep anything created while the list was on its way.
        if (live) setMeetings((prev) => newestFirst([...(prev ?? []).filter((p) => !list.some((m) => m.id === p.id)), ...list]));
      })
      .catch((err: unknown) => {
        if (live) {
          setMeetings([]);
          handleAuthError(err);
        }
      });
    return () => {
      live = false;
    };
  }, [handleAuthError]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setCreating(true);
    setProblem(null);
    try {
      const m = await api.createMeeting({
        title: title.trim(),
        ...(e2ee && { e2ee: true }),
        retention: { files: keepFiles, recordings: keepRecordings },
      });
      setMeetings((prev) => newestFirst([m, ...(prev ?? []).filter((x) => x.id !== m.id)]));
      setTitle('');
      setE2ee(false);
      setKeepFiles(DEFAULT_RETENTION.files);
      setKeepRecordings(DEFAULT_RETENTION.recordings);
    } catch (err) {
      handleAuthError(err);
    } finally {
      setCreating(false);
    }
  };

  const remove = async (m: MeetingResource) => {
    setDeleting(m.id);
    setProblem(null);
    try {
      await api.deleteMeeting(m.id);
      setMeetings((prev) => (prev ?? []).filter((x) => x.id !== m.id));
    } catch (err) {
      handleAuthError(err);
    } finally {
      setDeleting(null);
    }
  };

  const signOut = async () => {
    await auth.signOut();
    navigate(paths.signIn);
  };

  return (
    <div className="stack">
      <div className="page-head">
        <h1>{t('dashboardTitle')}</h1>
        <div className="page-head-side">
          {auth.user && <span className="muted">{t('signedInAs', { name: auth.user.username })}</span>}
          <button type="button" onClick={() => void signOut()}>
            {t('signOut')}
          </button>
        </div>
      </div>

      <form className="card stack" aria-labelledby="new-meeting-heading" onSubmit={(e) => void create(e)}>
        <h2 id="new-meeting-heading">{t('newMeeting')}</h2>
        <div className="field">
          <label htmlFor="new-meeting-title">{t('meetingTitle')}</label>
          <input
            id="new-meeting-title"
            type="text"
            required
            maxLength={LIMITS.meetingTitleMax}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
          />
        </div>
        <div className="field">
          <label className="checkbox">
            <input
              type="checkbox"
              checked={e2ee}
              aria-describedby="new-meeting-e2ee-hint"
              onChange={(e) => setE2ee(e.target.checked)}
            />{' '}
            {t('e2eeOption')}
          </label>
          <p id="new-meeting-e2ee-hint" className="muted small">
            {t('e2eeOptionHint')}
          </p>
        </div>
        <div className="two-col">
          <RetentionSelect id="new-meeting-keep-files" label={t('keepFiles')} value={keepFiles} onChange={setKeepFiles} />
          <RetentionSelect id="new-meeting-keep-recordings" label={t('keepRecordings')} value={keepRecordings} onChange={setKeepRecordings} />
        </div>
        <p id="new-meeting-retention-hint" className="muted small">
          {t('retentionHint')}
        </p>
        <div className="button-row">
          <button type="submit" className="primary" disabled={creating} aria-busy={creating}>
            {t('createMeeting')}
          </button>
        </div>
      </form>

      <ProblemAlert problem={problem} />

      <section aria-labelledby="meetings-heading" className="stack">
        <h2 id="meetings-heading">{t('meetingList')}</h2>
        {meetings === null ? (
          <p className="muted">{t('loading')}</p>
        ) : meetings.length === 0 ? (
          <p className="muted">{t('noMeetings')}</p>
        ) : (
          <ul className="meeting-list">
            {meetings.map((m) => (
              <MeetingCard key={m.id} meeting={m} deleting={deleting === m.id} onDelete={() => void remove(m)} />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
