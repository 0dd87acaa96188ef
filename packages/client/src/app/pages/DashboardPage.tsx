import { useCallback, useEffect, useState, type FormEvent } from 'react';
import {
  DEFAULT_RETENTION,
  LIMITS,
  paths,
  type ConfidentialityLevel,
  type CreateMeetingRequest,
  type MeetingResource,
  type NameRule,
} from '@kaigi/protocol';
import { api, ApiError } from '../../api/http';
import { toProblem, useI18n, type Problem } from '../../i18n';
import { useAuth } from '../auth';
import { MeetingCard } from '../components/MeetingCard';
import { LEVEL_NAME } from '../components/LevelBanner';
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

const LEVELS: readonly ConfidentialityLevel[] = ['high', 'medium', 'low'];
const LEVEL_EXPLAIN = { high: 'levelHighExplain', medium: 'levelMediumExplain', low: 'levelLowExplain' } as const;

/** The meeting's rules as the form holds them (F1, C1, C4, B4). */
interface RulesForm {
  level: ConfidentialityLevel;
  joinBeforeHost: boolean;
  /** datetime-local values (the browser's local time), '' when open. */
  startsAt: string;
  endsAt: string;
  nameKind: NameRule['kind'];
  pattern: string;
  muteOnEntry: boolean;
}

// Medium is the server's own default level until the organisation's policy has answered.
const INITIAL_RULES: RulesForm = {
  level: 'medium',
  joinBeforeHost: false,
  startsAt: '',
  endsAt: '',
  nameKind: 'free',
  pattern: '',
  muteOnEntry: true,
};

const isoOf = (local: string): string | null => (local ? new Date(local).toISOString() : null);

/** The request's rules, or the key of what is wrong with the form. */
function rulesRequest(f: RulesForm): Pick<CreateMeetingRequest, 'level' | 'joinBeforeHost' | 'window' | 'nameRule' | 'muteOnEntry'> | 'windowInvalid' | 'nameRulePatternInvalid' {
  const window = { startsAt: isoOf(f.startsAt), endsAt: isoOf(f.endsAt) };
  if (window.startsAt && window.endsAt && Date.parse(window.startsAt) >= Date.parse(window.endsAt)) return 'windowInvalid';
  const pattern = f.pattern.trim();
  if (f.nameKind === 'pattern' && pattern.replace(/\*/g, '').trim() === '') return 'nameRulePatternInvalid';
  const nameRule: NameRule = f.nameKind === 'pattern' ? { kind: 'pattern', pattern } : { kind: f.nameKind };
  return {
    level: f.level,
    joinBeforeHost: f.joinBeforeHost,
    ...((window.startsAt || window.endsAt) && { window }),
    nameRule,
    muteOnEntry: f.muteOnEntry,
  };
}

