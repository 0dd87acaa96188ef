import { useEffect, useState, useSyncExternalStore } from 'react';
import { useI18n } from '../../i18n';
import { INITIAL_E2EE, type E2eeSnapshot } from '../../session/E2eeController';
import type { MeetingSession } from '../../session/useMeetingSession';

const IDLE = INITIAL_E2EE;
const noSubscribe = () => () => undefined;
const idle = () => IDLE;

/** The E2EE controller's snapshot, or an idle one before the controller exists. */
export function useE2eeSnapshot(session: MeetingSession): E2eeSnapshot {
  const store = session.e2ee;
  const get = store?.getSnapshot ?? idle;
  return useSyncExternalStore(store?.subscribe ?? noSubscribe, get, get);
}

/** The meeting is end-to-end encrypted: the server's meeting summary decides, the controller follows it. */
export function isE2eeMeeting(session: MeetingSession, snap: E2eeSnapshot): boolean {
  return session.state.meeting?.e2ee ?? snap.enabled;
}

/** How long a key holder may be missing from the roster before we warn (a removal takes a commit). */
const STRANGER_GRACE_MS = 4000;

/**
 * Members of the MLS group, read from the group's own credentials, who are not in the roster the
 * server sends: the one check against a server that adds someone to the keys behind our back.
 */
function useStrangers(session: MeetingSession, snap: E2eeSnapshot): number {
  const roster = new Set(session.state.participants.map((p) => p.id));
  const strangers = snap.members.filter((id) => !roster.has(id)).sort().join(',');
  const [shown, setShown] = useState('');
  useEffect(() => {
    if (!strangers) return setShown('');
    const timer = setTimeout(() => setShown(strangers), STRANGER_GRACE_MS);
    return () => clearTimeout(timer);
  }, [strangers]);
  return shown && shown === strangers ? shown.split(',').length : 0;
}

/**
 * Which mode the meeting is in, always in view (D3), what that means, which server features are
 * unavailable because of it (D4), and how setting up the encryption group is going.
 */
export function E2eeBanner({ session }: { session: MeetingSession }) {
  const { t } = useI18n();
  const snap = useE2eeSnapshot(session);
  const strangers = useStrangers(session, snap);
  if (!session.state.meeting) return null;
  const e2ee = isE2eeMeeting(session, snap);

  return (
    <div className={`e2ee-banner ${e2ee ? 'e2ee-banner-on' : 'e2ee-banner-off'}`}>
      <p className="e2ee-mode">
        <span aria-hidden="true" className="e2ee-icon">
          {e2ee ? '🔒' : '🔓'}
        </span>{' '}
        <span role="status" data-testid="e2ee-mode">
          {e2ee ? t('modeE2ee') : t('modeTransport')}
        </span>
      </p>
      <p className="small">{e2ee ? t('modeE2eeExplain') : t('modeTransportExplain')}</p>
      {e2ee && <p className="small">{t('recordingUnavailable')}</p>}
      <p className="small" aria-live="polite">
        {e2ee && snap.status === 'joining' ? t('e2eeJoining') : ''}
      </p>
      {e2ee && snap.status === 'failed' && (
        <p className="error" role="alert">
          {snap.supported ? t('e2eeFailed') : t('e2eeUnsupportedHere')}
        </p>
      )}
      {e2ee && strangers > 0 && (
        <p className="error" role="alert">
          {t('e2eeStrangers', { count: String(strangers) })}
        </p>
      )}
      <p className={snap.modeChangedTo === null ? 'visually-hidden' : 'notice'} aria-live="assertive">
        {snap.modeChangedTo === null ? '' : snap.modeChangedTo ? t('modeChangedToE2ee') : t('modeChangedToTransport')}
      </p>
    </div>
  );
}
