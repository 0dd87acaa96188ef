import type { ServerMessage } from '@kaigi/protocol';
import { E2eeWorkerClient, type EpochPublic } from '../e2ee/E2eeWorkerClient';
import type { FrameTransform } from '../media/frameTransform';
import { Store } from '../media/Store';
import type { SignalingClient } from './SignalingClient';

// The page side of end-to-end encryption: follows the meeting's mode, runs the MLS exchange
// with the delivery service through the E2EE worker (which holds every secret), and hands the
// media layer a frame transform. No React in here.

export type E2eeStatus = 'off' | 'joining' | 'ready' | 'failed';

export interface E2eeSnapshot {
  /** The meeting is end-to-end encrypted (from the server's meeting summary). */
  enabled: boolean;
  /** This browser can take part in an E2EE meeting. */
  supported: boolean;
  status: E2eeStatus;
  epoch: number | null;
  safetyCode: string | null;
  /** Participant IDs in the MLS group, read from the group's own credentials. */
  members: string[];
  /** Epoch and members as the server's delivery service sees them. */
  serverEpoch: number | null;
  /** The mode changed while we were in the meeting: announced once in the banner. */
  modeChangedTo: boolean | null;
  /** A verifier's check we are in, in an E2EE meeting (B7): its own keys and safety code. */
  check: CheckKeys | null;
}

export interface CheckKeys {
  /** The newcomer being checked. */
  participantId: string;
  side: 'newcomer' | 'verifier';
  /** Equal on both sides when nobody is in between; null until both halves are in. */
  safetyCode: string | null;
  failed: boolean;
}

/** Before the meeting says anything about its mode. */
export const INITIAL_E2EE: E2eeSnapshot = {
  enabled: false,
  supported: false,
  status: 'off',
  epoch: null,
  safetyCode: null,
  members: [],
  serverEpoch: null,
  modeChangedTo: null,
  check: null,
};

type MlsMessage = Extract<
  ServerMessage,
  { type: 'mlsCreate' | 'mlsCommitRequest' | 'mlsCommit' | 'mlsWelcome' | 'mlsRejected' | 'mlsRejoin' }
>;
type CheckStarted = Extract<ServerMessage, { type: 'checkStarted' }>;

const FAIL_CLOSED: FrameTransform = {
  pcConfig: {},
  sender: () => {
    throw new Error('end-to-end encryption is not ready: nothing is sent');
  },
  receiver: () => undefined,
};

const b64 = (bytes: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};
const unb64 = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

export class E2eeController extends Store<E2eeSnapshot> {
  private worker: E2eeWorkerClient | null = null;
  private participantId: string | null = null;
  /** MLS messages are applied one at a time, in the order the server sent them. */
  private chain: Promise<void> = Promise.resolve();
  private readonly offs: (() => void)[] = [];
  private everAdmitted = false;

  constructor(
    private readonly client: SignalingClient,
    /** Builds the worker's client; the e2e test build passes one whose worker adds a plaintext marker. */
    private readonly createWorker: (participantId: string) => E2eeWorkerClient = (pid) => new E2eeWorkerClient(pid),
  ) {
    super({ ...INITIAL_E2EE, supported: E2eeWorkerClient.supported() });
    this.offs.push(client.on('message', (m) => this.onMessage(m)));
  }

  /**
   * The media layer's hook: the worker's transform while E2EE is on, none in a meeting without
   * it. In an E2EE meeting (or check) without a worker, a transform that refuses every sender, so
   * the media layer sends nothing rather than send in clear.
   */
  readonly transform = (): FrameTransform | null => {
    const w = this.worker;
    if (!w) return this.snap.enabled || this.snap.check !== null ? FAIL_CLOSED : null;
    return {
      pcConfig: E2eeWorkerClient.peerConnectionConfigExtras(),
      sender: (sender, kind) => w.attachSender(sender, kind),
      receiver: (receiver, kind) => w.attachReceiver(receiver, kind),
    };
  };

