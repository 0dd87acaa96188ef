import type { ParticipantInfo } from '@kaigi/protocol';
import { useI18n } from '../../i18n';
import type { LocalPreview } from '../../media/preview';
import type { MeetingSession } from '../../session/useMeetingSession';
import { MediaPreview } from '../components/MediaPreview';
import { ProblemAlert } from '../components/ProblemAlert';
import { HostControls, ParticipantActions } from './HostControls';

function ParticipantItem({
  p,
  isSelf,
  hostActions,
}: {
  p: ParticipantInfo;
  isSelf: boolean;
  hostActions: MeetingSession | null;
}) {
  const { t } = useI18n();
  return (
    <li className="participant">
      <span className="participant-name">{p.displayName}</span>{' '}
      {isSelf && <span className="you">{t('you')}</span>}{' '}
      {p.role === 'host' && <span className="badge badge-host">{t('roleHost')}</span>}{' '}
      <span className="badge">{p.entry === 'guest' ? t('entryGuest') : t('entryMember')}</span>{' '}
      {hostActions && !isSelf && <ParticipantActions session={hostActions} participant={p} />}
    </li>
  );
}

export function MeetingView({
  session,
  preview,
  onLeave,
}: {
  session: MeetingSession;
  preview: LocalPreview;
  onLeave: () => void;
}) {
  const { t } = useI18n();
  const { state } = session;
  const isHost = state.role === 'host';
  const selfId = state.self?.id;
  const participants =
    state.participants.length > 0 || !state.self ? state.participants : [state.self];

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

      <div className="two-col">
        <div className="card stack">
          <h2 id="participants-heading">
            {t('participants')} <span className="muted small">({participants.length})</span>
          </h2>
          <ul className="participants" aria-label={t('participants')}>
            {participants.map((p) => (
              <ParticipantItem key={p.id} p={p} isSelf={p.id === selfId} hostActions={isHost ? session : null} />
            ))}
          </ul>
        </div>
        <MediaPreview preview={preview} />
      </div>

      {isHost && <HostControls session={session} />}
    </div>
  );
}
