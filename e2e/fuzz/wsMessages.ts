import fc from 'fast-check';
import { ClientMessage } from '@kaigi/protocol';
import { base64Of, deepNesting, edgeNumber, hostileString, hostileValue, hugeString, randomId } from './values.js';

// Generators of signalling frames (B1, H4): every ClientMessage type of
// packages/protocol/src/signaling.ts with valid shapes and hostile values, then mutated at the
// frame level. IDs are symbolic (Ref) so that, at send time, they name what really exists
// (meetings, participants, resume tokens, bans the run has seen) or something that does not.

/** A placeholder resolved at send time against what the run has learned. */
export class Ref {
  constructor(
    readonly kind: 'meeting' | 'password' | 'participant' | 'ban' | 'resumeToken',
    readonly index: number,
  ) {}
}

const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz';
const ref = (kind: Ref['kind']) => fc.nat().map((i) => new Ref(kind, i));
const meetingId = fc.oneof({ weight: 4, arbitrary: ref('meeting') }, { weight: 1, arbitrary: randomId('', 16, BASE32) });
const participantId = fc.oneof({ weight: 4, arbitrary: ref('participant') }, { weight: 1, arbitrary: randomId('p_', 22) });
const token43 = randomId('', 43);
const source = fc.constantFrom('microphone', 'camera', 'screen');
const bool = fc.boolean();
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });

const SDP_LINES = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'a=msid-semantic: WMS',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:Ab3d',
  'a=ice-pwd:0123456789abcdefghijklmn',
  'a=fingerprint:sha-256 6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CC:87:32:BE:DD:8C:66:A5:8E:50:55:EA:4C:D3:B8:97:9C:A0:33:C1',
  'a=setup:actpass',
  'a=mid:0',
  'a=sendonly',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=ssrc:1001 cname:x',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'a=mid:1',
  'a=rtpmap:96 VP8/90000',
  'a=rid:q send',
  'a=simulcast:send q;h;f',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid',
  'a=candidate:1 1 udp 2122260223 127.0.0.1 9 typ host',
];

/** SDP that looks right and is wrong in some way: lines dropped, doubled, bent or replaced. */
const sdp: fc.Arbitrary<string> = fc.oneof(
  fc
    .array(
      fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...SDP_LINES) },
        { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...SDP_LINES), edgeNumber).map(([l, n]) => l.replace(/\d+/, String(n))) },
        { weight: 1, arbitrary: hostileString(200) },
        { weight: 1, arbitrary: fc.constantFrom('m=', 'a=', 'a=rtpmap:', 'a=ssrc-group:FID', 'a=rid:', 'a=simulcast:', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel') },
      ),
      { minLength: 1, maxLength: 40 },
    )
    .map((lines) => `${lines.join('\r\n')}\r\n`),
  fc.constant(`${SDP_LINES.join('\r\n')}\r\n`),
  hostileString(400),
);

const publicKey = fc.oneof(
  fc.uint8Array({ minLength: 64, maxLength: 64 }).map((b) => Buffer.concat([Buffer.from([4]), b]).toString('base64')),
  randomId('B', 87),
);

type Shape = Record<string, fc.Arbitrary<unknown>>;
const SHAPES: Record<ClientMessage['type'], Shape> = {
  join: {
    meetingId,
    displayName: hostileString(80),
    password: opt(fc.oneof({ weight: 3, arbitrary: ref('password') }, { weight: 1, arbitrary: hostileString(300) })),
    e2ee: opt(bool),
    registration: opt(token43),
  },
  resume: { meetingId, participantId, resumeToken: fc.oneof(ref('resumeToken'), token43) },
  leave: {},
  admit: { participantId, check: opt(fc.record({ face: bool, voice: bool, name: bool })) },
  deny: { participantId },
  admitAll: {},
  sendToWaiting: { participantId },
  remove: { participantId },
  setLocked: { locked: bool },
  liftBan: { banId: fc.oneof(ref('ban'), randomId('b_', 22)) },
  ping: {},
  publish: { sdp, tracks: fc.array(fc.record({ mid: fc.oneof(fc.constantFrom('0', '1', '2'), hostileString(20)), source }), { maxLength: 4 }) },
  subscribeAnswer: { sdp },
  resubscribe: {},
  setMediaPermissions: {
    permissions: fc.record({ microphone: bool, camera: bool, screen: bool, chat: bool, files: bool }, { requiredKeys: [] }),
  },
  stopMedia: { participantId, source },
  videoPreferences: {
    tiles: fc.array(fc.record({ participantId, source, maxHeight: fc.oneof(fc.integer({ min: 0, max: 4320 }), edgeNumber) }), { maxLength: 20 }),
  },
  mlsKeyPackage: { keyPackage: base64Of(600) },
  mlsCommit: { commit: base64Of(600), welcome: opt(base64Of(600)) },
  mlsSync: { epoch: fc.oneof(fc.nat({ max: 5 }), edgeNumber) },
  mlsFailed: { reason: hostileString(220) },
  chat: { text: opt(hostileString(4100)), ciphertext: opt(base64Of(300)) },
  verify: { participantId, epoch: fc.oneof(fc.nat({ max: 5 }), edgeNumber) },
  setRecording: { active: bool },
  announceLocalRecording: { active: bool },
  suspendAll: {},
  setRole: { participantId, role: fc.oneof(fc.constantFrom('cohost', 'verifier', 'participant', 'host'), hostileString(20)) },
  startCheck: { participantId },
  endCheck: { participantId },
  checkKey: { publicKey },
};

