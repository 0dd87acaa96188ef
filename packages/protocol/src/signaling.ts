import { z } from 'zod';
import { BanId, MeetingId, ParticipantId, ResumeToken } from './ids.js';
import { DisplayName } from './text.js';
import { ErrorCode } from './errors.js';
import { ChatText, GroupStateInfo, KeyPackageRef, MlsBytes, MlsEpoch, Verification } from './e2ee.js';
import { LIMITS } from './limits.js';
import { FileResource } from './meetingData.js';
import { AdmissionCheck, LevelInfo } from './policy.js';
import { ConnectionQuality, MediaPermissions, MediaSource, PublishedTrack, RemoteTrack, Sdp } from './media.js';
import { RegistrationId, RegistrationToken } from './registration.js';

// One WebSocket at /ws per participant. Every client message may carry a reqId; the server's
// `ok` or `error` answer echoes it.
const ReqId = z.number().int().nonnegative().max(2 ** 31).optional();

const msg = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({ type: z.literal(type), reqId: ReqId, ...shape }).strict();

export const JoinMessage = msg('join', {
  meetingId: MeetingId,
  displayName: DisplayName,
  // Absent for the meeting's host, who is recognised by the signed-in session, never by a claim.
  password: z.string().max(256).optional(),
  /** The browser can encrypt media end to end (SFrame in a worker). An E2EE meeting refuses it otherwise. */
  e2ee: z.boolean().optional(),
  /** A registrant's personal join token (#reg= of the link, B3): stands in for the password where registration is on. */
  registration: RegistrationToken.optional(),
});
export const ResumeMessage = msg('resume', {
  meetingId: MeetingId,
  participantId: ParticipantId,
  resumeToken: ResumeToken,
});
export const LeaveMessage = msg('leave', {});
/** `check`: what the admitting host saw and heard of the newcomer; required in High meetings (F1, B7). */
export const AdmitMessage = msg('admit', { participantId: ParticipantId, check: AdmissionCheck.optional() });
export const DenyMessage = msg('deny', { participantId: ParticipantId });
export const AdmitAllMessage = msg('admitAll', {});
export const SendToWaitingMessage = msg('sendToWaiting', { participantId: ParticipantId });
export const RemoveMessage = msg('remove', { participantId: ParticipantId });
export const SetLockedMessage = msg('setLocked', { locked: z.boolean() });
export const LiftBanMessage = msg('liftBan', { banId: BanId });
export const PingMessage = msg('ping', {});

// Media. `publish` carries the complete set of tracks the browser wants to send: the server
// refuses the offer if any of them is not allowed, and forwards nothing from an unlisted mid.
export const PublishMessage = msg('publish', { sdp: Sdp, tracks: z.array(PublishedTrack).max(3) });
export const SubscribeAnswerMessage = msg('subscribeAnswer', { sdp: Sdp });
/** The receive transport failed: the server builds a new one and sends a fresh offer. */
export const ResubscribeMessage = msg('resubscribe', {});
export const SetMediaPermissionsMessage = msg('setMediaPermissions', { permissions: MediaPermissions.partial() });
/** The host stops one participant's source (mute, stop video or sharing). */
export const StopMediaMessage = msg('stopMedia', { participantId: ParticipantId, source: MediaSource });
/** Tile sizes, so the SFU picks the simulcast layer each subscriber needs. */
export const VideoPreferencesMessage = msg('videoPreferences', {
  tiles: z
    .array(z.object({ participantId: ParticipantId, source: MediaSource, maxHeight: z.number().int().min(0).max(4320) }).strict())
    .max(256),
});

