// The MLS side of Kaigi's E2EE (D1–D5, B7): one MLS group per E2EE meeting, cipher suite 2
// (P-256, AES-128-GCM, SHA-256). The server is an untrusted delivery service: it names a
// committer, orders commits (first per epoch wins) and echoes the winner to every member,
// committer included. Nothing here talks to the network; it runs in Node tests and in a worker.

import {
  createApplicationMessage, createCommit, createGroup as mlsCreateGroup, decodeMlsMessage,
  defaultCapabilities, defaultKeyPackageEqualityConfig, defaultLifetime, defaultLifetimeConfig,
  defaultPaddingConfig, emptyPskIndex, encodeMlsMessage, generateKeyPackage, getCiphersuiteFromName,
  getCiphersuiteImpl, joinGroup, mlsExporter, processMessage, processPrivateMessage, zeroOutUint8Array,
} from 'ts-mls';
import type {
  CiphersuiteImpl, ClientConfig, ClientState, CreateCommitResult, Credential, IncomingMessageCallback,
  KeyPackage, MLSMessage, PrivateKeyPackage, Proposal, RatchetTree,
} from 'ts-mls';
// Not re-exported from the package root; pinned by ts-mls's "./*.js" export map.
import { addHistoricalReceiverData } from 'ts-mls/clientState.js';
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { decryptSenderData } from 'ts-mls/privateMessage.js';
import { safetyCode } from './SafetyCode.js';

// Same values as MLS_CIPHER_SUITE / SFRAME_BASE_KEY_LABEL in @kaigi/protocol; repeated so the
// worker bundle does not pull in zod.
const CIPHER_SUITE = 'MLS_128_DHKEMP256_AES128GCM_SHA256_P256' as const;
const SFRAME_BASE_KEY_LABEL = 'SFrame 1.0 Base Key';
const SFRAME_BASE_KEY_LENGTH = 16; // AEAD.Nk of AES_128_GCM_SHA256_128 (RFC 9605 §5.2)
const MAX_KEY_PACKAGES = 8;
// Participant ids are "p_" + 22 base64url characters; anything outside this set is refused so a
// credential can never smuggle look-alike or control characters into the roster.
const IDENTITY = /^[A-Za-z0-9_-]{1,64}$/;

export interface EpochInfo {
  epoch: number;
  /** MLS-Exporter("SFrame 1.0 Base Key", "", 16) — RFC 9605 §5.2 */
  epochSecret: Uint8Array;
  /** own leaf index */
  selfIndex: number;
  safetyCode: string;
  members: { participantId: string; leafIndex: number }[];
}

export type KeyManagerErrorCode =
  | 'no-group' // not (or no longer) in a group
  | 'wrong-epoch' // a commit or request for an epoch other than ours: state is untouched
  | 'future-epoch' // an application message from an epoch we have not reached yet: retry later
  | 'removed' // the applied commit removed this member
  | 'identity-mismatch' // a credential does not belong to the participant the server named
  | 'invalid-message' // bytes that are not the expected MLS message, or fail verification
  | 'unknown-key-package' // a Welcome for none of our KeyPackages
  | 'rejected'; // a commit our policy refuses

export class KeyManagerError extends Error {
  constructor(
    readonly code: KeyManagerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'KeyManagerError';
  }
}