export const MESSAGE_TYPES = Object.keys(SHAPES) as ClientMessage['type'][];

/** A message of one type, right shape, values hostile within (and sometimes beyond) the schema. */
export function messageOf(type: ClientMessage['type']): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(SHAPES[type]).map((fields) => {
    const m: Record<string, unknown> = { type };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) m[k] = v;
    return m;
  });
}

/** What is done to a message before it goes out: kept, bent in one field, or broken as a frame. */
export type Mutation =
  | { kind: 'none' }
  | { kind: 'drop'; pick: number }
  | { kind: 'set'; pick: number; value: unknown }
  | { kind: 'extra'; key: string; value: unknown }
  | { kind: 'type'; value: unknown }
  | { kind: 'reqId'; value: unknown }
  | { kind: 'truncate'; at: number }
  | { kind: 'wrap'; how: 'array' | 'string' | 'nested' }
  | { kind: 'raw'; text: string }
  | { kind: 'binary'; bytes: Uint8Array }
  | { kind: 'duplicateType'; value: string };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 2, arbitrary: fc.nat().map((pick) => ({ kind: 'drop' as const, pick })) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), pick: fc.nat(), value: hostileValue }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('set' as const), pick: fc.nat(), value: hugeString }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('extra' as const), key: hostileString(30), value: hostileValue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('type' as const), value: fc.oneof(hostileString(30), hostileValue) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reqId' as const), value: fc.oneof(edgeNumber, hostileValue) }) },
  { weight: 2, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }).map((at) => ({ kind: 'truncate' as const, at })) },
  { weight: 1, arbitrary: fc.constantFrom('array', 'string', 'nested').map((how) => ({ kind: 'wrap' as const, how })) },
  { weight: 1, arbitrary: fc.oneof(hostileString(500), deepNesting.map((v) => JSON.stringify(v))).map((text) => ({ kind: 'raw' as const, text })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ kind: 'binary' as const, bytes })) },
  { weight: 1, arbitrary: fc.constantFrom(...MESSAGE_TYPES).map((value) => ({ kind: 'duplicateType' as const, value })) },
);

/** One frame to send: a message of any type, and what is done to it. */
export interface FrameSpec {
  message: Record<string, unknown>;
  mutation: Mutation;
}

// Joins and resumes with valid shapes cost the server a password hash each (argon2, by design):
// they come less often, so that the run spends its time on every other handler too.
export const anyMessage = fc
  .oneof(...MESSAGE_TYPES.map((t) => ({ weight: t === 'join' || t === 'resume' ? 1 : 10, arbitrary: fc.constant(t) })))
  .chain(messageOf);
export const frameSpec: fc.Arbitrary<FrameSpec> = fc.record({ message: anyMessage, mutation });

/** Applies a mutation to a message whose Refs are resolved; the result goes on the wire as is. */
export function applyMutation(m: Record<string, unknown>, mut: Mutation): string | Buffer {
  const keys = Object.keys(m);
  const pickKey = (n: number) => keys[n % keys.length] ?? 'type';
  switch (mut.kind) {
    case 'none':
      return JSON.stringify(m);
    case 'drop': {
      const copy = { ...m };
      delete copy[pickKey(mut.pick)];
      return JSON.stringify(copy);
    }
    case 'set':
      return JSON.stringify({ ...m, [pickKey(mut.pick)]: mut.value });
    case 'extra':
      return JSON.stringify({ ...m, [mut.key]: mut.value });
    case 'type':
      return JSON.stringify({ ...m, type: mut.value });
    case 'reqId':
      return JSON.stringify({ ...m, reqId: mut.value });
    case 'truncate': {
      const s = JSON.stringify(m);
      return s.slice(0, Math.floor(s.length * mut.at));
    }
    case 'wrap':
      return mut.how === 'array' ? JSON.stringify([m]) : mut.how === 'string' ? JSON.stringify(JSON.stringify(m)) : JSON.stringify({ message: m });
    case 'raw':
      return mut.text;
    case 'binary':
      return Buffer.from(mut.bytes);
    case 'duplicateType':
      // JSON.parse keeps the last of duplicate keys: a validator and a handler must agree on which.
      return `{"type":${JSON.stringify(mut.value)},${JSON.stringify(m).slice(1)}`;
  }
}