  /** Encrypts a chat message as an MLS application message (base64). */
  async encryptChat(text: string): Promise<string> {
    if (!this.worker || this.snap.status !== 'ready') throw new Error('not in the encryption group yet');
    return this.worker.encryptChat(text);
  }

  async decryptChat(ciphertext: string): Promise<{ text: string; senderId: string } | null> {
    if (!this.worker) return null;
    try {
      return await this.worker.decryptChat(ciphertext);
    } catch {
      return null;
    }
  }

  /** The worker, for the e2e test build's hooks (frame statistics, plaintext marker). */
  get workerClient(): E2eeWorkerClient | null {
    return this.worker;
  }

  dispose(): void {
    for (const off of this.offs) off();
    this.stopWorker();
  }

  private onMessage(msg: ServerMessage): void {
    switch (msg.type) {
      case 'joined':
        this.participantId = msg.participantId;
        // Back after a dropped connection: catch up on commits missed meanwhile.
        if (this.client.resumed && this.worker) {
          // Read when it runs, after any MLS message still queued.
          this.enqueue(async () => {
            if (this.snap.epoch !== null) await this.client.send({ type: 'mlsSync', epoch: this.snap.epoch });
          });
        }
        return;
      case 'admitted':
        this.onMode(msg.meeting.e2ee);
        if (msg.meeting.e2ee) this.joinGroup();
        this.everAdmitted = true;
        return;
      case 'meetingState':
        this.onMode(msg.meeting.e2ee);
        return;
      case 'sentToWaiting':
      case 'ended':
        // Out of the meeting proper: every key goes.
        this.stopWorker();
        this.update({ status: this.snap.enabled ? 'joining' : 'off', epoch: null, safetyCode: null, members: [], check: null });
        return;
      case 'checkStarted':
        if (msg.e2ee) this.startCheck(msg);
        return;
      case 'checkKey': {
        const peer = unb64(msg.publicKey);
        this.enqueue(() => this.finishCheck(msg.participantId, peer));
        return;
      }
      case 'checkEnded':
        this.endCheck(msg.participantId);
        return;
      case 'groupState':
        this.update({ serverEpoch: msg.group.epoch });
        return;
      case 'mlsCreate':
      case 'mlsCommitRequest':
      case 'mlsCommit':
      case 'mlsWelcome':
      case 'mlsRejected':
      case 'mlsRejoin':
        this.enqueue(() => this.onMls(msg));
        return;
      default:
        return;
    }
  }

  /**
   * Our half of the check's key exchange. Runs before the media layer sees checkStarted (this
   * controller listens first), so a newcomer's transports get the worker's transform, which sends
   * nothing until the check's keys are in.
   */
  private startCheck(msg: CheckStarted): void {
    if (!this.participantId || !this.snap.supported) {
      this.update({ check: { participantId: msg.participantId, side: 'verifier', safetyCode: null, failed: true } });
      return;
    }
    const side = msg.participantId === this.participantId ? 'newcomer' : 'verifier';
    const w = this.ensureWorker();
    this.update({ check: { participantId: msg.participantId, side, safetyCode: null, failed: false } });
    const context = { role: side, meetingId: this.client.meetingId, newcomerId: msg.participantId, verifierId: msg.byId } as const;
    this.enqueue(async () => {
      try {
        const pub = await w.checkKeyStart(context);
        await this.client.send({ type: 'checkKey', publicKey: b64(pub) });
      } catch {
        this.checkFailed(msg.participantId);
      }
    });
  }

  private async finishCheck(newcomerId: string, peer: Uint8Array): Promise<void> {
    const w = this.worker;
    if (!w || this.snap.check?.participantId !== newcomerId) return;
    try {
      const { safetyCode } = await w.checkKeyFinish(peer);
      if (this.snap.check?.participantId === newcomerId) this.update({ check: { ...this.snap.check, safetyCode } });
    } catch {
      this.checkFailed(newcomerId);
    }
  }