let suitePromise: Promise<CiphersuiteImpl> | undefined;
function cipherSuite(): Promise<CiphersuiteImpl> {
  return (suitePromise ??= getCiphersuiteImpl(getCiphersuiteFromName(CIPHER_SUITE)));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The participant id a basic credential names, or null if it is not a valid one. */
export function credentialIdentity(credential: Credential): string | null {
  if (credential.credentialType !== 'basic') return null;
  try {
    const id = utf8.decode(credential.identity);
    return IDENTITY.test(id) ? id : null;
  } catch {
    return null;
  }
}

const clientConfig: ClientConfig = {
  // Keep two past epochs' receive keys, so a chat message sent just before a commit still opens.
  keyRetentionConfig: { retainKeysForGenerations: 10, retainKeysForEpochs: 2, maximumForwardRatchetSteps: 200 },
  lifetimeConfig: defaultLifetimeConfig,
  keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
  paddingConfig: defaultPaddingConfig,
  authService: { validateCredential: (credential) => Promise.resolve(credentialIdentity(credential) !== null) },
};

// Members only ever commit Add and Remove (plus an empty commit for key updates); refuse the
// rest (ReInit, PSK, GroupContextExtensions, external joins), which Kaigi never sends.
const onlyAddRemove: IncomingMessageCallback = (incoming) =>
  incoming.kind === 'commit' &&
  incoming.proposals.every((p) => p.proposal.proposalType === 'add' || p.proposal.proposalType === 'remove')
    ? 'accept'
    : 'reject';

interface PendingCommit {
  epoch: number;
  bytes: Uint8Array;
  result: CreateCommitResult;
}

interface OwnKeyPackage {
  ref: Uint8Array;
  publicPackage: KeyPackage;
  privatePackage: PrivateKeyPackage;
}

function decode(bytes: Uint8Array): MLSMessage {
  let decoded: [MLSMessage, number] | undefined;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch {
    decoded = undefined;
  }
  if (decoded === undefined || decoded[1] !== bytes.length) {
    throw new KeyManagerError('invalid-message', 'not an MLS message');
  }
  return decoded[0];
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

function membersOf(tree: RatchetTree): { participantId: string; leafIndex: number }[] {
  const members: { participantId: string; leafIndex: number }[] = [];
  for (let node = 0; node < tree.length; node += 2) {
    const n = tree[node];
    if (n?.nodeType !== 'leaf') continue;
    const id = credentialIdentity(n.leaf.credential);
    if (id !== null) members.push({ participantId: id, leafIndex: node / 2 });
  }
  return members;
}

function identityAt(tree: RatchetTree, leafIndex: number): string | null {
  const n = tree[leafIndex * 2];
  return n?.nodeType === 'leaf' ? credentialIdentity(n.leaf.credential) : null;
}

function wipeKeySchedule(state: ClientState): void {
  const ks = state.keySchedule;
  for (const secret of [ks.exporterSecret, ks.externalSecret, ks.confirmationKey, ks.membershipKey, ks.epochAuthenticator]) {
    zeroOutUint8Array(secret);
  }
}

export class KeyManager {
  private state: ClientState | null = null;
  // Commits built for the current epoch and not yet answered. Usually one; more if the server
  // asked again before answering, and then whichever it accepted is adopted.
  private pending: PendingCommit[] = [];
  private keyPackages: OwnKeyPackage[] = [];
  // ts-mls states are immutable snapshots: two interleaved operations would each start from the
  // same snapshot and one result would be lost, so every operation runs in turn.
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly id: string,
    private readonly cs: CiphersuiteImpl,
  ) {}

  static async create(opts: { participantId: string }): Promise<KeyManager> {
    if (!IDENTITY.test(opts.participantId)) throw new Error('invalid participant id');
    return new KeyManager(opts.participantId, await cipherSuite());
  }

  get participantId(): string {
    return this.id;
  }

  get epoch(): number | null {
    return this.state === null ? null : Number(this.state.groupContext.epoch);
  }

  /** A fresh KeyPackage (encoded MLSMessage); its private keys wait here for the Welcome. */
  keyPackage(): Promise<Uint8Array> {
    return this.serial(async () => {
      const kp = await this.newKeyPackage();
      const ref = await makeKeyPackageRef(kp.publicPackage, this.cs.hash);
      this.keyPackages.push({ ref, ...kp });
      while (this.keyPackages.length > MAX_KEY_PACKAGES) {
        const old = this.keyPackages.shift();
        if (old) Object.values(old.privatePackage).forEach(zeroOutUint8Array);
      }
      return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: kp.publicPackage });
    });
  }

  createGroup(groupId: Uint8Array): Promise<EpochInfo> {
    return this.serial(async () => {
      if (this.state !== null) throw new Error('already in a group');
      const kp = await this.newKeyPackage();
      const state = await mlsCreateGroup(groupId, kp.publicPackage, kp.privatePackage, [], this.cs, clientConfig);
      zeroOutUint8Array(kp.privatePackage.initPrivateKey); // never used by the creator
      this.state = state;
      return this.info(state);
    });
  }

  /**
   * Build (not apply) a commit for `epoch`: Add for each KeyPackage, Remove for each known
   * participant id; none of either = a key-update commit with a fresh path. The result stays
   * pending until the server's echo comes back through applyCommit.
   */
  commit(req: {
    epoch: number;
    adds: { participantId: string; keyPackage: Uint8Array }[];
    removes: string[];
  }): Promise<{ commit: Uint8Array; welcome?: Uint8Array }> {
    return this.serial(async () => {
      const state = this.requireState();
      const current = Number(state.groupContext.epoch);
      if (req.epoch !== current) {
        throw new KeyManagerError('wrong-epoch', `asked to commit for epoch ${req.epoch}, but this member is in epoch ${current}`);
      }
      const selfIndex = state.privatePath.leafIndex;
      const leafOf = new Map(membersOf(state.ratchetTree).map((m) => [m.participantId, m.leafIndex]));
      const removes = [...new Set(req.removes)].filter((id) => leafOf.has(id));
      const proposals: Proposal[] = [];
      for (const id of removes) {
        const leaf = leafOf.get(id) ?? -1;
        if (leaf === selfIndex) throw new KeyManagerError('rejected', 'a member cannot commit its own removal');
        proposals.push({ proposalType: 'remove', remove: { removed: leaf } });
      }
      const added = new Set<string>();
      for (const add of req.adds) {
        if (added.has(add.participantId)) throw new KeyManagerError('rejected', 'the same participant is added twice');
        if (leafOf.has(add.participantId) && !removes.includes(add.participantId)) {
          throw new KeyManagerError('rejected', 'the participant to add is already a member');
        }
        added.add(add.participantId);
        const msg = decode(add.keyPackage);
        if (msg.wireformat !== 'mls_key_package') throw new KeyManagerError('invalid-message', 'not a KeyPackage');
        // The server names who joins; the KeyPackage must be that participant's own, or the
        // server could slip in a key it controls under someone else's name.
        if (credentialIdentity(msg.keyPackage.leafNode.credential) !== add.participantId) {
          throw new KeyManagerError('identity-mismatch', 'KeyPackage identity differs from the participant to add');
        }
        proposals.push({ proposalType: 'add', add: { keyPackage: msg.keyPackage } });
      }
      let result: CreateCommitResult;
      try {
        result = await createCommit({ state, cipherSuite: this.cs }, { extraProposals: proposals, ratchetTreeExtension: true });
      } catch (e) {
        throw new KeyManagerError('invalid-message', `cannot build the commit: ${(e as Error).message}`);
      }
      const bytes = encodeMlsMessage(result.commit);
      // `consumed` includes this epoch's init secret, which is still needed if another commit
      // wins: it is wiped only when this commit is adopted. A second commit in the same epoch
      // reuses the handshake key with a fresh random reuse_guard (RFC 9420 §6.3.1).
      this.pending.push({ epoch: current, bytes, result });
      const welcome = result.welcome
        ? encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: result.welcome })
        : undefined;
      return welcome ? { commit: bytes, welcome } : { commit: bytes };
    });
  }

  /** Apply the commit the server accepted for `epoch` (ours, or another member's). */
  applyCommit(epoch: number, commit: Uint8Array, from: string): Promise<EpochInfo> {
    return this.serial(async () => {
      const state = this.requireState();
      const current = Number(state.groupContext.epoch);
      if (epoch !== current) {
        throw new KeyManagerError('wrong-epoch', `commit is for epoch ${epoch}, but this member is in epoch ${current}`);
      }
      const msg = decode(commit);
      if (msg.wireformat !== 'mls_private_message' && msg.wireformat !== 'mls_public_message') {
        throw new KeyManagerError('invalid-message', 'not a commit');
      }
      const framing = msg.wireformat === 'mls_private_message' ? msg.privateMessage : msg.publicMessage.content;
      if (
        framing.contentType !== 'commit' ||
        framing.epoch !== state.groupContext.epoch ||
        !bytesEqual(framing.groupId, state.groupContext.groupId)
      ) {
        throw new KeyManagerError('invalid-message', 'not a commit for this group and epoch');
      }
      const pending = this.pending.find((p) => p.epoch === epoch && bytesEqual(p.bytes, commit));
      if (pending) {
        this.pending = this.pending.filter((p) => p !== pending);
        this.dropPending();
        // Application messages may have moved the state on since the commit was built: keep
        // their receive keys rather than the snapshot's.
        const [historicalReceiverData] = addHistoricalReceiverData(state);
        const next: ClientState = { ...pending.result.newState, historicalReceiverData };
        pending.result.consumed.forEach(zeroOutUint8Array);
        return this.advance(state, next);
      }
      if (from === this.id) throw new KeyManagerError('invalid-message', 'a commit from this member that it did not build');
      // The roster must not lie about who changed the group.
      const senderLeaf = await this.senderLeaf(msg, state);
      if (identityAt(state.ratchetTree, senderLeaf) !== from) {
        throw new KeyManagerError('identity-mismatch', 'the commit was not sent by the participant the server named');
      }
      let result;
      try {
        result = await processMessage(msg, state, emptyPskIndex, onlyAddRemove, this.cs);
      } catch (e) {
        throw new KeyManagerError('invalid-message', `commit does not verify: ${(e as Error).message}`);
      }
      if (result.kind !== 'newState' || result.actionTaken !== 'accept') {
        throw new KeyManagerError('rejected', 'the commit carries proposals Kaigi does not allow');
      }
      this.dropPending();
      result.consumed.forEach(zeroOutUint8Array);
      if (result.newState.groupActiveState.kind === 'removedFromGroup') {
        this.state = null;
        wipeKeySchedule(state);
        throw new KeyManagerError('removed', 'this member was removed from the group');
      }
      return this.advance(state, result.newState);
    });
  }

  /** Forget our pending commits (the server chose another, or none). */
  rejectPending(): void {
    this.dropPending();
  }

  joinFromWelcome(welcome: Uint8Array): Promise<EpochInfo> {
    return this.serial(async () => {
      const msg = decode(welcome);
      if (msg.wireformat !== 'mls_welcome') throw new KeyManagerError('invalid-message', 'not a Welcome');
      const own = this.keyPackages.find((kp) => msg.welcome.secrets.some((s) => bytesEqual(s.newMember, kp.ref)));
      if (!own) throw new KeyManagerError('unknown-key-package', 'the Welcome is for none of our KeyPackages');
      let next: ClientState;
      try {
        next = await joinGroup(msg.welcome, own.publicPackage, own.privatePackage, emptyPskIndex, this.cs, undefined, undefined, clientConfig);
      } catch (e) {
        throw new KeyManagerError('invalid-message', `cannot join from this Welcome: ${(e as Error).message}`);
      }
      // The init key is single-use (RFC 9420 §16.8); the leaf and signature keys live on in the state.
      this.keyPackages = this.keyPackages.filter((kp) => kp !== own);
      zeroOutUint8Array(own.privatePackage.initPrivateKey);
      this.dropPending();
      const old = this.state;
      this.state = next;
      if (old) wipeKeySchedule(old);
      return this.info(next);
    });
  }

  /** Encrypt a chat message for the current epoch (an MLS PrivateMessage). */
  encryptApplication(plaintext: Uint8Array): Promise<Uint8Array> {
    return this.serial(async () => {
      const state = this.requireState();
      const { newState, privateMessage, consumed } = await createApplicationMessage(state, plaintext, this.cs);
      this.state = newState;
      consumed.forEach(zeroOutUint8Array);
      return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage });
    });
  }

  /** Decrypt another member's chat message of this epoch or of one of the two before it. */
  decryptApplication(message: Uint8Array): Promise<{ plaintext: Uint8Array; senderId: string }> {
    return this.serial(async () => {
      const state = this.requireState();
      const msg = decode(message);
      if (msg.wireformat !== 'mls_private_message' || msg.privateMessage.contentType !== 'application') {
        throw new KeyManagerError('invalid-message', 'not an application message');
      }
      const pm = msg.privateMessage;
      if (!bytesEqual(pm.groupId, state.groupContext.groupId)) throw new KeyManagerError('invalid-message', 'another group');
      if (pm.epoch > state.groupContext.epoch) {
        throw new KeyManagerError('future-epoch', `message from epoch ${pm.epoch}, this member is in epoch ${state.groupContext.epoch}`);
      }
      const keys =
        pm.epoch === state.groupContext.epoch
          ? { senderDataSecret: state.keySchedule.senderDataSecret, ratchetTree: state.ratchetTree }
          : state.historicalReceiverData.get(pm.epoch);
      if (!keys) throw new KeyManagerError('wrong-epoch', `keys of epoch ${pm.epoch} are no longer kept`);
      const senderData = await decryptSenderData(pm, keys.senderDataSecret, this.cs).catch(() => undefined);
      if (!senderData) throw new KeyManagerError('invalid-message', 'cannot read the sender');
      // Our own messages share our ratchet; opening one would fail or disturb it.
      if (pm.epoch === state.groupContext.epoch && senderData.leafIndex === state.privatePath.leafIndex) {
        throw new KeyManagerError('invalid-message', 'own message');
      }
      const senderId = identityAt(keys.ratchetTree, senderData.leafIndex);
      if (senderId === null) throw new KeyManagerError('invalid-message', 'unknown sender');
      let result;
      try {
        result = await processPrivateMessage(state, pm, emptyPskIndex, this.cs);
      } catch (e) {
        throw new KeyManagerError('invalid-message', `cannot decrypt: ${(e as Error).message}`);
      }
      if (result.kind !== 'applicationMessage') throw new KeyManagerError('invalid-message', 'not an application message');
      this.state = result.newState;
      result.consumed.forEach(zeroOutUint8Array);
      return { plaintext: result.message, senderId };
    });
  }

  /** Leave: wipe what can be wiped. The object is unusable for the group afterwards. */
  destroy(): void {
    this.dropPending();
    if (this.state) wipeKeySchedule(this.state);
    this.state = null;
    for (const kp of this.keyPackages) Object.values(kp.privatePackage).forEach(zeroOutUint8Array);
    this.keyPackages = [];
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private requireState(): ClientState {
    if (this.state === null) throw new KeyManagerError('no-group', 'not in an E2EE group');
    if (this.state.groupActiveState.kind !== 'active') throw new KeyManagerError('no-group', 'the group is not active');
    return this.state;
  }

  private newKeyPackage(): Promise<{ publicPackage: KeyPackage; privatePackage: PrivateKeyPackage }> {
    const credential: Credential = { credentialType: 'basic', identity: new TextEncoder().encode(this.id) };
    return generateKeyPackage(credential, defaultCapabilities(), defaultLifetime, [], this.cs);
  }

  private async senderLeaf(msg: MLSMessage, state: ClientState): Promise<number> {
    if (msg.wireformat === 'mls_public_message') {
      const sender = msg.publicMessage.content.sender;
      if (sender.senderType === 'member') return sender.leafIndex;
    } else if (msg.wireformat === 'mls_private_message') {
      const sd = await decryptSenderData(msg.privateMessage, state.keySchedule.senderDataSecret, this.cs).catch(() => undefined);
      if (sd) return sd.leafIndex;
    }
    throw new KeyManagerError('invalid-message', 'cannot read the commit sender');
  }

  /** Move to the next epoch and wipe the old epoch's secrets nothing else refers to. */
  private advance(old: ClientState, next: ClientState): Promise<EpochInfo> {
    this.state = next;
    if (old.keySchedule !== next.keySchedule) wipeKeySchedule(old);
    return this.info(next);
  }

  private dropPending(): void {
    const pending = this.pending;
    this.pending = [];
    // Their key schedules are fresh and were never used; their `consumed` lists are not wiped,
    // as they hold the current epoch's secrets, still needed to process the winner.
    for (const p of pending) Object.values(p.result.newState.keySchedule).forEach(zeroOutUint8Array);
  }

  private async info(state: ClientState): Promise<EpochInfo> {
    const epochSecret = await mlsExporter(
      state.keySchedule.exporterSecret,
      SFRAME_BASE_KEY_LABEL,
      new Uint8Array(0),
      SFRAME_BASE_KEY_LENGTH,
      this.cs,
    );
    return {
      epoch: Number(state.groupContext.epoch),
      epochSecret,
      selfIndex: state.privatePath.leafIndex,
      safetyCode: await safetyCode(state.keySchedule.epochAuthenticator),
      members: membersOf(state.ratchetTree),
    };
  }
}
