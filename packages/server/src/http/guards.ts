import type { FastifyRequest } from 'fastify';
import { ErrorCode, MeetingId } from '@kaigi/protocol';
import { KaigiError } from '../errors.js';
import type { Services } from '../services.js';
import type { MeetingRecord } from '../storage/MeetingStore.js';
import { currentUser } from './auth.js';

type MeetingRequest = FastifyRequest<{ Params: { id: string } }>;

/** Who proves a seat in a meeting over HTTP: the participant ID and resume token, `ID:TOKEN`. */
export const PARTICIPANT_HEADER = 'x-kaigi-participant';
const SEAT = /^(p_[A-Za-z0-9_-]{22}):([A-Za-z0-9_-]{43})$/;

/** An admitted participant of a live meeting, as the room registry finds one by its resume token. */
export type ParticipantSeat = NonNullable<ReturnType<Services['rooms']['admittedBySecret']>>;

/**
 * The meeting in the path, if the signed-in caller hosts it; otherwise 404 NOT_FOUND whether it
 * exists or not (not 403: nothing leaks about others' meetings, no probing).
 */
export async function ownedMeeting(services: Services, req: MeetingRequest): Promise<MeetingRecord> {
  const user = await currentUser(services, req);
  const id = MeetingId.safeParse(req.params.id);
  const m = id.success ? await services.meetings.get(id.data) : undefined;
  if (!m || m.hostUserId !== user.id) throw new KaigiError(ErrorCode.NOT_FOUND, 'No such meeting.');
  return m;
}

/**
 * The admitted participant behind a request from inside the meeting in the path (A4), proven by
 * the resume token in the x-kaigi-participant header; otherwise 403 NOT_ADMITTED. The registry
 * compares the token's hash in constant time.
 */
export function participantSeat(services: Services, req: MeetingRequest): ParticipantSeat {
  const raw = req.headers[PARTICIPANT_HEADER];
  const m = typeof raw === 'string' ? SEAT.exec(raw) : null;
  const s = m?.[1] && m[2] ? services.rooms.admittedBySecret(req.params.id, m[1], m[2]) : null;
  if (!s) throw new KaigiError(ErrorCode.NOT_ADMITTED, 'Only participants admitted to this meeting can do that.');
  return s;
}
