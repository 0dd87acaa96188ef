import type { ClientMessage, ClientMessageType, ServerMessage } from '@kaigi/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { AuditLog } from '../audit/AuditLog.js';
import type { Participant } from '../meeting/Participant.js';
import type { ChatTranscripts } from '../retention/ChatTranscripts.js';
import type { Admission } from '../rooms/Admission.js';
import type { ConnectionContext, Peer } from '../rooms/Peer.js';
import type { Room, SeatHandle } from '../rooms/Room.js';
import type { MeetingStore } from '../storage/MeetingStore.js';
import type { RegistrationStore } from '../storage/RegistrationStore.js';

// The shape of a route and of what its handler sees (the table itself is routes.ts).

export type MessageOf<T extends ClientMessageType> = Extract<ClientMessage, { type: T }>;

/** What the handlers reach besides the room. */
export interface HandlerDeps {
  store: MeetingStore;
  audit: AuditLog;
  registrations: RegistrationStore;
  /** Where chat goes when the host keeps it (never in E2EE meetings). */
  chat: ChatTranscripts | null;
  log: FastifyBaseLogger;
}

/** The connection, as a seated handler sees it. */
export interface Call {
  readonly deps: HandlerDeps;
  /** An answer to this connection only (e.g. `publishAnswer`). */
  reply(msg: ServerMessage): void;
  /** The participant leaves: the connection gives up its seat and takes no more messages. */
  leaving(): void;
  /** Closes the socket normally (after `leave` is answered). */
  hangUp(reason: string): void;
}

/** The connection, as a route outside any meeting sees it. */
export interface Door {
  readonly peer: Peer;
  readonly ctx: ConnectionContext;
  readonly admission: Admission;
  reply(msg: ServerMessage): void;
}

export type Handler<M> = (room: Room, me: Participant, msg: M, call: Call) => Promise<void> | void;

/**
 * Where a message of a seated connection is allowed:
 * - joined: admitted or waiting;
 * - admitted: admitted to the meeting proper;
 * - admittedOrChecked: admitted, or a newcomer still waiting while a verifier checks them (B7).
 */
export type SeatedWhen = 'joined' | 'admitted' | 'admittedOrChecked';

export type Route<M> =
  /** Any connection, joined or not. */
  | { when: 'any'; run: (msg: M, door: Door) => void }
  /** Only a connection not (yet) in a meeting: it gets a seat. */
  | { when: 'outside'; run: (msg: M, door: Door) => Promise<SeatHandle> }
  | {
      when: SeatedWhen;
      /** May exceed the small message limit (SDP, MLS, chat); only a seated connection may send these. */
      large?: true;
      /** The handler sends the answer itself; otherwise the connection answers `ok` once it returns. */
      answersItself?: true;
      run: Handler<M>;
    };

export type RouteTable = { [T in ClientMessageType]: Route<MessageOf<T>> };
