import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { toProblem, type Problem } from '../i18n';
import { MediaController } from '../media/MediaController';
import { E2eeWorkerClient } from '../e2ee/E2eeWorkerClient';
import { TEST_HOOKS } from '../testing/flag';
import { installTestHooks, markingWorkerClient, testSignalingClient } from '../testing/installTestHooks';
import { ChatController } from './ChatController';
import { E2eeController } from './E2eeController';
import { FilesController } from './FilesController';
import { LocalRecordingController } from './LocalRecordingController';
import { RecordingController } from './RecordingController';
import { SignalingClient, SignalingError, type ActionMessage } from './SignalingClient';
import { initialMeetingState, meetingReducer, type MeetingState } from './meetingState';

/** Refusals whose server message states the meeting's rule (the window's times, the name pattern): shown as well. */
const RULE_CODES: ReadonlySet<string> = new Set(['OUTSIDE_TIME_WINDOW', 'NAME_NOT_ALLOWED']);

export interface MeetingSession {
  state: MeetingState;
  /** Audio, video and screen sharing; null only before the first effect has run. */
  media: MediaController | null;
  /** End-to-end encryption: mode, group epoch, safety code. */
  e2ee: E2eeController | null;
  chat: ChatController | null;
  /** Files shared in the meeting (A4). */
  files: FilesController | null;
  /** Whether the meeting is being recorded (A5). */
  recording: RecordingController | null;
  /** The host's recording in this browser (E2EE meetings). */
  localRecording: LocalRecordingController | null;
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
  const [e2ee, setE2ee] = useState<E2eeController | null>(null);
  const [chat, setChat] = useState<ChatController | null>(null);
  const [files, setFiles] = useState<FilesController | null>(null);
  const [recording, setRecording] = useState<RecordingController | null>(null);
  const [localRecording, setLocalRecording] = useState<LocalRecordingController | null>(null);
  // The latest roster for names drawn into a browser recording, read outside React's renders.
  const stateRef = useRef(state);
  stateRef.current = state;

  useEffect(() => {
    // The e2e test build's hooks (testing/) need their own signalling and worker clients; a
    // production build drops these branches and the modules they use.
    const opts = { meetingId, e2ee: E2eeWorkerClient.supported() };
    const client = TEST_HOOKS ? testSignalingClient(opts) : new SignalingClient(opts);
    clientRef.current = client;
    // Created before the listeners below, so they have seen a message before the UI re-renders;
    // E2EE before media, so its worker exists when the media transports are built.
    const e2eeController = TEST_HOOKS ? new E2eeController(client, markingWorkerClient) : new E2eeController(client);
    const controller = new MediaController(client, e2eeController.transform);
    const chatController = new ChatController(client, e2eeController);
    const filesController = new FilesController(client, e2eeController, chatController);
    const recordingController = new RecordingController(client);
    const localRecordingController = new LocalRecordingController(client, controller, (id) => {
      const st = stateRef.current;
      return (st.self?.id === id ? st.self : st.participants.find((p) => p.id === id))?.displayName ?? '';
    });
    setLocalRecording(localRecordingController);
    setE2ee(e2eeController);
    setChat(chatController);
    setFiles(filesController);
    setRecording(recordingController);
    setMedia(controller);
    const offs = [
      client.on('message', (msg) => dispatch({ type: 'server', msg })),
      client.on('state', (s) => dispatch({ type: 'connection', state: s })),
      client.on('failed', (f) =>
        dispatch({ type: 'failed', problem: toProblem(f.code, f.retryAfterMs, RULE_CODES.has(f.code) ? f.message : undefined) }),
      ),
    ];
    if (TEST_HOOKS) offs.push(installTestHooks({ client, media: controller, e2ee: e2eeController }));
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
      filesController.dispose();
      recordingController.dispose();
      localRecordingController.dispose();
      chatController.dispose();
      e2eeController.dispose();
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
    // The recording's last part is sealed and uploaded after we are gone (the host signs in to upload).
    void localRecording?.stop();
    media?.deactivate();
    clientRef.current?.leave();
    dispatch({ type: 'left' });
  }, [media, localRecording]);

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
    () => ({ state, media, e2ee, chat, files, recording, localRecording, join, leave, act, actionProblem, clearActionProblem }),
    [state, media, e2ee, chat, files, recording, localRecording, join, leave, act, actionProblem, clearActionProblem],
  );
}