// E2EE: the MLS delivery service. Every payload is opaque to the server apart from the
// public MLSMessage framing (wire format, epoch), which it reads to order commits.
/** An admitted member's KeyPackage, so that the group can add it. */
export const MlsKeyPackageMessage = msg('mlsKeyPackage', { keyPackage: MlsBytes });
/** A commit for the current epoch, with the Welcome for those it adds. The first commit per epoch wins. */
export const MlsCommitMessage = msg('mlsCommit', { commit: MlsBytes, welcome: MlsBytes.optional() });
/** "I am at this epoch": after a reconnect, the server resends the commits missed since. */
export const MlsSyncMessage = msg('mlsSync', { epoch: MlsEpoch });
/** The member lost or cannot use its group state; the server removes and re-adds it. */
export const MlsFailedMessage = msg('mlsFailed', { reason: z.string().max(200) });
/** Chat: text in meetings without E2EE, an MLS application message in E2EE meetings; never both. */
export const ChatMessage = msg('chat', {
  text: ChatText.optional(),
  ciphertext: z.string().max(LIMITS.chatCiphertextChars).regex(/^[A-Za-z0-9+/]*={0,2}$/).optional(),
});
/** A host marks a participant verified after comparing the safety code of the current epoch (B7). */
export const VerifyMessage = msg('verify', { participantId: ParticipantId, epoch: MlsEpoch });
/** The host starts or stops server recording (A5); refused in E2EE meetings (D4). */
export const SetRecordingMessage = msg('setRecording', { active: z.boolean() });
/** The host's browser records an E2EE meeting locally: everyone is told (A5, D3). */
export const AnnounceLocalRecordingMessage = msg('announceLocalRecording', { active: z.boolean() });
/** One action against disruption (C3): everyone but hosts muted, video and sharing stopped, all permissions off, meeting locked. */
export const SuspendAllMessage = msg('suspendAll', {});
/** The host makes a participant a co-host, or a co-host a participant again. */
export const SetRoleMessage = msg('setRole', { participantId: ParticipantId, role: z.enum(['cohost', 'verifier', 'participant']) });
/** A verifier (or host) opens a one-to-one check with someone in the waiting room (B7). */
export const StartCheckMessage = msg('startCheck', { participantId: ParticipantId });
/** Ends the check without deciding; admit and deny end it too. */
export const EndCheckMessage = msg('endCheck', { participantId: ParticipantId });
/** An uncompressed P-256 public key (65 bytes), base64: one side's half of a check's key exchange. */
export const CheckPublicKey = z
  .string()
  .length(88)
  .regex(/^B[A-P][A-Za-z0-9+/]{85}=$/, 'an uncompressed P-256 public key, base64');
/**
 * In an E2EE meeting, each side of a check sends its ephemeral ECDH public key once; the server
 * relays it to the other side only. The newcomer holds no MLS key, so the check's media is
 * encrypted with a key the two derive from this exchange (B7, A4).
 */
export const CheckKeyMessage = msg('checkKey', { publicKey: CheckPublicKey });

export const ClientMessage = z.discriminatedUnion('type', [
  JoinMessage,
  ResumeMessage,
  LeaveMessage,
  AdmitMessage,
  DenyMessage,
  AdmitAllMessage,
  SendToWaitingMessage,
  RemoveMessage,
  SetLockedMessage,
  LiftBanMessage,
  PingMessage,
  PublishMessage,
  SubscribeAnswerMessage,
  ResubscribeMessage,
  SetMediaPermissionsMessage,
  StopMediaMessage,
  VideoPreferencesMessage,
  MlsKeyPackageMessage,
  MlsCommitMessage,
  MlsSyncMessage,
  MlsFailedMessage,
  ChatMessage,
  VerifyMessage,
  SetRecordingMessage,
  AnnounceLocalRecordingMessage,
  SuspendAllMessage,
  SetRoleMessage,
  StartCheckMessage,
  EndCheckMessage,
  CheckKeyMessage,
]);
export type ClientMessage = z.infer<typeof ClientMessage>;
export type ClientMessageType = ClientMessage['type'];

/** Messages that act on the meeting or on another participant: the server's permission table decides who may. */
export const HOST_ACTIONS = [
  'admit',
  'deny',
  'admitAll',
  'sendToWaiting',
  'remove',
  'setLocked',
  'liftBan',
  'setMediaPermissions',
  'stopMedia',
  'verify',
  'setRecording',
  'announceLocalRecording',
  'suspendAll',
  'setRole',
  'startCheck',
  'endCheck',
] as const satisfies readonly ClientMessageType[];
export type HostActionType = (typeof HOST_ACTIONS)[number];
export type HostActionMessage = Extract<ClientMessage, { type: HostActionType }>;

// ---- server to client -------------------------------------------------------------------

