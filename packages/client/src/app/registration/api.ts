import {
  CSRF_HEADER,
  ErrorResponse,
  MeetingResource,
  RegisterResponse,
  RegistrationList,
  RegistrationResource,
  registrationPaths,
  type RegisterRequest,
} from '@kaigi/protocol';
import { ApiError, api } from '../../api/http';

// Pre-registration (B3): its own small client beside api/http.ts, as the Security page has.

interface Parser<T> {
  safeParse(data: unknown): { success: true; data: T } | { success: false };
}

async function call<T>(method: 'GET' | 'POST', path: string, schema: Parser<T>, body?: unknown, csrf = false): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (csrf) {
    // The session's CSRF token, fresh from the server: this module keeps no copy of its own.
    const token = (await api.session()).csrfToken;
    if (token) headers[CSRF_HEADER] = token;
  }
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', cache: 'no-store', ...(body !== undefined && { body: JSON.stringify(body) }) });
  } catch {
    throw new ApiError(0, 'NETWORK', 'network error');
  }
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const e = ErrorResponse.safeParse(json);
    throw e.success
      ? new ApiError(res.status, e.data.code, e.data.message, e.data.retryAfterMs)
      : new ApiError(res.status, res.status >= 500 ? 'INTERNAL' : 'UNKNOWN', res.statusText);
  }
  const r = schema.safeParse(json);
  if (!r.success) throw new ApiError(res.status, 'UNKNOWN', 'unexpected response');
  return r.data;
}

export const registrationApi = {
  /** The host's own meeting, for its current entry rule and registration mode. */
  meeting: (meetingId: string): Promise<MeetingResource> => call('GET', `/api/meetings/${encodeURIComponent(meetingId)}`, MeetingResource),
  list: async (meetingId: string): Promise<RegistrationResource[]> =>
    (await call('GET', registrationPaths.api(meetingId), RegistrationList)).registrations,
  approve: (meetingId: string, id: string): Promise<RegistrationResource> => call('POST', registrationPaths.approve(meetingId, id), RegistrationResource, undefined, true),
  revoke: (meetingId: string, id: string): Promise<RegistrationResource> => call('POST', registrationPaths.revoke(meetingId, id), RegistrationResource, undefined, true),
  /** The public form: the same answer whatever happened; a link only for 'automatic' meetings. */
  register: (meetingId: string, body: RegisterRequest): Promise<RegisterResponse> => call('POST', registrationPaths.api(meetingId), RegisterResponse, body),
};
