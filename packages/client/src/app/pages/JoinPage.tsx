import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { LIMITS, paths } from '@kaigi/protocol';
import { useI18n } from '../../i18n';
import { LocalPreview } from '../../media/preview';
import { useMeetingSession } from '../../session/useMeetingSession';
import { MediaPreview } from '../components/MediaPreview';
import { ProblemAlert } from '../components/ProblemAlert';
import { TextField } from '../components/TextField';
import { NewcomerCheck } from '../components/VerifierCheck';
import { Link, navigate } from '../router';
import { JoinEntryNote } from '../registration/EntryLabel';
import { rememberRegistrationFromFragment } from '../../session/registrationToken';
import { stashPassword, takePassword } from '../../session/pendingPassword';
import { MeetingView } from './MeetingView';

const NAME_KEY = 'kaigi.displayName';

function storedName(): string {
  try {
    return localStorage.getItem(NAME_KEY) ?? '';
  } catch {
    return '';
  }
}

/** The meeting password travels in the fragment (#pwd=...), never to the server in the URL. */
function passwordFromFragment(): string {
  return new URLSearchParams(location.hash.slice(1)).get('pwd') ?? '';
}

/** How long to wait before asking again whether the host has arrived (C4). */
const RETRY_SECONDS = 15;

/**
 * The meeting has not started (no host yet, C4): says so, asks again every 15 seconds with a
 * visible countdown, and lets the person stop. A fresh refusal mounts a fresh countdown.
 */
function NotStartedRetry({ onRetry }: { onRetry: () => void }) {
  const { t } = useI18n();
  const [left, setLeft] = useState(RETRY_SECONDS);
  const [stopped, setStopped] = useState(false);
  const retry = useRef(onRetry);
  retry.current = onRetry;

  useEffect(() => {
    if (stopped) return;
    const started = Date.now();
    const timer = setInterval(() => {
      const remaining = RETRY_SECONDS - Math.floor((Date.now() - started) / 1000);
      if (remaining > 0) return setLeft(remaining);
      clearInterval(timer);
      retry.current();
    }, 250);
    return () => clearInterval(timer);
  }, [stopped]);

  return (
    <div className="notice stack not-started">
      <p role="alert">{t('notStarted')}</p>
      {stopped ? (
        <p role="status">{t('retryStopped')}</p>
      ) : (
        <div className="row-between">
          <p role="timer" aria-atomic="true">
            {t('retryingIn', { seconds: left })}
          </p>
          <button type="button" className="small-button" onClick={() => setStopped(true)}>
            {t('stopRetrying')}
          </button>
        </div>
      )}
    </div>
  );
}

/**
 * The join page for guests (`/m/:id`) and, with `hostName`, the host's page (`/m/:id/host`): the
 * pre-join form and preview, the waiting room, then the meeting itself.
 */
export function JoinPage({ meetingId, hostName }: { meetingId: string; hostName?: string }) {
  const { t } = useI18n();
  const asHost = hostName !== undefined;
  const session = useMeetingSession(meetingId, hostName);
  const { state } = session;
  const [preview] = useState(() => new LocalPreview());
  const [displayName, setDisplayName] = useState(() => hostName ?? storedName());
  const [password, setPassword] = useState(() => passwordFromFragment() || (asHost ? '' : takePassword(meetingId)));
  // A registrant's personal link (#reg=, B3): kept for this tab and sent with the join, before the fragment is cleared.
  useState(() => !asHost && rememberRegistrationFromFragment(meetingId));

  useEffect(() => {
    if (location.hash) history.replaceState(history.state, '', location.pathname + location.search);
  }, []);

  useEffect(() => () => preview.stopAll(), [preview]);

  // On entering the meeting, what was turned on in the preview is sent (if allowed); every
  // other source starts off (C1, H5).
  const wasInMeeting = useRef(false);
  const media = session.media;
  useEffect(() => {
    const inMeeting = state.phase === 'inMeeting';
    if (inMeeting && !wasInMeeting.current && media) {
      media.adopt({ microphone: preview.release('mic'), camera: preview.release('camera') });
    }
    wasInMeeting.current = inMeeting;
  }, [state.phase, media, preview]);

  useEffect(() => {
    if (state.left && asHost) navigate(paths.dashboard);
  }, [state.left, asHost]);

  const { join } = session;
  const joinNow = useCallback(() => {
    const name = displayName.normalize('NFC').trim();
    if (!name) return;
    try {
      if (!asHost) localStorage.setItem(NAME_KEY, name);
    } catch {
      // not fatal
    }
    join(name, asHost ? undefined : password);
  }, [displayName, asHost, password, join]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    joinNow();
  };

  const leave = () => {
    preview.stopAll();
    session.leave();
  };

  if (state.phase === 'inMeeting') {
    return <MeetingView session={session} onLeave={leave} />;
  }

  if (state.phase === 'connecting') {
    return (
      <div className="narrow">
        <p className="card" aria-live="polite">
          {state.resuming || state.connection === 'reconnecting' ? t('resuming') : t('joining')}
        </p>
      </div>
    );
  }

  if (state.phase === 'waiting') {
    return (
      <div className="two-col">
        <div className="card stack">
          <h1>{t('waitingRoom')}</h1>
          {state.sentToWaiting && <p className="notice">{t('movedToWaiting')}</p>}
          <div role="status" className="waiting-status">
            <p>{t('waitingForHost')}</p>{' '}
            {!state.hostPresent && <p>{t('hostNotArrived')}</p>}
          </div>
          {state.connection === 'reconnecting' && (
            <p className="notice" aria-live="polite">
              {t('reconnecting')}
            </p>
          )}
          <ProblemAlert problem={state.problem} />
          <NewcomerCheck session={session} />
          <div className="button-row">
            <button type="button" onClick={leave}>
              {t('leaveWaitingRoom')}
            </button>
          </div>
        </div>
        <MediaPreview preview={preview} />
      </div>
    );
  }

  return (
    <div className="two-col">
      <form className="card stack" aria-labelledby="join-heading" onSubmit={submit}>
        <h1 id="join-heading">{asHost ? t('hostJoinTitle') : t('joinTitle')}</h1>
        {state.left && <p className="notice">{t('leftMeeting')}</p>}
        {state.problem?.code === 'HOST_NOT_PRESENT' ? <NotStartedRetry onRetry={joinNow} /> : <ProblemAlert problem={state.problem} />}
        {!asHost && <JoinEntryNote meetingId={meetingId} problem={state.problem} onSignIn={() => stashPassword(meetingId, password)} />}
        <TextField
          id="join-name"
          label={t('displayName')}
          autoComplete="nickname"
          required
          maxLength={LIMITS.displayNameMax}
          value={displayName}
          onChange={setDisplayName}
        />
        {!asHost && (
          <TextField
            id="join-password"
            label={t('password')}
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            value={password}
            onChange={setPassword}
          />
        )}
        <button type="submit" className="primary">
          {t('join')}
        </button>
        {asHost && (
          <p className="small">
            <Link to={paths.join(meetingId)}>{t('openAsGuest')}</Link>
          </p>
        )}
      </form>
      <MediaPreview preview={preview} />
    </div>
  );
}
