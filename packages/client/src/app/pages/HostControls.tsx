import { useId, useState } from 'react';
import {
  LEVEL_RANK,
  mayActOn,
  mayAdmitAll,
  type AdmissionCheck,
  type ConfidentialityLevel,
  type MediaPermissions,
  type MediaSource,
  type ParticipantInfo,
} from '@kaigi/protocol';
import { api } from '../../api/http';
import type { StringKey } from '../../i18n/en';
import { problemOf, useI18n, type Problem } from '../../i18n';
import type { ActionMessage } from '../../session/SignalingClient';
import type { MeetingSession } from '../../session/useMeetingSession';
import { AdmitCheckDialog } from '../components/AdmitCheckDialog';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { LEVEL_NAME } from '../components/LevelBanner';
import { ProblemAlert } from '../components/ProblemAlert';
import { RecordingControl } from '../components/RecordingIndicator';
import { CheckButton, CheckPanel, VerifierRoleButton } from '../components/VerifierCheck';
import { EntryLabel } from '../registration/EntryLabel';
import { RegistrationPanel } from '../registration/RegistrationPanel';

/** Runs one host action at a time per control, so double clicks send one message. */
function useAction(session: MeetingSession) {
  const [busy, setBusy] = useState(false);
  const run = async (action: ActionMessage) => {
    if (busy) return;
    setBusy(true);
    try {
      await session.act(action);
    } finally {
      setBusy(false);
    }
  };
  return { busy, run };
}

const STOP_LABELS: Record<MediaSource, { full: StringKey; short: StringKey }> = {
  microphone: { full: 'muteParticipant', short: 'muteShort' },
  camera: { full: 'stopVideoOf', short: 'stopVideoShort' },
  screen: { full: 'stopScreenOf', short: 'stopScreenShort' },
};

/**
 * Stop-media, remove and send-to-waiting buttons next to a participant in a host's roster, and
 * for the host, making them a co-host or a participant again. Nobody acts on the host; only the
 * host acts on a co-host (the server's rule, followed here so no button is bound to fail).
 */
export function ParticipantActions({
  session,
  participant,
  sources,
}: {
  session: MeetingSession;
  participant: ParticipantInfo;
  /** What this participant publishes now. */
  sources: readonly MediaSource[];
}) {
  const { t } = useI18n();
  const { busy, run } = useAction(session);
  const name = participant.displayName;
  const role = session.state.role;
  // The permission table: nobody acts on the host, only the host on a co-host.
  if (role === null || !mayActOn(role, 'remove', participant.role)) return null;
  const cohost = participant.role === 'cohost';
  return (
    <span className="participant-actions">
      {mayActOn(role, 'setRole', participant.role) && (
        <button
          type="button"
          className="small-button"
          aria-label={t(cohost ? 'removeCohost' : 'makeCohost', { name })}
          disabled={busy}
          onClick={() => void run({ type: 'setRole', participantId: participant.id, role: cohost ? 'participant' : 'cohost' })}
        >
          {t(cohost ? 'removeCohostShort' : 'makeCohostShort')}
        </button>
      )}
      <VerifierRoleButton session={session} participant={participant} />
      {(['microphone', 'camera', 'screen'] as const)
        .filter((source) => sources.includes(source))
        .map((source) => (
          <button
            key={source}
            type="button"
            className="small-button"
            aria-label={t(STOP_LABELS[source].full, { name })}
            disabled={busy}
            onClick={() => void run({ type: 'stopMedia', participantId: participant.id, source })}
          >
            {t(STOP_LABELS[source].short)}
          </button>
        ))}
      <button
        type="button"
        className="small-button"
        aria-label={t('sendToWaiting', { name })}
        disabled={busy}
        onClick={() => void run({ type: 'sendToWaiting', participantId: participant.id })}
      >
        {t('sendToWaitingShort')}
      </button>
      <button
        type="button"
        className="small-button danger"
        aria-label={t('remove', { name })}
        disabled={busy}
        onClick={() => void run({ type: 'remove', participantId: participant.id })}
      >
        {t('removeShort')}
      </button>
    </span>
  );
}

const PERMISSION_LABELS: Record<keyof MediaPermissions, StringKey> = {
  microphone: 'mayUnmute',
  camera: 'mayStartVideo',
  screen: 'mayShareScreen',
  chat: 'mayChat',
  files: 'mayShareFiles',
};

