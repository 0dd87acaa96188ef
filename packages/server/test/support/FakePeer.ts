// A participant's connection without a WebSocket: it implements the server's Peer interface
// (send, end) by recording what it is told, so a room or hub test can read every message and
// wait for the one it expects. Not imported from signaling/Peer.ts on purpose: it satisfies the
// interface structurally wherever that interface lives (the rooms renovation moves it).
import type { ErrorCode, ServerMessage } from '@kaigi/protocol';

type MessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

interface Waiter {
  accept(m: ServerMessage): boolean;
}

const DEFAULT_TIMEOUT_MS = 5_000;

export class FakePeer {
  /** Everything sent to this peer, in order. */
  readonly messages: ServerMessage[] = [];
  /** Why the server ended this participant's connection, once it did. */
  endedWith: ErrorCode | null = null;
  private readonly taken = new Set<ServerMessage>();
  private readonly waiters = new Set<Waiter>();
  private readonly listeners = new Set<(m: ServerMessage) => void>();
  private readonly endWaiters = new Set<(code: ErrorCode) => void>();

  constructor(readonly name = 'peer') {}

  send(msg: ServerMessage): void {
    this.messages.push(msg);
    for (const l of this.listeners) l(msg);
    for (const w of [...this.waiters]) if (w.accept(msg)) break;
  }

  end(code: ErrorCode): void {
    if (this.endedWith !== null) return;
    this.endedWith = code;
    for (const w of this.endWaiters) w(code);
    this.endWaiters.clear();
  }

  /** Called with every message from now on (a media peer answers subscribeOffers this way). */
  onMessage(listener: (m: ServerMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Messages of one type received so far. */
  all<T extends ServerMessage['type']>(type: T): MessageOf<T>[] {
    return this.messages.filter((m): m is MessageOf<T> => m.type === type);
  }

  /**
   * The oldest message of this type that no earlier next() returned, waiting for it if none has
   * arrived yet. `where` narrows it further (e.g. a roster that lists someone).
   */
  next<T extends ServerMessage['type']>(type: T, where: (m: MessageOf<T>) => boolean = () => true, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<MessageOf<T>> {
    const fits = (m: ServerMessage): m is MessageOf<T> => m.type === type && !this.taken.has(m) && where(m as MessageOf<T>);
    const found = this.messages.find(fits);
    if (found) {
      this.taken.add(found);
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        accept: (m) => {
          if (!fits(m)) return false;
          this.taken.add(m);
          this.waiters.delete(waiter);
          clearTimeout(timer);
          resolve(m);
          return true;
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const seen = this.messages.map((m) => m.type).join(', ') || 'nothing';
        reject(new Error(`${this.name}: no ${type} message within ${timeoutMs} ms; received: ${seen}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Resolves with the code the server ended this connection with. */
  ended(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ErrorCode> {
    if (this.endedWith !== null) return Promise.resolve(this.endedWith);
    return new Promise((resolve, reject) => {
      const done = (code: ErrorCode) => {
        clearTimeout(timer);
        resolve(code);
      };
      const timer = setTimeout(() => {
        this.endWaiters.delete(done);
        reject(new Error(`${this.name}: not ended within ${timeoutMs} ms`));
      }, timeoutMs);
      this.endWaiters.add(done);
    });
  }
}
