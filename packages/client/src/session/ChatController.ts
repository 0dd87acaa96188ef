import type { ServerMessage } from '@kaigi/protocol';
import { Store } from '../media/Store';
import type { E2eeController } from './E2eeController';
import type { SignalingClient } from './SignalingClient';

// Chat (A3, D2): in E2EE meetings every message is an MLS application message that only the
// group can read; otherwise text relayed by the server. Shown in the server's order.

export interface ChatEntry {
  seq: number;
  from: string;
  fromName: string;
  at: number;
  /** Null when the message could not be decrypted (sent before we joined the group). */
  text: string | null;
  encrypted: boolean;
}

export interface ChatSnapshot {
  entries: ChatEntry[];
  /** Messages not read yet while the panel is closed. */
  unread: number;
}

const MAX_ENTRIES = 500;

export class ChatController extends Store<ChatSnapshot> {
  private readonly offs: (() => void)[] = [];
  /** Decryption is asynchronous: entries are added in seq order all the same. */
  private chain: Promise<void> = Promise.resolve();
  /** Our own encrypted messages on their way, by ciphertext. */
  private readonly sent = new Map<string, string>();

  constructor(
    private readonly client: SignalingClient,
    private readonly e2ee: E2eeController,
  ) {
    super({ entries: [], unread: 0 });
    this.offs.push(client.on('message', (m) => this.onMessage(m)));
  }

  async send(text: string): Promise<void> {
    if (this.e2ee.getSnapshot().enabled) {
      const ciphertext = await this.e2ee.encryptChat(text);
      // MLS does not let a member decrypt its own message: remember what we sent.
      this.sent.set(ciphertext, text);
      try {
        await this.client.send({ type: 'chat', ciphertext });
      } catch (e) {
        this.sent.delete(ciphertext);
        throw e;
      }
    } else {
      await this.client.send({ type: 'chat', text });
    }
  }

  markRead(): void {
    if (this.snap.unread) this.update({ unread: 0 });
  }

  dispose(): void {
    for (const off of this.offs) off();
  }

  private onMessage(msg: ServerMessage): void {
    if (msg.type === 'ended' || msg.type === 'sentToWaiting') {
      this.chain = this.chain.then(() => this.update({ entries: [], unread: 0 }));
      return;
    }
    if (msg.type !== 'chat') return;
    this.chain = this.chain
      .then(async () => {
        let text: string | null = msg.text ?? null;
        const own = msg.ciphertext !== undefined ? this.sent.get(msg.ciphertext) : undefined;
        if (own !== undefined && msg.ciphertext !== undefined) {
          this.sent.delete(msg.ciphertext);
          text = own;
        } else if (msg.ciphertext !== undefined) {
          const plain = await this.e2ee.decryptChat(msg.ciphertext);
          // The MLS sender must be the participant the server says sent it.
          text = plain && plain.senderId === msg.from ? plain.text : null;
        }
        const entry: ChatEntry = { seq: msg.seq, from: msg.from, fromName: msg.fromName, at: msg.at, text, encrypted: msg.ciphertext !== undefined };
        this.update({ entries: [...this.snap.entries, entry].slice(-MAX_ENTRIES), unread: this.snap.unread + 1 });
      })
      .catch(() => undefined);
  }
}
