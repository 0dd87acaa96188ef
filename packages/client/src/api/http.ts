import {
  CSRF_HEADER,
  ErrorResponse,
  MeetingList,
  MeetingResource,
  SessionResponse,
  type CreateMeetingRequest,
  type SignInRequest,
} from '@kaigi/protocol';

/** Anything with zod's safeParse shape; keeps this file free of a direct zod import. */
interface Parser<T> {
  safeParse(data: unknown): { success: true; data: T } | { success: false };
}

/** A failed API call: `code` is an ErrorCode from the server, or NETWORK / UNKNOWN. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
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

async function request<T>(
  method: Method,
  path: string,
  schema: Parser<T> | null,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET' && csrfToken) headers[CSRF_HEADER] = csrfToken;
  const init: RequestInit = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }

  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'NETWORK', 'network error');
  }

  if (!res.ok) {
    let parsed: { code: string; message: string; retryAfterMs?: number | undefined } | null = null;
    try {
      const r = ErrorResponse.safeParse(await res.json());
      if (r.success) parsed = r.data;
    } catch {
      // not JSON: fall back to the status code
    }
    if (parsed) throw new ApiError(res.status, parsed.code, parsed.message, parsed.retryAfterMs);
    throw new ApiError(res.status, res.status >= 500 ? 'INTERNAL' : 'UNKNOWN', res.statusText);
  }

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
  async listMeetings(): Promise<MeetingResource[]> {
    return (await request('GET', '/api/meetings', MeetingList)).meetings;
  },
  createMeeting(body: CreateMeetingRequest): Promise<MeetingResource> {
    return request('POST', '/api/meetings', MeetingResource, body);
  },
  async deleteMeeting(id: string): Promise<void> {
    await request('DELETE', `/api/meetings/${encodeURIComponent(id)}`, null);
  },
};