  private checkFailed(newcomerId: string): void {
    if (this.snap.check?.participantId === newcomerId) this.update({ check: { ...this.snap.check, failed: true } });
  }

  private endCheck(newcomerId: string): void {
    const check = this.snap.check;
    if (check?.participantId !== newcomerId) return;
    this.update({ check: null });
    // A newcomer holds nothing else: the worker goes with the check's keys (admission starts a new one).
    if (check.side === 'newcomer' && this.snap.epoch === null) this.stopWorker();
    else if (this.worker) {
      const w = this.worker;
      this.enqueue(() => w.checkKeyEnd());
    }
  }

  private onMode(enabled: boolean): void {
    if (this.everAdmitted && enabled !== this.snap.enabled) this.update({ modeChangedTo: enabled });
    this.update({ enabled });
  }

  private joinGroup(): void {
    if (!this.snap.supported) {
      this.update({ status: 'failed' });
      return;
    }
    if (this.worker && this.snap.epoch !== null) return; // a resume: still in the group
    this.ensureWorker();
    this.update({ status: 'joining' });
    this.enqueue(() => this.sendKeyPackage());
  }

  private ensureWorker(): E2eeWorkerClient {
    if (this.worker) return this.worker;
    if (!this.participantId) throw new Error('no participant ID yet');
    const w = this.createWorker(this.participantId);
    w.onEpoch((e) => this.onEpoch(e));
    this.worker = w;
    return w;
  }

  private onEpoch(e: EpochPublic): void {
    if (this.snap.epoch !== null && e.epoch < this.snap.epoch) return;
    this.update({ status: 'ready', epoch: e.epoch, safetyCode: e.safetyCode, members: e.members.map((m) => m.participantId) });
  }

  private stopWorker(): void {
    this.worker?.close();
    this.worker = null;
  }

  private async sendKeyPackage(): Promise<void> {
    const w = this.ensureWorker();
    const kp = await w.keyPackage();
    await this.client.send({ type: 'mlsKeyPackage', keyPackage: b64(kp) });
  }

  private async onMls(msg: MlsMessage): Promise<void> {
    const w = this.worker;
    if (!w) return;
    try {
      switch (msg.type) {
        case 'mlsCreate':
          this.onEpoch(await w.createGroup(unb64(msg.groupId)));
          return;
        case 'mlsCommitRequest': {
          if (this.snap.epoch !== msg.epoch) return; // behind or ahead: the server asks someone else
          const out = await w.commit({
            epoch: msg.epoch,
            adds: msg.adds.map((a) => ({ participantId: a.participantId, keyPackage: unb64(a.keyPackage) })),
            removes: msg.removes,
          });
          await this.client.send({
            type: 'mlsCommit',
            commit: b64(out.commit),
            ...(out.welcome && { welcome: b64(out.welcome) }),
          });
          return;
        }
        case 'mlsCommit':
          // Replayed after a reconnect although it reached us before the drop: already applied.
          if (this.snap.epoch !== null && msg.epoch < this.snap.epoch) return;
          this.onEpoch(await w.applyCommit(msg.epoch, unb64(msg.commit), msg.from));
          return;
        case 'mlsWelcome':
          this.onEpoch(await w.joinFromWelcome(unb64(msg.welcome)));
          return;
        case 'mlsRejected':
          await w.rejectPending();
          return;
        case 'mlsRejoin':
          await w.reset();
          this.update({ status: 'joining', epoch: null, safetyCode: null, members: [] });
          await this.sendKeyPackage();
          return;
      }
    } catch (e) {
      if (msg.type === 'mlsCommitRequest') return;
      // Our group state is unusable: the server removes us and adds us again.
      const reason = e instanceof Error ? e.message.slice(0, 200) : 'failed';
      this.update({ status: 'joining' });
      await this.client.send({ type: 'mlsFailed', reason }).catch(() => undefined);
    }
  }

  private enqueue(fn: () => Promise<void>): void {
    this.chain = this.chain.then(fn).catch(() => undefined);
  }
}