/** What participants (not hosts) may publish, and whether they may chat and share files (C1, C2, A4). */
function MediaPermissionsControl({ session }: { session: MeetingSession }) {
  const { t } = useI18n();
  const { busy, run } = useAction(session);
  // Shown at once while the change is on its way; the server's meetingState then takes over.
  const [pending, setPending] = useState<Partial<MediaPermissions>>({});
  const permissions = session.state.meeting?.mediaPermissions;
  if (!permissions) return null;
  const change = async (source: keyof MediaPermissions, value: boolean) => {
    setPending((p) => ({ ...p, [source]: value }));
    try {
      await run({ type: 'setMediaPermissions', permissions: { [source]: value } });
    } finally {
      setPending((p) => {
        const { [source]: _done, ...rest } = p;
        return rest;
      });
    }
  };
  return (
    <fieldset className="card permissions">
      <legend>{t('participantPermissions')}</legend>
      {(['microphone', 'camera', 'screen', 'chat', 'files'] as const).map((source) => (
        <label key={source} className="checkbox">
          <input
            type="checkbox"
            checked={pending[source] ?? permissions[source]}
            disabled={busy}
            onChange={(e) => void change(source, e.target.checked)}
          />{' '}
          {t(PERMISSION_LABELS[source])}
        </label>
      ))}
    </fieldset>
  );
}

const LEVELS: readonly ConfidentialityLevel[] = ['low', 'medium', 'high'];

/**
 * The host raises the meeting's level while it runs (F1): only levels above the current one are
 * offered (High only to an E2EE meeting). Through the API, as the signed-in owner; everyone is
 * then told by the server's meeting state.
 */
