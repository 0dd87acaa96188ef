import { randomBytes } from 'node:crypto';
import { ErrorCode, type GroupStateInfo, type ServerMessage } from '@kaigi/protocol';
import { KaigiError } from '../errors.js';
import { keyPackageIdentity, readFraming } from './MlsFraming.js';

/** How long a member has to answer a commit request before another member is asked. */
const COMMIT_TIMEOUT_MS = 5_000;
/** Accepted commits kept so that a member who missed some can catch up after a reconnect. */
const LOG_EPOCHS = 64;

export interface DeliveryServiceHooks {
  send(participantId: string, msg: ServerMessage): void;
  connected(participantId: string): boolean;
  /** The group changed epoch (for the roster, the banner and the audit log). */
  epochChanged(change: EpochChange): void;
}

export interface EpochChange {
  epoch: number;
  committer: string;
  added: string[];
  removed: string[];
}

export interface DeliveryServiceOptions {
  /** A key update is requested this often, so that a stolen epoch key stops being useful. */
  updateIntervalMs: number;
  commitTimeoutMs?: number;
}

interface InFlight {
  epoch: number;
  committer: string;
  adds: string[];
  removes: string[];
  timer: NodeJS.Timeout;
}

/**
 * The MLS delivery service of one E2EE meeting (RFC 9420 §3). It stores and forwards opaque
 * bytes and holds no group secret. What it decides: who founds the group, which member commits
 * the pending adds and removes, and which commit wins an epoch (the first valid one). It reads
 * only the public framing of MLS messages (wire format, group ID, epoch, content type) and the
 * credential of KeyPackages, so a member cannot upload a KeyPackage in someone else's name.
 */
export class DeliveryService {
  private groupId = randomBytes(16);
  private epoch: number | null = null;
  /** Group members in order of joining; the first connected one is asked to commit. */
  private members: string[] = [];
  private readonly keyPackages = new Map<string, string>();
  private readonly pendingRemoves = new Set<string>();
  private inFlight: InFlight | null = null;
  private readonly log = new Map<number, { commit: string; from: string }>();
  private readonly updateTimer: NodeJS.Timeout;
  private updateDue = false;
  private closed = false;

  constructor(
    private readonly hooks: DeliveryServiceHooks,
    private readonly opts: DeliveryServiceOptions,
  ) {
    this.updateTimer = setInterval(() => {
      this.updateDue = true;
      this.schedule();
    }, opts.updateIntervalMs).unref();
  }

  state(): GroupStateInfo {
    return { epoch: this.epoch ?? 0, members: [...this.members] };
  }

  get currentEpoch(): number | null {
    return this.epoch;
  }

  isMember(participantId: string): boolean {
    return this.members.includes(participantId);
  }

  /** An admitted participant's KeyPackage: it founds the group if there is none, else it is added. */
  keyPackage(participantId: string, keyPackage: string): void {
    const bytes = Buffer.from(keyPackage, 'base64');
    if (keyPackageIdentity(bytes) !== participantId) {
      throw new KaigiError(ErrorCode.INVALID_MESSAGE, 'The KeyPackage is not valid or not in your name.');
    }
    // A member sending a new KeyPackage has lost its state (a reloaded page resuming its place):
    // its old leaf goes and the new one comes in the same commit.
    if (this.members.includes(participantId)) this.pendingRemoves.add(participantId);
    if (this.epoch === null || this.members.every((m) => this.pendingRemoves.has(m))) {
      // No one left who could add it: it founds a new group.
      this.keyPackages.delete(participantId);
      this.reset();
      this.found(participantId);
      return;
    }
    this.keyPackages.set(participantId, keyPackage);
    this.schedule();
  }

  /** The participant left, was removed or sent back to the waiting room. */
  gone(participantId: string): void {
    this.keyPackages.delete(participantId);
    // A newcomer leaving while the commit that adds it is in flight is removed right after.
    if (this.members.includes(participantId) || this.inFlight?.adds.includes(participantId)) this.pendingRemoves.add(participantId);
    if (this.inFlight?.committer === participantId) this.cancelInFlight();
    if (this.epoch !== null && this.members.every((m) => this.pendingRemoves.has(m))) {
      // Nobody who holds the group is left: the next KeyPackage founds a new group.
      this.reset();
      const next = this.keyPackages.keys().next();
      if (!next.done) {
        this.keyPackages.delete(next.value);
        this.found(next.value);
      }
      return;
    }
    this.schedule();
  }

  /** A member lost its group state: it is removed and added again from a fresh KeyPackage. */
  failed(participantId: string): void {
    if (this.members.includes(participantId) || this.inFlight?.adds.includes(participantId)) this.pendingRemoves.add(participantId);
    this.keyPackages.delete(participantId);
    if (this.inFlight?.committer === participantId) this.cancelInFlight();
    this.hooks.send(participantId, { type: 'mlsRejoin' });
    this.schedule();
  }

  /** A member reports its epoch after a reconnect: send what it missed, or have it rejoin. */
  sync(participantId: string, epoch: number): void {
    if (!this.members.includes(participantId) || this.epoch === null) return;
    if (epoch === this.epoch) return;
    const missed: { epoch: number; commit: string; from: string }[] = [];
    for (let e = epoch; e < this.epoch; e++) {
      const entry = this.log.get(e);
      if (!entry) return this.failed(participantId);
      missed.push({ epoch: e, ...entry });
    }
    if (epoch > this.epoch) return this.failed(participantId);
    for (const m of missed) this.hooks.send(participantId, { type: 'mlsCommit', ...m });
  }

