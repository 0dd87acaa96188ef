import type { AuditKind } from '@kaigi/protocol';
import type { AuditLog } from '../audit/AuditLog.js';

export interface RefusalAuditOptions {
  /** Length of one window of a source's refusals of one kind. */
  windowMs: number;
  /** Refusals written one row each at the start of a window; the rest are summed. */
  firstRows: number;
  now?: () => number;
}

export interface Refusal {
  kind: AuditKind;
  /** Whose refusals are summed together: an address key (or an account). */
  source: string;
  actor: string;
  meetingId: string | null;
  data: Record<string, unknown>;
}

interface Window {
  first: Refusal;
  start: number;
  seen: number;
  summed: number;
  meetingIds: Set<string>;
  timer: NodeJS.Timeout;
}

/** Meeting IDs named in one summed row, at most: enough to see what was aimed at. */
const NAMED_MEETINGS = 5;

/**
 * Audits refused attempts (wrong passwords past the first few, rate-limited joins, knocks on a
 * full waiting room) without letting an attacker make the disk write a row per request (H2):
 * per source and kind, the first few of a window are written as they come, the rest become one
 * row carrying their count, written when the window ends (or at shutdown).
 */
export class RefusalAudit {
  private readonly windows = new Map<string, Window>();
  private readonly now: () => number;

  constructor(
    private readonly audit: AuditLog,
    private readonly opts: RefusalAuditOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Resolves once the refusal's own row is written, at once if it is only counted. */
  async refused(r: Refusal): Promise<void> {
    const key = `${r.kind}\n${r.source}`;
    let w = this.windows.get(key);
    if (!w) {
      w = { first: r, start: this.now(), seen: 0, summed: 0, meetingIds: new Set(), timer: setTimeout(() => this.close(key), this.opts.windowMs).unref() };
      this.windows.set(key, w);
    }
    w.seen++;
    if (w.seen <= this.opts.firstRows) {
      await this.audit.append({ kind: r.kind, actor: r.actor, meetingId: r.meetingId, data: r.data });
      return;
    }
    w.summed++;
    const named = r.meetingId ?? (typeof r.data.attemptedMeetingId === 'string' ? r.data.attemptedMeetingId : null);
    if (named !== null && w.meetingIds.size < NAMED_MEETINGS) w.meetingIds.add(named);
  }

  /** Writes every window's sum now (shutdown); the writes are queued in the audit log. */
  flush(): void {
    for (const key of [...this.windows.keys()]) this.close(key);
  }

  private close(key: string): void {
    const w = this.windows.get(key);
    if (!w) return;
    this.windows.delete(key);
    clearTimeout(w.timer);
    if (w.summed === 0) return;
    const ids = [...w.meetingIds];
    this.audit.record({
        kind: w.first.kind,
        actor: w.first.actor,
        // One meeting aimed at: the row belongs to its record; several: to none.
        meetingId: ids.length === 1 && ids[0] === w.first.meetingId ? w.first.meetingId : null,
        data: {
          summed: w.summed,
          windowSeconds: Math.round((this.now() - w.start) / 1000),
          meetingIds: ids,
          ...(typeof w.first.data.reason === 'string' && { reason: w.first.data.reason }),
        },
      });
  }
}
