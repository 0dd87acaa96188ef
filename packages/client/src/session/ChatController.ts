import type { ServerMessage } from '@kaigi/protocol';
import { Store } from '../media/Store';
import type { E2eeController } from './E2eeController';
import { encodeFileKey, isFileKeyText, parseFileKey, type FileKey } from './fileCrypto';
import type { SignalingClient } from './SignalingClient';

// Chat (A3, D2): in E2EE meetings every message is an MLS application message that only the
// group can read; otherwise text relayed by the server. Shown in the server's order.
//
// The same path carries the keys of files shared in E2EE meetings: a plaintext starting with
// FILE_KEY_PREFIX is a file key, kept here by (MLS-authenticated sender, file ID) and never
// shown as chat. Keys are never logged.

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
/** File keys kept per meeting; beyond this the oldest go. */
const MAX_FILE_KEYS = 1000;

export class ChatController extends Store<ChatSnapshot> {
  private readonly offs: (() => void)[] = [];
  /** Decryption is asynchronous: entries are added in seq order all the same. */
  private chain: Promise<void> = Promise.resolve();
  /** Our own encrypted messages on their way, by ciphertext. */
  private readonly sent = new Map<string, string>();
  /** File keys by `${sender}\n${fileId}`: the first one a sender sends for a file counts. */
  private readonly fileKeys = new Map<string, FileKey>();
  private readonly keyListeners = new Set<() => void>();

  constructor(
    private readonly client: SignalingClient,
    private readonly e2ee: E2eeController,
  ) {
    super({ entries: [], unread: 0 });
    this.offs.push(client.on('message', (m) => this.onMessage(m)));
  }

  async send(text: string): Promise<void> {
    // Whatever someone types is chat, never a file key.
    if (isFileKeyText(text)) text = text.slice(1);
    if (this.e2ee.getSnapshot().enabled) {
      await this.sendEncrypted(text);
    } else {
      await this.client.send({ type: 'chat', text });
    }
  }

  /** Shares the key of a file encrypted in this browser with the group (E2EE meetings only). */
  async sendFileKey(key: FileKey): Promise<void> {
    if (!this.e2ee.getSnapshot().enabled) throw new Error('file keys go only through an E2EE group');
    await this.sendEncrypted(encodeFileKey(key));
  }

  /** The key `from` shared for file `fileId`, if it reached this browser. */
  fileKey(from: string, fileId: string): FileKey | undefined {
    return this.fileKeys.get(`${from}\n${fileId}`);
  }

  /** Called whenever a file key arrives (or all are forgotten). */
  onFileKey(fn: () => void): () => void {
    this.keyListeners.add(fn);
    return () => {
      this.keyListeners.delete(fn);
    };
  }

  private async sendEncrypted(text: string): Promise<void> {
    const ciphertext = await this.e2ee.encryptChat(text);
    // MLS does not let a member decrypt its own message: remember what we sent.
    this.sent.set(ciphertext, text);
    try {
      await this.client.send({ type: 'chat', ciphertext });
    } catch (e) {
      this.sent.delete(ciphertext);
      throw e;
    }
  }

  markRead(): void {
    if (this.snap.unread) this.update({ unread: 0 });
  }

  dispose(): void {
    for (const off of this.offs) off();
    this.fileKeys.clear();
    this.keyListeners.clear();
  }

  private onMessage(msg: ServerMessage): void {
    if (msg.type === 'ended' || msg.type === 'sentToWaiting') {
      this.chain = this.chain.then(() => {
        this.update({ entries: [], unread: 0 });
        this.fileKeys.clear();
        this.notifyKeys();
      });
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
        if (msg.ciphertext !== undefined && text !== null && isFileKeyText(text)) {
          this.keepFileKey(msg.from, parseFileKey(text));
          return;
        }
        const entry: ChatEntry = { seq: msg.seq, from: msg.from, fromName: msg.fromName, at: msg.at, text, encrypted: msg.ciphertext !== undefined };
        this.update({ entries: [...this.snap.entries, entry].slice(-MAX_ENTRIES), unread: this.snap.unread + 1 });
      })
      .catch(() => undefined);
  }

  private keepFileKey(from: string, key: FileKey | null): void {
    if (!key) return; // malformed: dropped, never shown
    const id = `${from}\n${key.id}`;
    if (this.fileKeys.has(id)) return;
    this.fileKeys.set(id, key);
    if (this.fileKeys.size > MAX_FILE_KEYS) {
      const oldest = this.fileKeys.keys().next().value;
      if (oldest !== undefined) this.fileKeys.delete(oldest);
    }
    this.notifyKeys();
  }

  private notifyKeys(): void {
    for (const fn of [...this.keyListeners]) fn();
  }
}
