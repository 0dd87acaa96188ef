import { can, mayActOn, runsMeeting, type HostActionType, type MediaSource, type ParticipantInfo } from '@kaigi/protocol';
import { useI18n } from '../../i18n';
import type { MediaController } from '../../media/MediaController';
import type { MediaSnapshot, Quality } from '../../media/mediaTypes';
import type { MeetingSession } from '../../session/useMeetingSession';
import { ChatPanel } from '../components/ChatPanel';
import { DeviceSettings } from '../components/DeviceSettings';
import { E2eeBanner, isE2eeMeeting, useE2eeSnapshot } from '../components/E2eeBanner';
import { FilesPanel } from '../components/FilesPanel';
import { LevelBanner } from '../components/LevelBanner';
import { MediaNotice } from '../components/MediaNotice';
import { MediaToolbar } from '../components/MediaToolbar';
import { ProblemAlert } from '../components/ProblemAlert';
import { RecordingIndicator } from '../components/RecordingIndicator';
import { SafetyCodePanel } from '../components/SafetyCodePanel';
import { useMediaSnapshot } from '../components/useMedia';
import { VideoGrid } from '../components/VideoGrid';
import { VerifierBadge, VerifierControls } from '../components/VerifierCheck';
import { HostControls, ParticipantActions } from './HostControls';
import { EntryLabel } from '../registration/EntryLabel';

/** What the roster's controls do to a participant: shown to those the permission table lets take any of them. */
const ROSTER_ACTIONS: readonly HostActionType[] = ['stopMedia', 'sendToWaiting', 'remove', 'setRole', 'verify'];

const QUALITY_KEY = { good: 'connectionGood', fair: 'connectionFair', poor: 'connectionPoor' } as const;
const NO_SOURCES: readonly MediaSource[] = [];

/** The encryption group as the roster needs it: null in meetings without E2EE. */
interface GroupView {
  /** The epoch this browser is in; null until it has joined the group. */
  epoch: number | null;
  members: readonly string[];
}

/** How a host checked this person before admitting them (F1 High, B7): "Checked by Aiko: face, voice". */
function AdmissionCheckNote({ p }: { p: ParticipantInfo }) {
  const { t } = useI18n();
  const c = p.admissionCheck;
  if (!c) return null;
  const what = [c.face && t('checkFace'), c.voice && t('checkVoice'), c.name && t('checkName')].filter(Boolean).join(', ');
  return <span className="small muted admission-check">{t('checkedBy', { name: c.byName, what })}</span>;
}

/** Whether someone compared the safety code with this person, and whether that still holds (B7). */
function VerificationBadge({ p, group }: { p: ParticipantInfo; group: GroupView }) {
  const { t } = useI18n();
  const v = p.verification;
  if (!v || group.epoch === null) return null;
  const vars = { name: v.byName, epoch: v.epoch };
  if (v.epoch === group.epoch) {
    return (
      <span className="badge badge-ok" title={t('verifiedTitle', vars)}>
        {t('verified')}
      </span>
    );
  }
  if (v.epoch > group.epoch) return null; // we are behind: wait for the commit
  return (
    <span className="badge badge-warn" title={t('verifyAgainTitle', vars)}>
      {t('verifyAgain')}
    </span>
  );
}

function ParticipantItem({
  p,
  isSelf,
  hostActions,
  sources,
  quality,
  group,
}: {
  p: ParticipantInfo;
  isSelf: boolean;
  hostActions: MeetingSession | null;
  sources: readonly MediaSource[];
  quality: Quality | undefined;
  group: GroupView | null;
}) {
  const { t } = useI18n();
  const epoch = group?.epoch ?? null;
  const role = hostActions?.state.role ?? null;
  const canVerify =
    hostActions !== null &&
    role !== null &&
    mayActOn(role, 'verify', p.role) &&
    !isSelf &&
    epoch !== null &&
    group?.members.includes(p.id) &&
    p.verification?.epoch !== epoch;
  return (
    <li className="participant">
      <span className="participant-name">{p.displayName}</span>{' '}
      {isSelf && <span className="you">{t('you')}</span>}{' '}
      {p.role === 'host' && <span className="badge badge-host">{t('roleHost')}</span>}{' '}
      {p.role === 'cohost' && <span className="badge badge-host">{t('roleCohost')}</span>}{' '}
      {p.role === 'verifier' && <VerifierBadge />}{' '}
      <span className="badge"><EntryLabel entry={p.entry} /></span>{' '}
      {group && <VerificationBadge p={p} group={group} />}{' '}
      <AdmissionCheckNote p={p} />{' '}
      {quality && <span className={`quality quality-${quality}`}>{t(QUALITY_KEY[quality])}</span>}{' '}
      {canVerify && (
        <button
          type="button"
          className="small-button"
          aria-label={t('markVerified', { name: p.displayName })}
          onClick={() => void hostActions.act({ type: 'verify', participantId: p.id, epoch })}
        >
          {t('markVerifiedShort')}
        </button>
      )}{' '}
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
  const role = state.role;
  const actsOnRoster = role !== null && ROSTER_ACTIONS.some((a) => can(role, a));
  const e2ee = useE2eeSnapshot(session);
  const group: GroupView | null = isE2eeMeeting(session, e2ee) ? { epoch: e2ee.epoch, members: e2ee.members } : null;
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
            hostActions={actsOnRoster ? session : null}
            sources={snap?.publishing.get(p.id) ?? NO_SOURCES}
            quality={snap?.quality.get(p.id)}
            group={group}
          />
        ))}
      </ul>
    </div>
  );
}

export function MeetingView({ session, onLeave }: { session: MeetingSession; onLeave: () => void }) {
  const { t } = useI18n();
  const { state, media } = session;
  // Who sees which controls comes from the protocol's rules; the server enforces the same ones.
  const runs = runsMeeting(state.role);
  const checksNewcomers = !runs && state.role !== null && can(state.role, 'startCheck');
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
      <LevelBanner session={session} />
      <E2eeBanner session={session} />
      <RecordingIndicator session={session} />

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

      <div className="two-col">
        <ChatPanel session={session} />
        <FilesPanel session={session} />
        <SafetyCodePanel session={session} />
      </div>

      {runs && <HostControls session={session} />}
      {checksNewcomers && <VerifierControls session={session} />}
    </div>
  );
}
