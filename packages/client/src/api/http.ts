import {
  CSRF_HEADER,
  DataMap,
  ErrorResponse,
  FileResource,
  isErrorCode,
  MeetingList,
  MeetingResource,
  OrganisationPolicy,
  RecordingKeys,
  RecordingUpload,
  SessionResponse,
  type CreateMeetingRequest,
  type ErrorCode,
  type ObjectProtection,
  type SignInRequest,
  type UpdateMeetingRequest,
} from '@kaigi/protocol';

/** Anything with zod's safeParse shape; keeps this file free of a direct zod import. */
export interface Parser<T> {
  safeParse(data: unknown): { success: true; data: T } | { success: false };
}

/** What an API call failed with: a code the server sent, or the client's own NETWORK / UNKNOWN. */
export type ApiErrorCode = ErrorCode | 'NETWORK' | 'UNKNOWN';

/** A failed API call: `code` is an ErrorCode from the server, or NETWORK / UNKNOWN. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

// The CSRF token the server handed out with the session; echoed on every state-changing call.
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * The ApiError of a failed response's body: the server's code when it sent an error body with a
 * code this client knows (a newer server may send others: UNKNOWN), else one from the status.
 */
export function apiErrorOf(res: Response, body: unknown): ApiError {
  const r = ErrorResponse.safeParse(body);
  if (r.success) return new ApiError(res.status, isErrorCode(r.data.code) ? r.data.code : 'UNKNOWN', r.data.message, r.data.retryAfterMs);
  return new ApiError(res.status, res.status >= 500 ? 'INTERNAL' : 'UNKNOWN', res.statusText);
}

/** Turns a failed response into an ApiError with the server's code when it sent one. */
async function failure(res: Response): Promise<ApiError> {
  // Not JSON: the status decides.
  return apiErrorOf(res, await res.json().catch(() => null));
}

interface SendOptions {
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as application/octet-stream. */
  bytes?: Uint8Array<ArrayBuffer> | Blob;
  headers?: Record<string, string>;
  accept?: string;
}

/** One call; resolves with the successful response, throws ApiError otherwise. */
async function send(method: Method, path: string, opts: SendOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: opts.accept ?? 'application/json', ...opts.headers };
  if (method !== 'GET' && csrfToken) headers[CSRF_HEADER] = csrfToken;
  const init: RequestInit = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(opts.json);
  } else if (opts.bytes !== undefined) {
    headers['content-type'] = 'application/octet-stream';
    init.body = opts.bytes;
  }

  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'NETWORK', 'network error');
  }
  if (!res.ok) throw await failure(res);
  return res;
}

/** A JSON call checked against `schema` (null: no body expected); throws ApiError. */
export async function request<T>(
  method: Method,
  path: string,
  schema: Parser<T> | null,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<T> {
  const res = await send(method, path, { json: body, ...(headers && { headers }) });
  if (schema === null || res.status === 204) return undefined as T;
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    throw new ApiError(res.status, 'UNKNOWN', 'response is not JSON');
  }
  const r = schema.safeParse(json);
  if (!r.success) throw new ApiError(res.status, 'UNKNOWN', 'unexpected response');
  return r.data;
}

/** The response body as bytes. */
async function bytesOf(res: Response): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return new Uint8Array(await res.arrayBuffer());
  } catch {
    throw new ApiError(0, 'NETWORK', 'the download was cut off');
  }
}

/** Any JSON answer; callers check what they need. */
const AnyJson: Parser<unknown> = { safeParse: (data) => ({ success: true, data }) };

/**
 * The place in a meeting that requests from inside it prove (x-kaigi-participant): the
 * participant ID and resume token this tab holds. Never logged.
 */
export interface Seat {
  participantId: string;
  resumeToken: string;
}

const PARTICIPANT_HEADER = 'x-kaigi-participant';
const seatHeader = (seat: Seat) => ({ [PARTICIPANT_HEADER]: `${seat.participantId}:${seat.resumeToken}` });
const meetingPath = (id: string) => `/api/meetings/${encodeURIComponent(id)}`;