/** 'cohost': every host action but making co-hosts; hosts and co-hosts are both "hosts" to the meeting's rules. */
/** 'verifier': checks newcomers one to one and admits or denies them, nothing else (B7). */
export const Role = z.enum(['host', 'cohost', 'verifier', 'participant']);
export type Role = z.infer<typeof Role>;

/** How a person entered (B6): guest with the password, registrant with a personal link, signed-in member, member signed in with two factors. */
export const EntryKind = z.enum(['guest', 'registrant', 'member', 'member2fa']);
export type EntryKind = z.infer<typeof EntryKind>;

export const ParticipantInfo = z.object({
  id: ParticipantId,
  displayName: z.string(),
  role: Role,
  entry: EntryKind,
  /** The registration whose personal link this person used (B3). */
  registrationId: RegistrationId.nullable().optional(),
  joinedAt: z.number(),
  /** In an E2EE meeting: who compared the safety code with this person, and in which epoch. */
  verification: Verification.nullable(),
  /** What was checked before admission, by whom (F1 High, B7). */
  admissionCheck: z
    .object({ by: z.string(), byName: z.string(), at: z.number(), face: z.boolean(), voice: z.boolean(), name: z.boolean() })
    .nullable(),
});
export type ParticipantInfo = z.infer<typeof ParticipantInfo>;

export const WaitingEntry = z.object({
  id: ParticipantId,
  displayName: z.string(),
  entry: EntryKind,
  /** The registration whose personal link this person used (B3). */
  registrationId: RegistrationId.nullable().optional(),
  arrivedAt: z.number(),
});
export type WaitingEntry = z.infer<typeof WaitingEntry>;

export const BanInfo = z.object({
  id: BanId,
  displayName: z.string(),
  createdAt: z.number(),
});
export type BanInfo = z.infer<typeof BanInfo>;

export const MeetingSummary = z.object({
  id: MeetingId,
  title: z.string(),
  locked: z.boolean(),
  /** What participants may publish (C1, C2); hosts may always. */
  mediaPermissions: MediaPermissions,
  /** End-to-end encrypted: the server cannot decrypt media or chat (D3). */
  e2ee: z.boolean(),
  /** Chat is kept this many seconds after the meeting ends, by the host's choice; 0: never written (E4). */
  chatRetentionSeconds: z.number().int().nonnegative(),
  /** The confidentiality level and what it allows, shown to everyone (F1). */
  level: LevelInfo,
  /** Everyone but hosts enters muted with the camera off (C1). */
  muteOnEntry: z.boolean(),
});
export type MeetingSummary = z.infer<typeof MeetingSummary>;

