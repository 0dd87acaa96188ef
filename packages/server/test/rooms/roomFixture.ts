// A live room in the test process: real Services (SQLite, audit log, stores) on a temporary data
// folder, a meeting created through the API, and participants that join through Admission with
// a FakePeer as their connection (test/support). Media, where a test needs it, is a werift
// MediaPeer publishing straight to the room's Router.
import type { AuditKind, MediaSource } from '@kaigi/protocol';
import type { Participant } from '../../src/meeting/Participant.js';
import type { Room } from '../../src/rooms/Room.js';
import * as host from '../../src/signaling/handlers/host.js';
import type { Call, HandlerDeps } from '../../src/signaling/Route.js';
import { FakePeer } from '../support/FakePeer.js';
import { MediaPeer } from '../support/mediaPeer.js';
import { answerOffersOf, routerSignalling } from '../support/routerLoopback.js';
import { createMeeting, openTestApp, signedIn, type CreatedMeeting, type TestApp } from '../support/services.js';

export interface Member {
  id: string;
  peer: FakePeer;
  media: MediaPeer | null;
}

export interface RoomFixture {
  t: TestApp;
  /** The meeting as the API created it (its password). */
  meeting: CreatedMeeting;
  room: Room;
  host: Member;
  /** A guest who joins with the password (and, by default, is admitted by the host). */
  guest(name: string, opts?: { admit?: boolean }): Promise<Member>;
  /** The member's werift peer publishes `sources` and receives the others' media. */
  withMedia(m: Member, sources: MediaSource[]): Promise<MediaPeer>;
  /** Runs a host action as the host's connection would. */
  hostCall: Call;
  /** The room's audit entries of these kinds, oldest first. */
  audited(...kinds: AuditKind[]): Promise<{ kind: string; actor: string; data: Record<string, unknown> }[]>;
  close(): Promise<void>;
}

let guests = 0;

export async function openRoom(opts: { e2ee?: boolean; env?: Record<string, string>; level?: 'low' | 'medium' | 'high' } = {}): Promise<RoomFixture> {
  const t = await openTestApp({ KAIGI_LOG_LEVEL: 'silent', ...opts.env });
  const media: MediaPeer[] = [];
  try {
    const browser = await signedIn(t, 'hana');
    const e2ee = opts.e2ee === true;
    const meeting = await createMeeting(browser, 'Lifecycle', { e2ee, ...(opts.level && { level: opts.level }) });
    const { admission } = t.services;
    const hostPeer = new FakePeer('host');
    const seat = await admission.join(hostPeer, { ip: '127.0.0.1', deviceHash: 'device-host', user: { id: browser.userId, username: 'hana' } }, { type: 'join', reqId: 1, meetingId: meeting.id, displayName: 'Hana', e2ee });
    const room = seat.room;
    const deps: HandlerDeps = { store: t.services.meetings, audit: t.services.audit, registrations: t.services.registrations, chat: t.services.chat, log: silentLog };
    const hostCall: Call = { deps, reply: (m) => hostPeer.send(m), leaving: () => undefined, hangUp: () => undefined };
    const hostMember: Member = { id: seat.participantId, peer: hostPeer, media: null };
    const me = (): Participant => {
      const p = room.meeting.get(hostMember.id);
      if (!p) throw new Error('the host is not in the meeting');
      return p;
    };
    return {
      t,
      meeting,
      room,
      host: hostMember,
      hostCall,
      async guest(name, { admit = true } = {}) {
        const peer = new FakePeer(name);
        const n = ++guests;
        const s = await admission.join(peer, { ip: `127.0.${n % 250}.${n % 200 + 2}`, deviceHash: `device-${name}-${n}`, user: null }, { type: 'join', reqId: 1, meetingId: meeting.id, displayName: name, password: meeting.password, e2ee });
        if (admit) await host.admit(room, me(), { type: 'admit', reqId: 2, participantId: s.participantId }, hostCall);
        return { id: s.participantId, peer, media: null };
      },
      async withMedia(m, sources) {
        const peer = new MediaPeer(routerSignalling(room.router, m.id), m.id);
        media.push(peer);
        m.media = peer;
        answerOffersOf(m.peer, peer);
        // An offer made before the listener was attached is answered now.
        const offer = m.peer.all('subscribeOffer').at(-1);
        if (offer) void peer.answerOffer({ sdp: offer.sdp, tracks: offer.tracks }).catch(() => undefined);
        await peer.publish(sources);
        return peer;
      },
      async audited(...kinds) {
        const entries = await t.services.audit.entries({ meetingId: meeting.id });
        return entries.filter((e) => kinds.some((k) => k === e.kind)).map((e) => ({ kind: e.kind, actor: e.actor, data: JSON.parse(e.data) as Record<string, unknown> }));
      },
      async close() {
        await Promise.allSettled(media.map((p) => p.close()));
        await t.close();
      },
    };
  } catch (err) {
    await t.close();
    throw err;
  }
}

/**
 * Records, in one list, the order in which the room's children and the peer are called: each
 * listed method is wrapped so that it writes its label before it runs.
 */
export class CallOrder {
  readonly log: string[] = [];

  spy<T extends object>(obj: T, key: keyof T & string, label: string | ((...args: unknown[]) => string) = key): this {
    const original: unknown = obj[key];
    if (typeof original !== 'function') throw new Error(`${key} is not a method`);
    const log = this.log;
    Object.defineProperty(obj, key, {
      configurable: true,
      writable: true,
      value: function (this: unknown, ...args: unknown[]) {
        log.push(typeof label === 'string' ? label : label(...args));
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      },
    });
    return this;
  }

  /** Notes `label` now (an observer event, a message). */
  mark(label: string): void {
    this.log.push(label);
  }

  /** The first call of each label, in the order they happened, limited to `labels`. */
  firsts(labels: readonly string[]): string[] {
    const seen: string[] = [];
    for (const l of this.log) if (labels.includes(l) && !seen.includes(l)) seen.push(l);
    return seen;
  }
}

const noop = (): void => undefined;
/** Fastify's logger shape, silent. */
const silentLog = { level: 'silent', fatal: noop, error: noop, warn: noop, info: noop, debug: noop, trace: noop, silent: noop, child: () => silentLog } as unknown as HandlerDeps['log'];
