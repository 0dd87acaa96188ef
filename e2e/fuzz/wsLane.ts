import fc from 'fast-check';
import WebSocket from 'ws';
import { LIMITS } from '@kaigi/protocol';
import { ALLOWED_CLOSE_CODES, checkServerFrame, short, type Failure } from './checks.js';
import type { Known } from './known.js';
import { applyMutation, frameSpec } from './wsMessages.js';

// One signalling lane: sessions one after another, each on a fresh WebSocket from a fresh
// loopback address. The server lets a connection send LIMITS.signalingBurst messages at once,
// then LIMITS.signalingRatePerSecond a second, and caps connections per address at 64 (C3, H4):
// a session sends its first burst at once and the rest in paced batches under the sustained
// rate, so the bucket drops nothing the fuzz meant to reach the handlers, and many lanes at
// once give the throughput one rate-limited connection cannot.

export type SessionKind = 'anonymous' | 'guest' | 'host' | 'resume';

export interface SessionSpec {
  kind: SessionKind;
  meeting: number;
  /** Frames after the join or resume, before the closing ping. */
  length: number;
}

/** The burst less the join and the closing ping. */
const BURST = LIMITS.signalingBurst - 2;
/** Paced batches: BATCH frames every BATCH_MS, 10 % under the sustained rate. */
const BATCH = 10;
const BATCH_MS = Math.ceil((BATCH * 1000 * 1.1) / LIMITS.signalingRatePerSecond);

export function sessionSpec(maxLength: number): fc.Arbitrary<SessionSpec> {
  return fc.record({
    kind: fc.constantFrom<SessionKind>('anonymous', 'anonymous', 'guest', 'guest', 'host', 'host', 'resume'),
    meeting: fc.nat(),
    length: fc.oneof(fc.integer({ min: 1, max: Math.min(BURST, maxLength) }), fc.integer({ min: 1, max: maxLength })),
  });
}

export interface LaneContext {
  url: string;
  token: string;
  known: Known;
  /** Longest session, in frames: long sessions are paced by the server's rate limit. */
  maxSessionLength: number;
  /** Takes up to n messages from the run's budget; 0 when it is spent. */
  take(n: number): number;
  /** Gives back what a session took and did not send (its socket closed early). */
  giveBack(n: number): void;
  remaining(): number;
  nextAddress(): string;
  fail(f: Failure): void;
  /** Answers received, and how many of them said RATE_LIMITED, for the report. */
  answered(rateLimited: boolean): void;
}

function connect(ctx: LaneContext, host: boolean): Promise<WebSocket | null> {
  const headers: Record<string, string> = host ? { authorization: `Bearer ${ctx.token}` } : {};
  const ws = new WebSocket(`${ctx.url.replace('https:', 'wss:')}/ws`, { headers, rejectUnauthorized: false, localAddress: ctx.nextAddress() });
  return new Promise((resolve) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      // A refused upgrade is an answer too: it must be one of the server's known refusals.
      if (res.statusCode !== 429 && res.statusCode !== 403) ctx.fail({ where: 'ws', problem: `upgrade refused with ${res.statusCode}`, input: 'GET /ws', answer: '' });
      resolve(null);
    });
    ws.once('error', (err) => {
      ctx.fail({ where: 'ws', problem: `connection failed: ${err.message}`, input: 'GET /ws', answer: '' });
      resolve(null);
    });
  });
}

/** The join or resume a session starts with, if it has one, and the meeting it is in. */
function prelude(spec: SessionSpec, known: Known): { frame: string | null; meetingId: string | null } {
  const meeting = known.meetings[spec.meeting % known.meetings.length];
  if ((spec.kind === 'guest' || spec.kind === 'host') && meeting) {
    const password = spec.kind === 'guest' ? { password: meeting.password } : {};
    const join = { type: 'join', reqId: 0, meetingId: meeting.id, displayName: `fuzz ${spec.kind}`, e2ee: true, ...password };
    return { frame: JSON.stringify(join), meetingId: meeting.id };
  }
  const r = known.resumes[spec.meeting % Math.max(1, known.resumes.length)];
  if (spec.kind === 'resume' && r) {
    const resume = { type: 'resume', reqId: 0, meetingId: r.meetingId, participantId: r.participantId, resumeToken: r.token };
    return { frame: JSON.stringify(resume), meetingId: r.meetingId };
  }
  return { frame: null, meetingId: null };
}

/** `n` frames of a session, from its seed and the chunk's number: the same seed, the same frames. */
function framesOf(known: Known, seed: number, chunk: number, n: number, firstReqId: number): (string | Buffer)[] {
  return fc.sample(frameSpec, { numRuns: n, seed: seed * 1000 + chunk }).map((f, i) => {
    const message = known.resolve({ ...f.message, reqId: firstReqId + i }) as Record<string, unknown>;
    return applyMutation(message, f.mutation);
  });
}

