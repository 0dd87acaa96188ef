import { spawn } from 'node:child_process';
import { AuditKind } from '@kaigi/protocol';
import type { CertificateSigner } from '../security/CertificateSigner.js';
import {
  appendCheckpointLine,
  CHECKPOINT_TYPE,
  CHECKPOINT_VERSION,
  checkpointLine,
  FIRST_PREV,
  lineHash,
  readCheckpointLines,
  type Checkpoint,
  type CheckpointReason,
  type CheckpointRule,
} from './checkpoints.js';

/**
 * Kinds anchored at once rather than with the next batch (H2): removals, bans, deletions,
 * account and credential changes, role changes, recordings and exports. Deleting one of these
 * to hide it needs a checkpoint file that was cut back, not just a few SQL rows.
 */
export const PROMPT_KINDS: ReadonlySet<string> = new Set<string>([
  AuditKind.REMOVED,
  AuditKind.BANNED,
  AuditKind.BAN_LIFTED,
  AuditKind.MEETING_DELETED,
  AuditKind.OBJECT_DELETED,
  AuditKind.ROLE_CHANGED,
  AuditKind.LEVEL_RAISED,
  AuditKind.RECORDING_STARTED,
  AuditKind.RECORDING_STOPPED,
  AuditKind.MEETING_EXPORTED,
  AuditKind.USER_ADDED,
  AuditKind.USER_DISABLED,
  AuditKind.USER_ENABLED,
  AuditKind.TOKEN_CREATED,
  AuditKind.TOKEN_REVOKED,
  AuditKind.MFA_REMOVED,
  AuditKind.PASSKEY_REMOVED,
]);

export interface CheckpointerOptions {
  file: string;
  signer: Pick<CertificateSigner, 'signDocument'>;
  every: CheckpointRule;
  /** Where a copy of each line goes as well (syslog). */
  forward?: LineSink;
  /** Told when the chain is shorter than the last checkpoint (never keys). */
  warn?: (msg: string) => void;
}

/**
 * Writes checkpoints for one AuditLog and keeps its anchoring rule (H2): a checkpoint after every
 * `every.entries` entries, at most `every.seconds` after an entry that is not yet anchored, at
 * once after a PROMPT_KINDS entry, and at start and shutdown. The AuditLog calls it inside its
 * queue, under the database's write lock, so its own appends and other processes' (the CLI)
 * never interleave with a checkpoint.
 */
export class Checkpointer {
  private pending = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: CheckpointerOptions) {}

  get rule(): CheckpointRule {
    return this.opts.every;
  }

  /** After entries of these kinds were appended: whether a checkpoint is due now. */
  noteAppended(kinds: readonly string[]): CheckpointReason | null {
    this.pending += kinds.length;
    if (kinds.some((k) => PROMPT_KINDS.has(k))) return 'prompt';
    if (this.pending >= this.opts.every.entries) return 'count';
    return null;
  }

  /** Calls fire once, every.seconds from now, unless a checkpoint comes first. */
  arm(fire: () => void): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      fire();
    }, this.opts.every.seconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** At shutdown: no more timers, and the syslog copy gets up to two seconds to catch up. */
  async close(): Promise<void> {
    this.stop();
    await this.opts.forward?.drain(2000);
  }

  /**
   * Anchors the given head unless the file's last checkpoint already does. The caller holds the
   * database's write lock, which is also what keeps two processes from numbering a line alike.
   */
  write(head: { entries: number; head: string }, reason: CheckpointReason): Checkpoint | null {
    const lines = readCheckpointLines(this.opts.file) ?? [];
    const lastLine = lines[lines.length - 1];
    let last: { n?: unknown; entries?: unknown; head?: unknown } = {};
    if (lastLine !== undefined) {
      try {
        last = JSON.parse(lastLine) as typeof last;
      } catch {
        // A torn or edited last line: write on, numbered after it; verify reports the bad line.
      }
    }
    this.pending = 0;
    this.stop();
    if (last.entries === head.entries && last.head === head.head) return null;
    // An empty log needs no anchor yet (verify accepts it without a file); not writing one keeps
    // a CLI run in a folder without a server (certificate verify elsewhere) from creating keys.
    if (head.entries === 0 && lines.length === 0) return null;
    if (typeof last.entries === 'number' && head.entries < last.entries) {
      // The new checkpoint keeps the evidence: verify refuses a checkpoint shorter than the one before.
      this.opts.warn?.(`the audit log has ${head.entries} entries, its last checkpoint anchored ${last.entries}: entries were deleted (run kaigi audit verify)`);
    }
    const unsigned = {
      type: CHECKPOINT_TYPE,
      version: CHECKPOINT_VERSION,
      n: lines.length + 1,
      entries: head.entries,
      head: head.head,
      at: new Date().toISOString(),
      reason,
      every: { entries: this.opts.every.entries, seconds: this.opts.every.seconds },
      prev: lastLine === undefined ? FIRST_PREV : lineHash(lastLine),
    } as const;
    const checkpoint: Checkpoint = { ...unsigned, signature: this.opts.signer.signDocument({ ...unsigned }) };
    const line = checkpointLine(checkpoint);
    appendCheckpointLine(this.opts.file, line);
    this.opts.forward?.send(line);
    return checkpoint;
  }
}

/** Where a copy of each checkpoint line goes as well; send must return at once. */
export interface LineSink {
  send(line: string): void;
  /** Waits, at most ms, for lines already given to be handed on (at shutdown). */
  drain(ms: number): Promise<void>;
}

/**
 * Sends each line to syslog/journald through `logger` (util-linux), tagged kaigi-audit, so a copy
 * lands where the server's user cannot rewrite it (the journal, a remote collector). One logger
 * at a time, so the copy keeps the file's order; never waited on: at most maxQueued lines wait,
 * more are dropped and their number reported with the next line queued. A missing `logger` is
 * reported once.
 */
export function syslogForwarder(onProblem: (msg: string) => void, command = 'logger', maxQueued = 64): LineSink {
  const queue: string[] = [];
  let running = false;
  let dropped = 0;
  let missingReported = false;
  const idle: (() => void)[] = [];
  const next = (): void => {
    const line = queue.shift();
    if (line === undefined) {
      running = false;
      for (const f of idle.splice(0)) f();
      return;
    }
    running = true;
    const child = spawn(command, ['-t', 'kaigi-audit', '-p', 'auth.notice', '--', line], { stdio: 'ignore' });
    let finished = false;
    const done = () => {
      if (!finished) setImmediate(next);
      finished = true;
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT' || !missingReported) onProblem(`audit checkpoint not sent to syslog: ${err.message}`);
      if (err.code === 'ENOENT') missingReported = true;
      done();
    });
    child.once('close', done);
  };
  return {
    send(line) {
      if (queue.length >= maxQueued) {
        dropped++;
        return;
      }
      if (dropped > 0) onProblem(`${dropped} audit checkpoint lines were not sent to syslog (logger too slow)`);
      dropped = 0;
      queue.push(line);
      if (!running) next();
    },
    drain(ms) {
      if (!running) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        idle.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

/** The checkpointer the server and the CLI use, from the configuration (KAIGI_AUDIT_*). */
export function configuredCheckpointer(
  cfg: { file: string; entries: number; seconds: number; syslog: boolean },
  signer: Pick<CertificateSigner, 'signDocument'>,
  report: (msg: string) => void,
): Checkpointer {
  return new Checkpointer({
    file: cfg.file,
    signer,
    every: { entries: cfg.entries, seconds: cfg.seconds },
    ...(cfg.syslog && { forward: syslogForwarder(report) }),
    warn: report,
  });
}