export const ServerMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('joined'),
    reqId: ReqId,
    participantId: ParticipantId,
    resumeToken: ResumeToken,
    role: Role,
    state: z.enum(['waiting', 'admitted']),
  }),
  z.object({ type: z.literal('waiting'), hostPresent: z.boolean() }),
  z.object({
    type: z.literal('admitted'),
    meeting: MeetingSummary,
    self: ParticipantInfo,
  }),
  z.object({ type: z.literal('roster'), participants: z.array(ParticipantInfo) }),
  z.object({ type: z.literal('waitingRoom'), entries: z.array(WaitingEntry) }),
  z.object({ type: z.literal('bans'), bans: z.array(BanInfo) }),
  z.object({ type: z.literal('meetingState'), meeting: MeetingSummary }),
  z.object({ type: z.literal('sentToWaiting') }),
  z.object({
    type: z.literal('ended'),
    code: z.enum([
      ErrorCode.DENIED,
      ErrorCode.REMOVED,
      ErrorCode.MEETING_ENDED,
      ErrorCode.REPLACED,
    ]),
    message: z.string(),
  }),
  z.object({ type: z.literal('ok'), reqId: ReqId }),
  z.object({
    type: z.literal('error'),
    reqId: ReqId,
    code: z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    retryAfterMs: z.number().optional(),
  }),
  z.object({ type: z.literal('pong'), reqId: ReqId }),
  z.object({ type: z.literal('publishAnswer'), reqId: ReqId, sdp: Sdp }),
  z.object({ type: z.literal('subscribeOffer'), sdp: Sdp, tracks: z.array(RemoteTrack) }),
  /** The server stopped one of your sources (permission withdrawn or the host stopped it). */
  z.object({ type: z.literal('mediaStopped'), source: MediaSource, reason: z.enum(['permission', 'host']) }),
  /**
   * The SFU lost this participant's media transports (the media worker hosting the meeting was
   * replaced, issue 15 item 3): publish again on a new connection now; a fresh subscribeOffer follows.
   */
  z.object({ type: z.literal('mediaRestart') }),
  /** Who publishes what, for every admitted participant. */
  z.object({
    type: z.literal('mediaState'),
    participants: z.array(z.object({ id: ParticipantId, sources: z.array(MediaSource) })),
  }),
  z.object({ type: z.literal('activeSpeaker'), participantId: ParticipantId.nullable() }),
  // E2EE delivery service to members.
  /** You are the first member: create the MLS group with this group ID (epoch 0). */
  z.object({ type: z.literal('mlsCreate'), groupId: MlsBytes }),
  /** Commit these changes for `epoch` (adds, removes, or a key update when both are empty). */
  z.object({
    type: z.literal('mlsCommitRequest'),
    epoch: MlsEpoch,
    adds: z.array(KeyPackageRef),
    removes: z.array(ParticipantId),
  }),
  /** The accepted commit for `epoch`; applying it moves the group to epoch + 1. */
  z.object({ type: z.literal('mlsCommit'), epoch: MlsEpoch, commit: MlsBytes, from: ParticipantId }),
  /** You were added: join the group from this Welcome (it carries the ratchet tree). */
  z.object({ type: z.literal('mlsWelcome'), epoch: MlsEpoch, welcome: MlsBytes }),
  /** Your commit for `epoch` was not accepted (another came first, or it was stale). */
  z.object({ type: z.literal('mlsRejected'), epoch: MlsEpoch, reason: z.string() }),
  /** Your group state cannot be brought up to date: send a fresh KeyPackage. */
  z.object({ type: z.literal('mlsRejoin') }),
  /** Group epoch and members as the delivery service sees them. */
  z.object({ type: z.literal('groupState'), group: GroupStateInfo }),
  /** A chat message, in the order the server received them (seq). */
  z.object({
    type: z.literal('chat'),
    seq: z.number().int().nonnegative(),
    from: ParticipantId,
    fromName: z.string(),
    at: z.number(),
    text: z.string().optional(),
    ciphertext: z.string().optional(),
  }),
  /** The files shared in the meeting (A4). */
  z.object({ type: z.literal('files'), files: z.array(FileResource) }),
  /** Whether the meeting is being recorded, how and by whom: everyone sees it (A5). */
  z.object({
    type: z.literal('recording'),
    active: z.boolean(),
    mode: z.enum(['server', 'local']).nullable(),
    by: z.string().nullable(),
    since: z.number().nullable(),
  }),
  /** A one-to-one check opened (B7): sent to the newcomer and to the verifier only. */
  /** `e2ee`: the check's media must be encrypted with keys of its own (checkKey) before any is sent. */
  z.object({ type: z.literal('checkStarted'), participantId: ParticipantId, byId: ParticipantId, by: z.string(), e2ee: z.boolean() }),
  /** The other side's half of the check's key exchange (E2EE meetings). */
  z.object({ type: z.literal('checkKey'), participantId: ParticipantId, from: ParticipantId, publicKey: CheckPublicKey }),
  /** The check with this newcomer ended (ended, admitted, denied or gone); the newcomer's media stopped. */
  z.object({ type: z.literal('checkEnded'), participantId: ParticipantId }),
  /** To hosts: a personal link (B3) is in use from two places at once; these participants hold it. */
  z.object({ type: z.literal('registrationAlert'), registrationId: RegistrationId, name: z.string(), participantIds: z.array(ParticipantId) }),
  z.object({
    type: z.literal('connectionQuality'),
    participants: z.array(z.object({ id: ParticipantId, quality: ConnectionQuality })),
  }),
  /** To those who admit people (B2): the waiting room is at its cap and newcomers are turned away. */
  z.object({ type: z.literal('waitingRoomFull'), cap: z.number().int().positive(), refused: z.number().int().positive() }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
export type ServerMessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

/** WebSocket close codes Kaigi uses beyond the standard ones. */
export const CloseCode = {
  ENDED: 4000,
  POLICY: 1008,
  TOO_BIG: 1009,
} as const;