const CLOSING_REQ_ID = 2 ** 31;

type Report = (problem: string, answer: string, reqId: unknown) => void;

/**
 * Watches a session's answers; `done` resolves when the closing ping is answered or the socket
 * closes; `closing()` starts the wait for the ping's answer.
 */
function watch(ws: WebSocket, ctx: LaneContext, meetingId: string | null, report: Report, oversized: () => boolean): { done: Promise<void>; closing: () => void } {
  let closing = () => undefined as void;
  const done = new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = () => (clearTimeout(timer), resolve());
    ws.on('message', (data, isBinary) => {
      if (isBinary) return report('binary answer', '', undefined);
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8');
      const { problem, message } = checkServerFrame(text);
      ctx.answered(message?.type === 'error' && message.code === 'RATE_LIMITED');
      if (problem) report(problem, text, (message as { reqId?: unknown } | null)?.reqId);
      if (message) ctx.known.learn(message as { type: string } & Record<string, unknown>, meetingId);
      if (message?.type === 'pong' && message.reqId === CLOSING_REQ_ID) finish();
    });
    let error = '';
    ws.on('close', (code, reason) => {
      // A frame over the cap closes the connection at once (1009); frames still in flight may
      // then meet a reset, and the client sees no close frame (1006).
      const abortedTooBig = code === 1006 && oversized();
      if (!ALLOWED_CLOSE_CODES.has(code) && !abortedTooBig) report(`closed with ${code}`, `reason "${reason.toString()}", socket error "${error}"`, undefined);
      finish();
    });
    ws.on('error', (err) => void (error = err.message));
    closing = () => {
      timer = setTimeout(() => (report('no answer to the closing ping within 60 s', '', undefined), finish()), 60_000);
    };
  });
  return { done, closing };
}

/** Runs one session; resolves with the number of frames sent. */
async function runSession(ctx: LaneContext, spec: SessionSpec, seed: number): Promise<number> {
  const { frame, meetingId } = prelude(spec, ctx.known);
  const planned = (frame ? 1 : 0) + spec.length + 1;
  const budget = ctx.take(planned);
  if (budget === 0) return 0;
  const ws = await connect(ctx, spec.kind === 'host');
  if (!ws) {
    ctx.giveBack(budget);
    return 0;
  }
  const sent: (string | Buffer)[] = frame ? [frame] : [];
  const report = (problem: string, answer: string, reqId: unknown) => {
    const byReq = typeof reqId === 'number' ? sent[reqId] : undefined;
    const tail = sent.slice(-8).map((f) => short(f, 160)).join(' | ');
    const input = byReq !== undefined ? short(byReq, 800) : `session seed ${seed} (${spec.kind}, ${spec.length} frames); last frames: ${tail}`;
    ctx.fail({ where: 'ws', problem, input: short(input, 4000), answer: short(answer, 600) });
  };
  let oversized = false;
  const { done, closing } = watch(ws, ctx, meetingId, report, () => oversized);
  const send = (f: string | Buffer) => {
    sent.push(f);
    if (Buffer.byteLength(f) > LIMITS.signalingFrameBytes) oversized = true;
    ws.send(f);
  };
  if (frame) send(frame);
  let chunk = 0;
  let remaining = budget - sent.length - 1;
  let n = Math.min(remaining, BURST);
  while (n > 0 && ws.readyState === WebSocket.OPEN) {
    for (const f of framesOf(ctx.known, seed, chunk++, n, sent.length)) send(f);
    remaining -= n;
    n = Math.min(remaining, BATCH);
    if (n > 0) await new Promise((r) => setTimeout(r, BATCH_MS));
  }
  if (ws.readyState === WebSocket.OPEN) {
    ws.send(JSON.stringify({ type: 'ping', reqId: CLOSING_REQ_ID }));
    closing();
  } else {
    ctx.giveBack(budget - sent.length);
  }
  await done;
  if (ws.readyState !== WebSocket.CLOSED) {
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close();
    });
  }
  return sent.length;
}

/** Sessions until the budget is spent; each session's seed reproduces its frames. */
export async function runWsLane(ctx: LaneContext, seeds: () => number): Promise<void> {
  for (;;) {
    const seed = seeds();
    const [spec] = fc.sample(sessionSpec(ctx.maxSessionLength), { numRuns: 1, seed });
    if (!spec) return;
    await runSession(ctx, spec, seed);
    if (ctx.remaining() === 0) return;
  }
}