/** A checkbox with its label and a hint the checkbox is described by. */
function CheckboxField({ id, label, hint, checked, disabled, onChange }: { id: string; label: string; hint: string; checked: boolean; disabled?: boolean; onChange: (on: boolean) => void }) {
  return (
    <div className="field">
      <label className="checkbox">
        <input type="checkbox" checked={checked} disabled={disabled} aria-describedby={`${id}-hint`} onChange={(e) => onChange(e.target.checked)} /> {label}
      </label>
      <p id={`${id}-hint`} className="muted small">
        {hint}
      </p>
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
  const [rules, setRules] = useState<RulesForm>(INITIAL_RULES);
  // The organisation's allowed levels and default (F2); all three until it has answered.
  const [levels, setLevels] = useState<readonly ConfidentialityLevel[]>(LEVELS);
  // Creating waits for the policy, so a quick host does not get Medium where the default is another.
  const [policyKnown, setPolicyKnown] = useState(false);
  const [formError, setFormError] = useState<'windowInvalid' | 'nameRulePatternInvalid' | null>(null);
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
      .organisationPolicy()
      .then((p) => {
        if (!live) return;
        setLevels(LEVELS.filter((l) => p.levels.allowed.includes(l)));
        setRules((r) => ({ ...r, level: p.levels.default }));
      })
      .catch(() => undefined)
      .finally(() => {
        if (live) setPolicyKnown(true);
      });
    return () => {
      live = false;
    };
  }, []);

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
    const ruled = rulesRequest(rules);
    if (typeof ruled === 'string') {
      setFormError(ruled);
      return;
    }
    setFormError(null);
    setCreating(true);
    setProblem(null);
    try {
      const m = await api.createMeeting({
        title: title.trim(),
        // High is always end-to-end encrypted (F1, IPA 5.1(2)).
        ...((e2ee || rules.level === 'high') && { e2ee: true }),
        retention: { files: keepFiles, recordings: keepRecordings },
        ...ruled,
      });
      setMeetings((prev) => newestFirst([m, ...(prev ?? []).filter((x) => x.id !== m.id)]));
      setTitle('');
      setE2ee(false);
      setRules(INITIAL_RULES);
      setKeepFiles(DEFAULT_RETENTION.files);
      setKeepRecordings(DEFAULT_RETENTION.recordings);
    } catch (err) {
      handleAuthError(err);
    } finally {
      setCreating(false);
    }
  };

  const setRule = (patch: Partial<RulesForm>) => {
    setFormError(null);
    setRules((r) => ({ ...r, ...patch }));
  };
  const high = rules.level === 'high';

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
          <label htmlFor="new-meeting-level">{t('levelLabel')}</label>
          <select
            id="new-meeting-level"
            value={rules.level}
            aria-describedby={`new-meeting-level-${rules.level}`}
            onChange={(e) => setRule({ level: e.target.value as ConfidentialityLevel })}
          >
            {levels.map((l) => (
              <option key={l} value={l}>
                {t(LEVEL_NAME[l])}
              </option>
            ))}
          </select>
          <ul className="level-explain muted small">
            {levels.map((l) => (
              <li key={l} id={`new-meeting-level-${l}`} className={l === rules.level ? 'level-chosen' : undefined}>
                {t(LEVEL_EXPLAIN[l])}
              </li>
            ))}
          </ul>
        </div>
        <CheckboxField
          id="new-meeting-e2ee"
          label={t('e2eeOption')}
          hint={high ? `${t('levelForcesE2ee')} ${t('e2eeOptionHint')}` : t('e2eeOptionHint')}
          checked={e2ee || high}
          disabled={high}
          onChange={setE2ee}
        />
        <CheckboxField
          id="new-meeting-before-host"
          label={t('joinBeforeHostOption')}
          hint={t('joinBeforeHostHint')}
          checked={rules.joinBeforeHost}
          onChange={(on) => setRule({ joinBeforeHost: on })}
        />
        <CheckboxField
          id="new-meeting-mute"
          label={t('muteOnEntryOption')}
          hint={t('muteOnEntryHint')}
          checked={rules.muteOnEntry}
          onChange={(on) => setRule({ muteOnEntry: on })}
        />
        <fieldset className="form-group" aria-describedby="new-meeting-window-hint">
          <legend>{t('windowLegend')}</legend>
          <div className="two-col">
            <div className="field">
              <label htmlFor="new-meeting-starts">{t('windowStartsAt')}</label>
              <input id="new-meeting-starts" type="datetime-local" value={rules.startsAt} onChange={(e) => setRule({ startsAt: e.target.value })} />
            </div>
            <div className="field">
              <label htmlFor="new-meeting-ends">{t('windowEndsAt')}</label>
              <input id="new-meeting-ends" type="datetime-local" value={rules.endsAt} onChange={(e) => setRule({ endsAt: e.target.value })} />
            </div>
          </div>
          <p id="new-meeting-window-hint" className="muted small">
            {t('windowHint')}
          </p>
        </fieldset>
        <fieldset className="form-group">
          <legend>{t('nameRuleLegend')}</legend>
          {(['free', 'pattern', 'account'] as const).map((kind) => (
            <label key={kind} className="checkbox">
              <input
                type="radio"
                name="new-meeting-name-rule"
                value={kind}
                checked={rules.nameKind === kind}
                onChange={() => setRule({ nameKind: kind })}
              />{' '}
              {t(kind === 'free' ? 'nameRuleFree' : kind === 'pattern' ? 'nameRulePattern' : 'nameRuleAccount')}
            </label>
          ))}
          {rules.nameKind === 'pattern' && (
            <div className="field">
              <label htmlFor="new-meeting-name-pattern">{t('nameRulePatternInput')}</label>
              <input
                id="new-meeting-name-pattern"
                type="text"
                required
                maxLength={100}
                value={rules.pattern}
                aria-describedby="new-meeting-name-pattern-hint"
                onChange={(e) => setRule({ pattern: e.target.value })}
              />
              <p id="new-meeting-name-pattern-hint" className="muted small">
                {t('nameRulePatternHint')}
              </p>
            </div>
          )}
        </fieldset>
        <div className="two-col">
          <RetentionSelect id="new-meeting-keep-files" label={t('keepFiles')} value={keepFiles} onChange={setKeepFiles} />
          <RetentionSelect id="new-meeting-keep-recordings" label={t('keepRecordings')} value={keepRecordings} onChange={setKeepRecordings} />
        </div>
        <p id="new-meeting-retention-hint" className="muted small">
          {t('retentionHint')}
        </p>
        {formError && (
          <p className="error" role="alert">
            {t(formError)}
          </p>
        )}
        <div className="button-row">
          <button type="submit" className="primary" disabled={creating || !policyKnown} aria-busy={creating || !policyKnown}>
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
