import type { FuzzMeeting } from './server.js';
import { Ref } from './wsMessages.js';

// What the fuzz run has learned of the server's state (participants, bans, resume tokens), so
// that later frames name real things and reach the handlers behind the lookups.

/** What the run has learned of the server's state, so that later frames name real things. */
export class Known {
  readonly participants: string[] = [];
  readonly bans: string[] = [];
  readonly resumes: { meetingId: string; participantId: string; token: string }[] = [];

  constructor(readonly meetings: FuzzMeeting[]) {}

  private static push<T>(list: T[], v: T, max = 256): void {
    list.push(v);
    if (list.length > max) list.shift();
  }

  learn(m: { type: string } & Record<string, unknown>, meetingId: string | null): void {
    if (m.type === 'joined' && typeof m.participantId === 'string' && typeof m.resumeToken === 'string') {
      Known.push(this.participants, m.participantId);
      if (meetingId) Known.push(this.resumes, { meetingId, participantId: m.participantId, token: m.resumeToken });
    }
    if (m.type === 'roster' || m.type === 'waitingRoom') {
      const list = (m.participants ?? m.entries) as { id: string }[];
      for (const p of list.slice(0, 4)) if (!this.participants.includes(p.id)) Known.push(this.participants, p.id);
    }
    if (m.type === 'bans') for (const b of (m.bans as { id: string }[]).slice(0, 4)) if (!this.bans.includes(b.id)) Known.push(this.bans, b.id);
  }

  /** Replaces every Ref in a message by something real (or, when nothing is known, leaves a dud). */
  resolve(v: unknown, ctx: { meeting: FuzzMeeting | null } = { meeting: null }): unknown {
    if (v instanceof Ref) return this.resolveRef(v, ctx);
    if (Array.isArray(v)) return v.map((x) => this.resolve(x, ctx));
    // fast-check builds nested records with prototypes of their own: any plain object is walked.
    if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) {
      // fromEntries defines own properties: a "__proto__" key stays a key, as on the wire.
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.resolve(x, ctx)]));
    }
    return v;
  }

  private resolveRef(r: Ref, ctx: { meeting: FuzzMeeting | null }): string {
    const pick = <T>(list: T[]): T | undefined => list[r.index % Math.max(1, list.length)];
    switch (r.kind) {
      case 'meeting': {
        ctx.meeting = pick(this.meetings) ?? null;
        return ctx.meeting?.id ?? '0000000000000000';
      }
      case 'password':
        return (ctx.meeting ?? pick(this.meetings))?.password ?? 'none';
      case 'participant':
        return pick(this.participants) ?? 'p_AAAAAAAAAAAAAAAAAAAAAA';
      case 'ban':
        return pick(this.bans) ?? 'b_AAAAAAAAAAAAAAAAAAAAAA';
      case 'resumeToken':
        return pick(this.resumes)?.token ?? 'A'.repeat(43);
    }
  }
}
