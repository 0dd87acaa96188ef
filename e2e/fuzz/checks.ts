import { ErrorCode, ServerMessage } from '@kaigi/protocol';

// What every answer must be (B1, H4): a known error code or a valid success shape, never an
// internal error, and small. Failures are collected with what caused them, to be reproduced.

/** Largest error answer (HTTP body or signalling frame): a code, a short message, a few details. */
export const MAX_ERROR_BYTES = 4 * 1024;
/** Largest answer of any kind the fuzz can provoke (rosters and SDP answers included). */
export const MAX_ANSWER_BYTES = 256 * 1024;
/** WebSocket close codes the server may use: normal, going away, no status, policy, too big, ended. */
export const ALLOWED_CLOSE_CODES = new Set([1000, 1001, 1005, 1008, 1009, 4000]);

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

export interface Failure {
  where: 'ws' | 'http' | 'process' | 'memory';
  problem: string;
  /** What was sent: the frame or the request, shortened for the report. */
  input: string;
  /** What came back, shortened. */
  answer: string;
}

export function short(s: string | Buffer, max = 300): string {
  const text = typeof s === 'string' ? s : `<binary ${s.length} bytes: ${s.subarray(0, 40).toString('hex')}>`;
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

/** Checks one signalling frame from the server; returns the problem, or null. */
export function checkServerFrame(text: string): { problem: string | null; message: ServerMessage | null } {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_ANSWER_BYTES) return { problem: `answer of ${bytes} bytes`, message: null };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: 'answer is not JSON', message: null };
  }
  const parsed = ServerMessage.safeParse(json);
  if (!parsed.success) return { problem: `answer is not a ServerMessage: ${parsed.error.issues[0]?.message ?? ''}`, message: null };
  const m = parsed.data;
  if (m.type === 'error') {
    if (m.code === ErrorCode.INTERNAL) return { problem: 'INTERNAL error answer', message: m };
    if (bytes > MAX_ERROR_BYTES) return { problem: `error answer of ${bytes} bytes`, message: m };
  }
  return { problem: null, message: m };
}

/** Checks one HTTP answer; returns the problem, or null. */
export function checkHttpAnswer(status: number, body: Buffer, contentType: string | undefined, binaryOk = false): string | null {
  const bytes = body.length;
  if (status >= 500) return `status ${status}`;
  if (status === 204) return bytes === 0 ? null : 'a 204 with a body';
  if (binaryOk && status === 200 && contentType === 'application/octet-stream') return null;
  if (bytes > MAX_ANSWER_BYTES) return `answer of ${bytes} bytes`;
  if (!contentType?.startsWith('application/json')) return `content type ${contentType ?? 'none'}`;
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return 'answer is not JSON';
  }
  if (typeof json !== 'object' || json === null) return 'answer is not a JSON object';
  if (status >= 400) {
    const code = (json as { code?: unknown }).code;
    if (typeof code !== 'string' || !KNOWN_CODES.has(code)) return `unknown error code ${String(code)}`;
    if (typeof (json as { message?: unknown }).message !== 'string') return 'error without a message';
    if (bytes > MAX_ERROR_BYTES) return `error answer of ${bytes} bytes (${code})`;
  }
  return null;
}

/** Memory of the process, sampled while the run goes; the peak and the growth after warm-up. */
export class MemoryWatch {
  peakRss = 0;
  peakHeap = 0;
  private baseline: { rss: number; heap: number } | null = null;
  private maxGrowth = { rss: 0, heap: 0 };
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 250) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): void {
    const m = process.memoryUsage();
    this.peakRss = Math.max(this.peakRss, m.rss);
    this.peakHeap = Math.max(this.peakHeap, m.heapUsed);
    if (this.baseline) {
      this.maxGrowth.rss = Math.max(this.maxGrowth.rss, m.rss - this.baseline.rss);
      this.maxGrowth.heap = Math.max(this.maxGrowth.heap, m.heapUsed - this.baseline.heap);
    }
  }

  /** Called once the warm-up is over: growth is measured from here. */
  warmedUp(): void {
    const m = process.memoryUsage();
    this.baseline = { rss: m.rss, heap: m.heapUsed };
  }

  growth(): { rss: number; heap: number } {
    return { ...this.maxGrowth };
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }
}

/** Crashes and unhandled rejections anywhere in the process fail the run rather than pass unseen. */
export function guardProcess(onFailure: (f: Failure) => void): () => void {
  const rejection = (reason: unknown) =>
    onFailure({ where: 'process', problem: 'unhandled rejection', input: '', answer: short(reason instanceof Error ? (reason.stack ?? reason.message) : String(reason), 2000) });
  const exception = (err: Error) => onFailure({ where: 'process', problem: 'uncaught exception', input: '', answer: short(err.stack ?? err.message, 2000) });
  process.on('unhandledRejection', rejection);
  process.on('uncaughtException', exception);
  return () => {
    process.off('unhandledRejection', rejection);
    process.off('uncaughtException', exception);
  };
}

export const MiB = 1024 * 1024;
