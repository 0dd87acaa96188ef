import type { MediaSource, ParticipantInfo } from '@kaigi/protocol';
import { useI18n } from '../../i18n';
import type { MediaController } from '../../media/MediaController';
import type { MediaSnapshot, Quality } from '../../media/mediaTypes';
import type { MeetingSession } from '../../session/useMeetingSession';
import { DeviceSettings } from '../components/DeviceSettings';
import { MediaNotice } from '../components/MediaNotice';
import { MediaToolbar } from '../components/MediaToolbar';
import { ProblemAlert } from '../components/ProblemAlert';
import { useMediaSnapshot } from '../components/useMedia';
import { VideoGrid } from '../components/VideoGrid';
import { HostControls, ParticipantActions } from './HostControls';

const QUALITY_KEY = { good: 'connectionGood', fair: 'connectionFair', poor: 'connectionPoor' } as const;
const NO_SOURCES: readonly MediaSource[] = [];

function ParticipantItem({
  p,
  isSelf,
  hostActions,
  sources,
  quality,
}: {
  p: ParticipantInfo;
  isSelf: boolean;
  hostActions: MeetingSession | null;
  sources: readonly MediaSource[];
  quality: Quality | undefined;
}) {
  const { t } = useI18n();
  return (
    <li className="participant">
      <span className="participant-name">{p.displayName}</span>{' '}
      {isSelf && <span className="you">{t('you')}</span>}{' '}
      {p.role === 'host' && <span className="badge badge-host">{t('roleHost')}</span>}{' '}
      <span className="badge">{p.entry === 'guest' ? t('entryGuest') : t('entryMember')}</span>{' '}
      {quality && <span className={`quality quality-${quality}`}>{t(QUALITY_KEY[quality])}</span>}{' '}
      {hostActions && !isSelf && <ParticipantActions session={hostActions} participant={p} sources={sources} />}
    </li>
  );
}

function MediaArea({
  session,
  media,
  participants,
}: {
  session: MeetingSession;
  media: MediaController;
  participants: ParticipantInfo[];
}) {
  const snap = useMediaSnapshot(media);
  return (
    <>
      <MediaNotice media={media} notice={snap.notice} />
      <MediaToolbar media={media} snap={snap} />
      <VideoGrid media={media} snap={snap} participants={participants} />
      <div className="two-col">
        <ParticipantList session={session} snap={snap} participants={participants} />
        <DeviceSettings media={media} snap={snap} />
      </div>
    </>
  );
}

function ParticipantList({
  session,
  snap,
  participants,
}: {
  session: MeetingSession;
  snap: MediaSnapshot | null;
  participants: ParticipantInfo[];
}) {
  const { t } = useI18n();
  const { state } = session;
  const isHost = state.role === 'host';
  return (
    <div className="card stack">
      <h2 id="participants-heading">
        {t('participants')} <span className="muted small">({participants.length})</span>
      </h2>
      <ul className="participants" aria-label={t('participants')}>
        {participants.map((p) => (
          <ParticipantItem
            key={p.id}
            p={p}
            isSelf={p.id === state.self?.id}
            hostActions={isHost ? session : null}
            sources={snap?.publishing.get(p.id) ?? NO_SOURCES}
            quality={snap?.quality.get(p.id)}
          />
        ))}
      </ul>
    </div>
  );
}

export function MeetingView({ session, onLeave }: { session: MeetingSession; onLeave: () => void }) {
  const { t } = useI18n();
  const { state, media } = session;
  const isHost = state.role === 'host';
  const participants = state.participants.length > 0 || !state.self ? state.participants : [state.self];

  return (
    <div className="stack">
      <div className="page-head">
        <div className="title-line">
          <h1>{state.meeting?.title ?? ''}</h1>
          {state.meeting?.locked && (
            <span className="badge badge-warn" data-testid="locked-indicator">
              {t('locked')}
            </span>
          )}
        </div>
        <button type="button" className="danger" onClick={onLeave}>
          {t('leaveMeeting')}
        </button>
      </div>

      {state.connection === 'reconnecting' && (
        <p className="notice" aria-live="polite">
          {t('reconnecting')}
        </p>
      )}
      <ProblemAlert problem={session.actionProblem ?? state.problem} />

      {media ? (
        <MediaArea session={session} media={media} participants={participants} />
      ) : (
        <ParticipantList session={session} snap={null} participants={participants} />
      )}

      {isHost && <HostControls session={session} />}
    </div>
  );
}
