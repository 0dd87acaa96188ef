import { KeyManager, type EpochInfo } from '@kaigi/client/e2ee/KeyManager';
import type { RunningServer } from './server.js';
import { guest } from './fixtures.js';
import type { WsClient } from './ws.js';

type Msg = Record<string, any>;

const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

/**
 * A member of an E2EE meeting's MLS group that runs in Node: it joins through the raw signalling
 * socket and answers the delivery service with Kaigi's own KeyManager. Tests use it to hold a
 * member's keys outside any browser: to decrypt what the server forwarded, and to show that a
 * removed member's keys stop working.
 */
export class RawMlsMember {
  readonly epochs: EpochInfo[] = [];
  /** Chat messages as relayed by the server, with what this member could decrypt. */
  readonly chat: { seq: number; from: string; ciphertext?: string; text?: string; plaintext: string | null }[] = [];
  /** Every MLS payload the server relayed to this member, as it arrived. */
  readonly relayed: string[] = [];
  readonly relayedKinds = new Map<string, 'commit' | 'welcome'>();
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    readonly ws: WsClient,
    readonly participantId: string,
    private readonly keys: KeyManager,
  ) {
    ws.socket.on('message', (data) => {
      const m = JSON.parse(data.toString()) as Msg;
      this.chain = this.chain.then(() => this.onMessage(m)).catch(() => undefined);
    });
  }

  static async join(server: RunningServer, meetingId: string, password: string, name: string): Promise<RawMlsMember> {
    const { ws } = await guest(server);
    const joined = await ws.request({ type: 'join', meetingId, displayName: name, password, e2ee: true });
    if (joined.type !== 'joined') throw new Error(`join failed: ${JSON.stringify(joined)}`);
    const keys = await KeyManager.create({ participantId: joined.participantId });
    const member = new RawMlsMember(ws, joined.participantId, keys);
    // Admitted before the listener existed: start the MLS exchange now.
    if (ws.messages.some((m) => m.type === 'admitted')) member.chain = member.chain.then(() => member.sendKeyPackage());
    return member;
  }

  current(): EpochInfo | undefined {
    return this.epochs[this.epochs.length - 1];
  }

  async sendChat(text: string): Promise<Msg> {
    const ct = await this.keys.encryptApplication(new TextEncoder().encode(text));
    return this.ws.request({ type: 'chat', ciphertext: b64(ct) });
  }

  private async sendKeyPackage(): Promise<void> {
    this.ws.send({ type: 'mlsKeyPackage', keyPackage: b64(await this.keys.keyPackage()) });
  }

  private async onMessage(m: Msg): Promise<void> {
    switch (m.type) {
      case 'admitted':
        return this.sendKeyPackage();
      case 'mlsCreate':
        this.epochs.push(await this.keys.createGroup(unb64(m.groupId)));
        return;
      case 'mlsCommitRequest': {
        if (this.keys.epoch !== m.epoch) return;
        const out = await this.keys.commit({
          epoch: m.epoch,
          adds: m.adds.map((a: Msg) => ({ participantId: a.participantId, keyPackage: unb64(a.keyPackage) })),
          removes: m.removes,
        });
        this.ws.send({ type: 'mlsCommit', commit: b64(out.commit), ...(out.welcome && { welcome: b64(out.welcome) }) });
        return;
      }
      case 'mlsCommit':
        this.relayed.push(m.commit);
        this.relayedKinds.set(m.commit, 'commit');
        this.epochs.push(await this.keys.applyCommit(m.epoch, unb64(m.commit), m.from));
        return;
      case 'mlsWelcome':
        this.relayed.push(m.welcome);
        this.relayedKinds.set(m.welcome, 'welcome');
        this.epochs.push(await this.keys.joinFromWelcome(unb64(m.welcome)));
        return;
      case 'mlsRejected':
        this.keys.rejectPending();
        return;
      case 'chat': {
        let plaintext: string | null = null;
        if (m.ciphertext) {
          try {
            plaintext = new TextDecoder().decode((await this.keys.decryptApplication(unb64(m.ciphertext))).plaintext);
          } catch {
            plaintext = null;
          }
        }
        this.chat.push({ seq: m.seq, from: m.from, ciphertext: m.ciphertext, text: m.text, plaintext });
        return;
      }
      default:
        return;
    }
  }
}
