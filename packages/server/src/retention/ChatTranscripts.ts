import { AuditKind } from '@kaigi/protocol';
import type { AuditLog } from '../audit/AuditLog.js';
import type { ObjectStore } from '../storage/ObjectStore.js';

/** How often the chat of a meeting that keeps it is written out. */
const FLUSH_MS = 30_000;

export interface ChatLine {
  seq: number;
  at: number;
  from: string;
  fromName: string;
  text: string;
}

interface Pending {
  lines: ChatLine[];
  timer: NodeJS.Timeout;
}

/**
 * Chat kept by the host's choice (retention for chat above 0, E4), in meetings without E2EE (the
 * server cannot read E2EE chat and keeps none). Messages are written as JSON-lines objects,
 * each under its own key like every stored object, at most 30 s after they were sent and when
 * the meeting ends, so a crash loses 30 s at most. Retention purges them like files.
 */
export class ChatTranscripts {
  private readonly pending = new Map<string, Pending>();
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly objects: ObjectStore,
    private readonly audit: AuditLog,
    private readonly log: { error(o: { err?: unknown; meetingId?: string }, msg: string): void },
    private readonly flushMs = FLUSH_MS,
  ) {}

  add(meetingId: string, line: ChatLine): void {
    let p = this.pending.get(meetingId);
    if (!p) {
      p = { lines: [], timer: setTimeout(() => void this.flush(meetingId), this.flushMs).unref() };
      this.pending.set(meetingId, p);
    }
    p.lines.push(line);
  }

  /** Writes what is waiting for one meeting; resolves once it is stored. */
  flush(meetingId: string): Promise<void> {
    const p = this.pending.get(meetingId);
    if (p) {
      clearTimeout(p.timer);
      this.pending.delete(meetingId);
      this.writing = this.writing.then(() => this.store(meetingId, p.lines));
    }
    return this.writing;
  }

  /** Writes everything waiting: the server is shutting down. */
  async flushAll(): Promise<void> {
    for (const id of [...this.pending.keys()]) void this.flush(id);
    await this.writing;
  }

  private async store(meetingId: string, lines: ChatLine[]): Promise<void> {
    if (!lines.length) return;
    try {
      const first = new Date(lines[0]!.at).toISOString().replace(/[:.]/g, '-');
      const body = lines.map((l) => JSON.stringify({ seq: l.seq, at: new Date(l.at).toISOString(), from: l.from, fromName: l.fromName, text: l.text })).join('\n') + '\n';
      const o = await this.objects.put(
        { meetingId, kind: 'chat', name: `chat-${first}.jsonl`, createdBy: 'system', purgeAt: null, protection: 'server' },
        Buffer.from(body, 'utf8'),
      );
      await this.audit.append({ kind: AuditKind.OBJECT_STORED, actor: 'system', meetingId, data: { objectId: o.id, kind: 'chat', size: o.size, messages: lines.length } });
    } catch (err) {
      this.log.error({ err, meetingId }, 'storing chat failed');
    }
  }
}
