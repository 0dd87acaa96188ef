import { useState, useSyncExternalStore } from 'react';
import { useI18n } from '../../i18n';
import { NOT_RECORDING, type RecordingSnapshot } from '../../session/RecordingController';
import type { MeetingSession } from '../../session/useMeetingSession';
import { formatTime } from '../format';
import { isE2eeMeeting, useE2eeSnapshot } from './E2eeBanner';
import { LocalRecordingControl } from './LocalRecordingControl';

const noSubscribe = () => () => undefined;
const idle = (): RecordingSnapshot => NOT_RECORDING;

export function useRecording(session: MeetingSession): RecordingSnapshot {
  const store = session.recording;
  const get = store?.getSnapshot ?? idle;
  return useSyncExternalStore(store?.subscribe ?? noSubscribe, get, get);
}

/**
 * Whether the meeting is being recorded, for everyone (A5): a status while it is, with who
 * started it and since when, and a spoken announcement when it starts and when it stops.
 */
export function RecordingIndicator({ session }: { session: MeetingSession }) {
  const { t, locale } = useI18n();
  const rec = useRecording(session);
  if (!session.state.meeting) return null;
  const time = rec.since === null ? '' : formatTime(rec.since, locale);
  const detail =
    rec.by && time ? t('recordingByAt', { name: rec.by, time }) : rec.by ? t('recordingBy', { name: rec.by }) : time ? t('recordingAt', { time }) : '';
  const announcement = rec.change === 'started' ? t('recordingStarted') : rec.change === 'stopped' ? t('recordingStopped') : '';

  return (
    <>
      {rec.active && (
        <p className="recording-indicator" role="status" aria-labelledby="recording-label" data-testid="recording-indicator">
          <span className="recording-dot" aria-hidden="true" />
          <strong id="recording-label">{t('recording')}</strong>
          {detail && <span className="small"> — {detail}</span>}
          {rec.mode === 'local' && <span className="small"> ({t('recordingLocal')})</span>}
        </p>
      )}
      <p className="visually-hidden" aria-live="assertive">
        {announcement}
      </p>
    </>
  );
}

/**
 * The host starts and stops server recording. In E2EE meetings the server cannot record (D4):
 * a note says so, and the host can record in the browser instead. Levels that allow no
 * recording (Medium, High) say so instead.
 */
export function RecordingControl({ session }: { session: MeetingSession }) {
  const { t } = useI18n();
  const rec = useRecording(session);
  const e2ee = useE2eeSnapshot(session);
  const [busy, setBusy] = useState(false);
  if (!session.state.meeting) return null;
  // Only Low records (F1): Medium and High keep no recordings on the server.
  const level = session.state.meeting.level;
  const serverActive = rec.active && rec.mode === 'server';

  const toggle = async () => {
    if (busy) return;
    setBusy(true);
    try {
      await session.act({ type: 'setRecording', active: !serverActive });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card stack" aria-labelledby="server-recording-heading">
      <h2 id="server-recording-heading">{t('serverRecording')}</h2>
      {!level.serverRecording && !level.browserRecording ? (
        <p className="muted">{t('recordingOffByLevel')}</p>
      ) : isE2eeMeeting(session, e2ee) ? (
        <>
          <p className="muted">{t('recordingUnavailable')}</p>
          <LocalRecordingControl controller={session.localRecording} />
        </>
      ) : (
        <div className="row-between">
          <p className="muted small">{t('recordingHostHint')}</p>
          <button
            type="button"
            className={serverActive ? 'danger' : undefined}
            disabled={busy}
            aria-busy={busy}
            onClick={() => void toggle()}
          >
            {serverActive ? t('stopRecording') : t('startRecording')}
          </button>
        </div>
      )}
    </section>
  );
}