  /** A member's commit. The first valid commit for the current epoch wins; the rest are rejected. */
  commit(participantId: string, commit: string, welcome: string | undefined): void {
    if (!this.members.includes(participantId) || this.pendingRemoves.has(participantId)) {
      throw new KaigiError(ErrorCode.FORBIDDEN, 'Only members of the encryption group can commit.');
    }
    const framing = readFraming(Buffer.from(commit, 'base64'));
    if (
      !framing ||
      (framing.wireformat !== 'mls_public_message' && framing.wireformat !== 'mls_private_message') ||
      framing.contentType !== 'commit' ||
      framing.epoch === undefined ||
      !framing.groupId ||
      !Buffer.from(framing.groupId).equals(this.groupId)
    ) {
      throw new KaigiError(ErrorCode.INVALID_MESSAGE, 'That is not a commit for this meeting’s group.');
    }
    const fl = this.inFlight;
    if (framing.epoch !== this.epoch) {
      this.hooks.send(participantId, { type: 'mlsRejected', epoch: framing.epoch, reason: 'stale' });
      if (fl?.committer === participantId && fl.epoch === framing.epoch) this.cancelInFlight();
      this.schedule();
      return;
    }
    // Only the member asked to commit may add or remove; anyone else may only update its keys,
    // which it does by answering a request too. An unrequested commit is refused.
    if (!fl || fl.committer !== participantId) {
      this.hooks.send(participantId, { type: 'mlsRejected', epoch: framing.epoch, reason: 'not requested' });
      return;
    }
    if (fl.adds.length > 0) {
      const w = welcome ? readFraming(Buffer.from(welcome, 'base64')) : null;
      if (w?.wireformat !== 'mls_welcome') {
        throw new KaigiError(ErrorCode.INVALID_MESSAGE, 'A commit that adds members needs their Welcome.');
      }
    }
    this.accept(fl, commit, welcome);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.updateTimer);
    this.cancelInFlight();
  }

  private found(participantId: string): void {
    // A new group never shares an ID with an earlier one whose members may still hold its state.
    this.groupId = randomBytes(16);
    this.epoch = 0;
    this.members = [participantId];
    this.log.clear();
    this.hooks.send(participantId, { type: 'mlsCreate', groupId: this.groupId.toString('base64') });
    this.hooks.epochChanged({ epoch: 0, committer: participantId, added: [participantId], removed: [] });
    this.schedule();
  }

  private accept(fl: InFlight, commit: string, welcome: string | undefined): void {
    this.cancelInFlight();
    const epoch = fl.epoch;
    const staying = this.members.filter((m) => !fl.removes.includes(m));
    this.epoch = epoch + 1;
    this.members = [...staying, ...fl.adds];
    for (const r of fl.removes) this.pendingRemoves.delete(r);
    for (const a of fl.adds) this.keyPackages.delete(a);
    this.log.set(epoch, { commit, from: fl.committer });
    this.log.delete(epoch - LOG_EPOCHS);
    // Removed members are not sent the commit: it would tell them nothing they can use, and
    // their connection may already be gone.
    for (const m of staying) this.hooks.send(m, { type: 'mlsCommit', epoch, commit, from: fl.committer });
    if (welcome) for (const a of fl.adds) this.hooks.send(a, { type: 'mlsWelcome', epoch: epoch + 1, welcome });
    this.hooks.epochChanged({ epoch: epoch + 1, committer: fl.committer, added: fl.adds, removed: fl.removes });
    this.schedule();
  }

  /** Asks one connected member to commit whatever is pending. One request at a time. */
  private schedule(skip?: string): void {
    if (this.closed || this.inFlight || this.epoch === null) return;
    const removes = this.members.filter((m) => this.pendingRemoves.has(m));
    const adds = [...this.keyPackages.keys()];
    if (removes.length === 0 && adds.length === 0 && !this.updateDue) return;
    const candidates = this.members.filter((m) => !this.pendingRemoves.has(m) && this.hooks.connected(m));
    const committer = candidates.find((m) => m !== skip) ?? candidates[0];
    if (!committer) return;
    this.updateDue = false;
    const epoch = this.epoch;
    const timer = setTimeout(() => {
      // The committer did not answer: ask the next member.
      this.cancelInFlight();
      this.schedule(committer);
    }, this.opts.commitTimeoutMs ?? COMMIT_TIMEOUT_MS).unref();
    this.inFlight = { epoch, committer, adds, removes, timer };
    this.hooks.send(committer, {
      type: 'mlsCommitRequest',
      epoch,
      adds: adds.map((participantId) => ({ participantId, keyPackage: this.keyPackages.get(participantId) ?? '' })),
      removes,
    });
  }

  private cancelInFlight(): void {
    if (this.inFlight) clearTimeout(this.inFlight.timer);
    this.inFlight = null;
  }

  private reset(): void {
    this.cancelInFlight();
    this.epoch = null;
    this.members = [];
    this.pendingRemoves.clear();
    this.log.clear();
  }
}
