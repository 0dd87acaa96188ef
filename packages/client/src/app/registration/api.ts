import {
  MeetingResource,
  RegisterResponse,
  RegistrationList,
  RegistrationResource,
  registrationPaths,
  type RegisterRequest,
} from '@kaigi/protocol';
import { api, request, type Parser } from '../../api/http';

// Pre-registration (B3): the host's and the public form's calls.

/** One JSON call through the app's client (api/http.ts); `csrf`: fetch the session's CSRF token afresh first. */
async function call<T>(method: 'GET' | 'POST', path: string, schema: Parser<T>, body?: unknown, csrf = false): Promise<T> {
  if (csrf) await api.session();
  return request(method, path, schema, body);
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