function RaiseLevelControl({ session }: { session: MeetingSession }) {
  const { t, tError } = useI18n();
  const id = useId();
  const [choice, setChoice] = useState<ConfidentialityLevel | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const meeting = session.state.meeting;
  if (!meeting) return null;
  const current = meeting.level.level;
  const options = LEVELS.filter((l) => LEVEL_RANK[l] > LEVEL_RANK[current] && (l !== 'high' || meeting.e2ee));
  const selected = choice && options.includes(choice) ? choice : options[0];

  const raise = async () => {
    if (busy || !selected) return;
    setBusy(true);
    setProblem(null);
    try {
      await api.updateMeeting(meeting.id, { level: selected });
      setChoice(null);
    } catch (e) {
      setProblem(problemOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card stack" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>{t('levelLabel')}</h2>
      {selected ? (
        <>
          <div className="input-row">
            <label htmlFor={`${id}-select`}>{t('raiseLevelTo')}</label>
            <select id={`${id}-select`} value={selected} disabled={busy} onChange={(e) => setChoice(e.target.value as ConfidentialityLevel)}>
              {options.map((l) => (
                <option key={l} value={l}>
                  {t(LEVEL_NAME[l])}
                </option>
              ))}
            </select>
            <button type="button" disabled={busy} aria-busy={busy} onClick={() => void raise()}>
              {t('raiseLevel')}
            </button>
          </div>
          <p className="muted small">{t('raiseLevelHint')}</p>
        </>
      ) : (
        <p className="muted small">{current === 'high' ? t('levelAtHighest') : tError({ code: 'E2EE_REQUIRED' })}</p>
      )}
      <ProblemAlert problem={problem} />
    </section>
  );
}

/** One action against disruption (C3), after a confirmation: participants' media, chat and files off, meeting locked. */
function SuspendControl({ session }: { session: MeetingSession }) {
  const { t } = useI18n();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const locked = session.state.meeting?.locked ?? false;

  const suspend = async () => {
    setBusy(true);
    const ok = await session.act({ type: 'suspendAll' });
    setBusy(false);
    setAsking(false);
    setDone(ok);
  };

  return (
    <div className="card stack">
      <div className="row-between">
        <p className="muted small">{t('suspendHint')}</p>
        <button type="button" className="danger" onClick={() => setAsking(true)}>
          {t('suspendAll')}
        </button>
      </div>
      <p role="status" className="small">
        {done && locked ? t('suspended') : ''}
      </p>
      <ConfirmDialog
        open={asking}
        title={t('suspendTitle')}
        confirmLabel={t('suspendConfirm')}
        busy={busy}
        onConfirm={() => void suspend()}
        onCancel={() => setAsking(false)}
      >
        <p>{t('suspendBody')}</p>
      </ConfirmDialog>
    </div>
  );
}

export function HostControls({ session }: { session: MeetingSession }) {
  const { t } = useI18n();
  const { state } = session;
  const { busy, run } = useAction(session);
  const locked = state.meeting?.locked ?? false;
  // High meetings: each newcomer without an account is checked before admission, one by one (F1, B7).
  const checkFirst = state.meeting?.level.checkBeforeAdmission ?? false;
  // The server's rule (Meeting.admitAll): refused only while someone waiting needs a check first.
  const admitAllOff = state.meeting !== null && !mayAdmitAll(state.meeting.level, state.waiting);
  const [checkingId, setCheckingId] = useState<string | null>(null);
  const [admitting, setAdmitting] = useState(false);
  const checking = state.waiting.find((w) => w.id === checkingId) ?? null;

  const admitChecked = async (participantId: string, check: AdmissionCheck | undefined) => {
    setAdmitting(true);
    await session.act({ type: 'admit', participantId, ...(check && { check }) });
    setAdmitting(false);
    setCheckingId(null);
  };

  return (
    <div className="host-controls stack">
      <SuspendControl session={session} />
      {state.role === 'host' && <RaiseLevelControl session={session} />}
      <MediaPermissionsControl session={session} />
      <RecordingControl session={session} />
      <div className="card lock-row">
        <p className="muted">{locked ? t('lockedHint') : ''}</p>
        <button type="button" disabled={busy} onClick={() => void run({ type: 'setLocked', locked: !locked })}>
          {locked ? t('unlockMeeting') : t('lockMeeting')}
        </button>
      </div>

      <div className="two-col">
        <section className="card stack" aria-labelledby="waiting-heading">
          <div className="section-head">
            <h2 id="waiting-heading">{t('waitingRoom')}</h2>
            <button
              type="button"
              className="primary"
              disabled={busy || state.waiting.length === 0 || admitAllOff}
              aria-describedby={checkFirst ? 'admit-all-off' : undefined}
              onClick={() => void run({ type: 'admitAll' })}
            >
              {t('admitAll')}
            </button>
          </div>
          {checkFirst && (
            <p id="admit-all-off" className="muted small">
              {t('admitAllOffHigh')}
            </p>
          )}
          {state.waitingRoomFull && (
            <div className="notice" role="alert" aria-label={t('waitingRoomFullTitle')} data-testid="waiting-room-full">
              <strong>{t('waitingRoomFullTitle')}</strong>
              <p>{t('waitingRoomFull', { cap: state.waitingRoomFull.cap, refused: state.waitingRoomFull.refused })}</p>
            </div>
          )}
          {state.waiting.length === 0 ? (
            <p className="muted">{t('waitingEmpty')}</p>
          ) : (
            <ul className="people">
              {state.waiting.map((w) => (
                <li key={w.id} className="person">
                  <span className="participant-name">{w.displayName}</span>{' '}
                  <span className="badge"><EntryLabel entry={w.entry} /></span>
                  <span className="participant-actions">
                    <button
                      type="button"
                      className="small-button primary"
                      aria-label={t('admit', { name: w.displayName })}
                      aria-haspopup={checkFirst ? 'dialog' : undefined}
                      onClick={() => (checkFirst ? setCheckingId(w.id) : void session.act({ type: 'admit', participantId: w.id }))}
                    >
                      {t('admitShort')}
                    </button>
                    <CheckButton session={session} participantId={w.id} name={w.displayName} />
                    <button
                      type="button"
                      className="small-button danger"
                      aria-label={t('deny', { name: w.displayName })}
                      onClick={() => void session.act({ type: 'deny', participantId: w.id })}
                    >
                      {t('denyShort')}
                    </button>
                  </span>
                </li>
              ))}
            </ul>
          )}
          <CheckPanel session={session} />
          <AdmitCheckDialog
            entry={checking}
            busy={admitting}
            onAdmit={(check) => {
              if (checking) void admitChecked(checking.id, check);
            }}
            onCancel={() => setCheckingId(null)}
          />
        </section>
        <section className="card stack" aria-labelledby="bans-heading">
          <h2 id="bans-heading">{t('removedParticipants')}</h2>
          {state.bans.length === 0 ? (
            <p className="muted">{t('bansEmpty')}</p>
          ) : (
            <ul className="people">
              {state.bans.map((b) => (
                <li key={b.id} className="person">
                  <span className="participant-name">{b.displayName}</span>
                  <span className="participant-actions">
                    <button
                      type="button"
                      className="small-button"
                      aria-label={t('liftBan', { name: b.displayName })}
                      onClick={() => void session.act({ type: 'liftBan', banId: b.id })}
                    >
                      {t('liftBanShort')}
                    </button>
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <RegistrationPanel session={session} />
    </div>
  );
}
