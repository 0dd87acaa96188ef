import { useState } from 'react';
import type { MediaPermissions, MediaSource, ParticipantInfo } from '@kaigi/protocol';
import type { StringKey } from '../../i18n/en';
import { useI18n } from '../../i18n';
import type { ActionMessage } from '../../session/SignalingClient';
import type { MeetingSession } from '../../session/useMeetingSession';
import { RecordingControl } from '../components/RecordingIndicator';

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

/** Stop-media, remove and send-to-waiting buttons next to a participant in the host's roster. */
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
  return (
    <span className="participant-actions">
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

export function HostControls({ session }: { session: MeetingSession }) {
  const { t } = useI18n();
  const { state } = session;
  const { busy, run } = useAction(session);
  const locked = state.meeting?.locked ?? false;

  return (
    <div className="host-controls stack">
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
              disabled={busy || state.waiting.length === 0}
              onClick={() => void run({ type: 'admitAll' })}
            >
              {t('admitAll')}
            </button>
          </div>
          {state.waiting.length === 0 ? (
            <p className="muted">{t('waitingEmpty')}</p>
          ) : (
            <ul className="people">
              {state.waiting.map((w) => (
                <li key={w.id} className="person">
                  <span className="participant-name">{w.displayName}</span>{' '}
                  <span className="badge">{w.entry === 'guest' ? t('entryGuest') : t('entryMember')}</span>
                  <span className="participant-actions">
                    <button
                      type="button"
                      className="small-button primary"
                      aria-label={t('admit', { name: w.displayName })}
                      onClick={() => void session.act({ type: 'admit', participantId: w.id })}
                    >
                      {t('admitShort')}
                    </button>
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
    </div>
  );
}