export const api = {
  async session(): Promise<SessionResponse> {
    const s = await request('GET', '/api/auth/session', SessionResponse);
    setCsrfToken(s.csrfToken);
    return s;
  },
  async signIn(body: SignInRequest): Promise<SessionResponse> {
    const s = await request('POST', '/api/auth/signin', SessionResponse, body);
    setCsrfToken(s.csrfToken);
    return s;
  },
  async signOut(): Promise<void> {
    await request('POST', '/api/auth/signout', null);
  },
  /** The organisation's policy: which levels hosts may choose, and the default (F2). */
  organisationPolicy(): Promise<OrganisationPolicy> {
    return request('GET', '/api/organisation/policy', OrganisationPolicy);
  },
  async listMeetings(): Promise<MeetingResource[]> {
    return (await request('GET', '/api/meetings', MeetingList)).meetings;
  },
  createMeeting(body: CreateMeetingRequest): Promise<MeetingResource> {
    return request('POST', '/api/meetings', MeetingResource, body);
  },
  /** Changes a meeting (e.g. raises its confidentiality level while it runs: never lowers it). */
  updateMeeting(id: string, body: UpdateMeetingRequest): Promise<MeetingResource> {
    return request('PATCH', meetingPath(id), MeetingResource, body);
  },
  async deleteMeeting(id: string): Promise<void> {
    await request('DELETE', meetingPath(id), null);
  },

  // ---- meeting data, from inside the meeting (A4) ----------------------------------------
  async listFiles(meetingId: string, seat: Seat): Promise<FileResource[]> {
    const files = await request('GET', `${meetingPath(meetingId)}/files`, AnyJson, undefined, seatHeader(seat));
    const r = FileResource.array().safeParse(typeof files === 'object' && files !== null ? (files as Record<string, unknown>).files : null);
    if (!r.success) throw new ApiError(200, 'UNKNOWN', 'unexpected response');
    return r.data;
  },
  async uploadFile(
    meetingId: string,
    seat: Seat,
    file: { name: string | null; bytes: Uint8Array<ArrayBuffer>; protection: ObjectProtection },
  ): Promise<FileResource> {
    // An E2EE file's name is sealed inside its bytes: no name header goes to the server (D2).
    const named: Record<string, string> = file.name === null ? {} : { 'x-kaigi-file-name': encodeURIComponent(file.name) };
    const res = await send('POST', `${meetingPath(meetingId)}/files`, {
      bytes: file.bytes,
      headers: { ...seatHeader(seat), ...named, 'x-kaigi-protection': file.protection },
    });
    const r = FileResource.safeParse(await res.json().catch(() => null));
    if (!r.success) throw new ApiError(res.status, 'UNKNOWN', 'unexpected response');
    return r.data;
  },
  async downloadFile(meetingId: string, seat: Seat, fileId: string): Promise<Uint8Array<ArrayBuffer>> {
    const res = await send('GET', `${meetingPath(meetingId)}/files/${encodeURIComponent(fileId)}`, {
      headers: seatHeader(seat),
      accept: 'application/octet-stream',
    });
    return bytesOf(res);
  },

  // ---- meeting data, for the signed-in host (E1, E3, E5) ---------------------------------
  dataMap(meetingId: string): Promise<DataMap> {
    return request('GET', `${meetingPath(meetingId)}/data-map`, DataMap);
  },
  async downloadObject(meetingId: string, objectId: string): Promise<Uint8Array<ArrayBuffer>> {
    const res = await send('GET', `${meetingPath(meetingId)}/objects/${encodeURIComponent(objectId)}`, { accept: 'application/octet-stream' });
    return bytesOf(res);
  },
  /** Destroys an object; resolves once the server has issued its deletion certificate. */
  async deleteObject(meetingId: string, objectId: string): Promise<void> {
    const cert = await request('DELETE', `${meetingPath(meetingId)}/objects/${encodeURIComponent(objectId)}`, AnyJson);
    if (typeof cert !== 'object' || cert === null || (cert as { objectId?: unknown }).objectId !== objectId) {
      throw new ApiError(200, 'UNKNOWN', 'no deletion certificate');
    }
  },
  /** The signed deletion certificate, byte for byte as the server keeps it. */
  async certificate(meetingId: string, objectId: string): Promise<Uint8Array<ArrayBuffer>> {
    return bytesOf(await send('GET', `${meetingPath(meetingId)}/certificates/${encodeURIComponent(objectId)}`));
  },
  /** The keys a browser recording must be encrypted to besides the host's (escrow). */
  recordingKeys(meetingId: string): Promise<RecordingKeys> {
    return request('GET', `${meetingPath(meetingId)}/recording-keys`, RecordingKeys);
  },
  /** One part of a recording made in this browser, already encrypted (a recording envelope). */
  async uploadRecording(meetingId: string, envelope: Blob): Promise<RecordingUpload> {
    const res = await send('POST', `${meetingPath(meetingId)}/recordings`, { bytes: envelope });
    const r = RecordingUpload.safeParse(await res.json().catch(() => null));
    if (!r.success) throw new ApiError(res.status, 'UNKNOWN', 'unexpected response');
    return r.data;
  },
  /** The meeting's data as one archive encrypted with the passphrase. */
  async exportMeeting(meetingId: string, passphrase: string): Promise<Uint8Array<ArrayBuffer>> {
    const res = await send('POST', `${meetingPath(meetingId)}/export`, { json: { passphrase }, accept: 'application/octet-stream' });
    return bytesOf(res);
  },
};
