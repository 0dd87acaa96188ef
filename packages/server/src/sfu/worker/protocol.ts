import { ConnectionQuality, MediaSource, Mid, PublishedTrack, Sdp } from '@kaigi/protocol';
import { z } from 'zod';

// The messages between the main thread and a media worker (issue 15 item 3). Each side parses
// what it receives at the boundary: anything that is not one of these shapes, or is too large
// (a datagram over the MTU, an SDP over 64 KiB, a list longer than a meeting can be), is dropped
// and counted, never acted on. Requests that need an answer carry an id; the answer repeats it.

/** Datagrams are at most an Ethernet MTU (sfu/net/IceEndpoint.ts MAX_DATAGRAM). */
const MAX_DATAGRAM = 1500;
/** More entries than any meeting has participants (the admission cap is far lower). */
const MAX_LIST = 1000;

const Id = z.string().min(1).max(64);
const ReqId = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const Ip = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/);
const Port = z.number().int().min(1).max(65535);
const Ufrag = z.string().min(1).max(256);
const Datagram = z.custom<Uint8Array>((d) => d instanceof Uint8Array && d.byteLength >= 4 && d.byteLength <= MAX_DATAGRAM, 'datagram size');
const Tile = z.object({ participantId: Id, source: MediaSource, maxHeight: z.number().int().nonnegative().max(10_000) }).strict();

/** A receive transport's track; participant ids are the Room's (checked there), here only bounded. */
const Track = z.object({ mid: Mid, participantId: Id, source: MediaSource, kind: z.enum(['audio', 'video']) }).strict();

const obj = <T extends string, S extends z.ZodRawShape>(t: T, shape: S) => z.object({ t: z.literal(t), ...shape }).strict();

export const ToWorker = z.discriminatedUnion('t', [
  obj('open', { router: Id, backOff: z.boolean() }),
  obj('publish', { id: ReqId, router: Id, pid: Id, sdp: Sdp, tracks: z.array(PublishedTrack).max(3) }),
  obj('subscribeAnswer', { id: ReqId, router: Id, pid: Id, sdp: Sdp }),
  obj('subscribe', { router: Id, pid: Id }),
  obj('resubscribe', { router: Id, pid: Id }),
  obj('prefs', { router: Id, pid: Id, tiles: z.array(Tile).max(MAX_LIST) }),
  obj('pair', { router: Id, pid: Id, partner: Id }),
  obj('unpair', { router: Id, pid: Id }),
  obj('closeProducer', { router: Id, pid: Id, source: MediaSource }),
  obj('closeParticipant', { router: Id, pid: Id }),
  obj('close', { router: Id }),
  /** Someone on the main thread listens to the Router's observer (tests' tap): stream 'forwarded'. */
  obj('observe', { router: Id, on: z.boolean() }),
  obj('datagram', { data: Datagram, ip: Ip, port: Port }),
]);
export type ToWorker = z.infer<typeof ToWorker>;

export const FromWorker = z.discriminatedUnion('t', [
  obj('ready', {}),
  obj('result', { id: ReqId, ok: z.literal(true), value: z.union([z.string().max(64 * 1024), z.boolean()]) }),
  obj('failure', { id: ReqId, code: z.string().max(64).nullable(), message: z.string().max(500) }),
  obj('offer', { router: Id, pid: Id, sdp: Sdp, tracks: z.array(Track).max(MAX_LIST) }),
  obj('changed', { router: Id, publishing: z.array(z.tuple([Id, z.array(MediaSource).max(3)])).max(MAX_LIST) }),
  obj('tick', { router: Id, loudest: Id.nullable(), quality: z.array(z.tuple([Id, ConnectionQuality.nullable()])).max(MAX_LIST) }),
  obj('ufrag', { ufrag: Ufrag, on: z.boolean() }),
  /** One forwarded packet, posted only while the main thread observes (RouterObserver). */
  obj('forwarded', {
    router: Id,
    from: Id,
    to: Id,
    source: MediaSource,
    kind: z.enum(['audio', 'video']),
    seq: z.number().int().min(0).max(65535),
    payload: z.custom<Uint8Array>((d) => d instanceof Uint8Array && d.byteLength <= MAX_DATAGRAM, 'payload size'),
  }),
  obj('tuple', { ip: Ip, port: Port, on: z.boolean() }),
  obj('send', { data: Datagram, ip: Ip, port: Port }),
]);
export type FromWorker = z.infer<typeof FromWorker>;

/** A parsed message, or null (dropped): not a plain object, the wrong shape, too large. */
export function parseToWorker(raw: unknown): ToWorker | null {
  const r = ToWorker.safeParse(raw);
  return r.success ? r.data : null;
}

export function parseFromWorker(raw: unknown): FromWorker | null {
  const r = FromWorker.safeParse(raw);
  return r.success ? r.data : null;
}
