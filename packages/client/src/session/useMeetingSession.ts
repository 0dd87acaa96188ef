import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { toProblem, type Problem } from '../i18n';
import { MediaController } from '../media/MediaController';
import { SignalingClient, SignalingError, type ActionMessage } from './SignalingClient';
import { initialMeetingState, meetingReducer, type MeetingState } from './meetingState';

export interface MeetingSession {
  state: MeetingState;
  /** Audio, video and screen sharing; null only before the first effect has run. */
  media: MediaController | null;
  join: (displayName: string, password?: string) => void;
  leave: () => void;
  /** Runs a host action; failures land in `actionProblem`. */
  act: (action: ActionMessage) => Promise<boolean>;
  actionProblem: Problem | null;
  clearActionProblem: () => void;
}

/** One signalling connection for the lifetime of the component; resumes a stored place first. */
export function useMeetingSession(
  meetingId: string,
  /** Joins straight away with this name when there is no stored place to resume (the host). */
  autoJoinAs?: string,
): MeetingSession {
  const [state, dispatch] = useReducer(meetingReducer, initialMeetingState);
  const [actionProblem, setActionProblem] = useState<Problem | null>(null);
  const clientRef = useRef<SignalingClient | null>(null);
  const [media, setMedia] = useState<MediaController | null>(null);

  useEffect(() => {
    const client = new SignalingClient({ meetingId });
    clientRef.current = client;
    // Created before the listeners below, so it has seen a message before the UI re-renders.
    const controller = new MediaController(client);
    setMedia(controller);
    const offs = [
      client.on('message', (msg) => dispatch({ type: 'server', msg })),
      client.on('state', (s) => dispatch({ type: 'connection', state: s })),
      client.on('failed', (f) => dispatch({ type: 'failed', problem: toProblem(f.code, f.retryAfterMs) })),
    ];
    dispatch({ type: 'start', resuming: true });
    if (!client.resumeStored()) {
      if (autoJoinAs) {
        dispatch({ type: 'start', resuming: false });
        client.join(autoJoinAs);
      } else {
        dispatch({ type: 'failed', problem: null });
      }
    }
    return () => {
      for (const off of offs) off();
      controller.dispose();
      client.stop();
      clientRef.current = null;
    };
    // autoJoinAs only matters on the first connection.
  }, [meetingId]);

  const join = useCallback((displayName: string, password?: string) => {
    const client = clientRef.current;
    if (!client) return;
    setActionProblem(null);
    dispatch({ type: 'start', resuming: false });
    client.join(displayName, password);
  }, []);

  const leave = useCallback(() => {
    media?.deactivate();
    clientRef.current?.leave();
    dispatch({ type: 'left' });
  }, [media]);

  const act = useCallback(async (action: ActionMessage) => {
    const client = clientRef.current;
    if (!client) return false;
    setActionProblem(null);
    try {
      await client.request(action);
      return true;
    } catch (e) {
      setActionProblem(e instanceof SignalingError ? toProblem(e.code, e.retryAfterMs) : { code: 'UNKNOWN' });
      return false;
    }
  }, []);

  const clearActionProblem = useCallback(() => setActionProblem(null), []);

  return useMemo(
    () => ({ state, media, join, leave, act, actionProblem, clearActionProblem }),
    [state, media, join, leave, act, actionProblem, clearActionProblem],
  );
}
