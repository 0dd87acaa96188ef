import { z } from 'zod';
import {
  CreateMeetingRequest,
  ErrorResponse,
  MeetingList,
  MeetingResource,
  SessionResponse,
  SignInRequest,
  UpdateMeetingRequest,
  SecondFactorCodeRequest,
  WebAuthnOptionsRequest,
  WebAuthnSignInRequest,
  twoFactorPaths,
  AuthProviders,
  ssoPaths,
  DataMap,
  ExportRequest,
  FileResource,
  Invitation,
  OrganisationPolicy,
  RecordingKeys,
  RecordingUpload,
  RegisterRequest,
  RegisterResponse,
  RegistrationList,
  RegistrationResource,
  SecurityReport,
} from '@kaigi/protocol';

// The OpenAPI document is generated from the same zod schemas that validate requests, so the
// two cannot drift apart.
const schema = (s: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(s, { io, unrepresentable: 'any' });
const json = (s: z.ZodType, io: 'input' | 'output' = 'output') => ({ content: { 'application/json': { schema: schema(s, io) } } });
const error = (description: string) => ({ description, ...json(ErrorResponse) });

/** What an upload can be refused with on its headers alone, before its body is read (H4, E1). */
const uploadRefusals = {
  411: error('LENGTH_REQUIRED: no Content-Length (chunked bodies are refused)'),
  413: error('MESSAGE_TOO_LARGE: larger than the limit'),
  415: error('UNSUPPORTED_MEDIA_TYPE: not application/octet-stream'),
  507: error('QUOTA_EXCEEDED: the meeting’s or the participant’s storage quota would be passed'),
};
const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-hjkmnp-tv-z]{16}$' } }];
const auth = [{ cookieSession: [] }, { bearerToken: [] }];

export function openApiDocument(serverUrl: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Kaigi API',
      version: '0.1.0',
      description:
        'Meetings API of Kaigi. Cookie-authenticated state-changing requests must send the x-csrf-token header with the token from /api/auth/session or /api/auth/signin.',
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: {
        cookieSession: { type: 'apiKey', in: 'cookie', name: '__Host-kaigi_session' },
        bearerToken: { type: 'http', scheme: 'bearer', description: 'An API token from `kaigi token create`.' },
      },
    },
    paths: {
      '/api/auth/session': {
        get: { summary: 'Who is signed in, and the CSRF token', responses: { 200: { description: 'Session', ...json(SessionResponse) } } },
      },
      '/api/auth/signin': {
        post: {
          summary: 'Sign in with username and password',
          requestBody: { required: true, ...json(SignInRequest, 'input') },
          responses: {
            200: { description: 'Signed in; sets the session cookie', ...json(SessionResponse) },
            400: error('Invalid body'),
            401: error('Wrong username or password'),
            429: error('Too many attempts'),
          },
        },
      },
      // The second step of signing in (B5), after a 200 from /api/auth/signin that carries secondFactor.
      ...Object.fromEntries(
        (
          [
            [twoFactorPaths.signInTotp, 'Finish signing in with a TOTP code (RFC 6238)', SecondFactorCodeRequest],
            [twoFactorPaths.signInRecovery, 'Finish signing in with a recovery code (each works once)', SecondFactorCodeRequest],
            [twoFactorPaths.signInWebAuthn, 'Finish signing in with a passkey (a WebAuthn assertion)', WebAuthnSignInRequest],
          ] as const
        ).map(([path, summary, body]) => [
          path,
          {
            post: {
              summary,
              requestBody: { required: true, ...json(body, 'input') },
              responses: {
                200: { description: 'Signed in with two factors; sets the session cookie', ...json(SessionResponse) },
                400: error('Invalid body'),
                401: error('Wrong second factor, or the ticket expired or was used'),
                429: error('Too many attempts'),
              },
            },
          },
        ]),
      ),
      [twoFactorPaths.signInWebAuthnOptions]: {
        post: {
          summary: 'WebAuthn request options for a sign-in ticket',
          requestBody: { required: true, ...json(WebAuthnOptionsRequest, 'input') },
          responses: { 200: { description: 'PublicKeyCredentialRequestOptionsJSON' }, 401: error('The ticket expired or was used') },
        },
      },
      // Single sign-on (B5): start and callback are browser navigations that answer with redirects.
      [ssoPaths.providers]: {
        get: { summary: 'Single sign-on providers for the sign-in page (empty when none is configured)', responses: { 200: { description: 'Providers', ...json(AuthProviders) } } },
      },
      [ssoPaths.oidcStart]: {
        get: {
          summary: 'Start single sign-on: redirects the browser to the OpenID Connect provider (code + PKCE, state, nonce)',
          parameters: [
            {
              name: 'next',
              in: 'query',
              required: false,
              description: 'A same-origin path to return to after signing in (e.g. a join link); anything else is ignored',
              schema: { type: 'string', maxLength: 512 },
            },
          ],
          responses: {
            302: { description: 'To the provider, or to /signin?error=sso_unavailable or sso_rate_limited' },
            404: error('Single sign-on is not configured'),
          },
        },
      },
      [ssoPaths.oidcCallback]: {
        get: {
          summary: "The provider's redirect back: finishes single sign-on and sets the session cookie",
          responses: { 302: { description: 'To / when signed in, else to /signin?error=sso_state|sso_refused|sso_cancelled|sso_domain|sso_disabled|sso_unavailable' } },
        },
      },
      '/api/auth/signout': {
        post: { summary: 'Sign out', security: auth, responses: { 204: { description: 'Signed out' }, 401: error('Not signed in') } },
      },
      '/api/meetings': {
        get: { summary: "The caller's meetings", security: auth, responses: { 200: { description: 'Meetings', ...json(MeetingList) }, 401: error('Not signed in') } },
        post: {
          summary: 'Create a meeting (a random password is generated unless one is given)',
          security: auth,
          requestBody: { required: true, ...json(CreateMeetingRequest, 'input') },
          responses: {
            201: { description: 'Created', ...json(MeetingResource) },
            400: error('Invalid body'),
            401: error('Not signed in'),
            403: error('Missing CSRF token, or the policy requires hosts to sign in with a second factor'),
          },
        },
      },
      '/api/meetings/{id}': {
        parameters: idParam,
        get: { summary: 'Read a meeting', security: auth, responses: { 200: { description: 'Meeting', ...json(MeetingResource) }, 404: error('No such meeting') } },
        patch: {
          summary: 'Change title, password, lock, level, rules, E2EE or retention; a running meeting’s level only goes up',
          security: auth,
          requestBody: { required: true, ...json(UpdateMeetingRequest, 'input') },
          responses: {
            200: { description: 'Updated', ...json(MeetingResource) },
            400: error('Invalid body'),
            404: error('No such meeting'),
            409: error('MEETING_IN_PROGRESS or LEVEL_CANNOT_BE_LOWERED: people are in the meeting'),
            422: error('Beyond the organisation’s or the level’s policy: LEVEL_NOT_ALLOWED, E2EE_REQUIRED, REGION_NOT_ALLOWED, RETENTION_TOO_LONG, PASSWORD_TOO_SHORT, FORBIDDEN_BY_LEVEL'),
          },
        },
        delete: { summary: 'Delete a meeting; everyone in it is disconnected', security: auth, responses: { 204: { description: 'Deleted' }, 404: error('No such meeting') } },
      },
      '/api/organisation/policy': {
        get: { summary: 'The organisation’s policy: allowed and default levels, password length, retention, regions (F2)', security: auth, responses: { 200: { description: 'Policy', ...json(OrganisationPolicy) } } },
      },
      '/api/meetings/{id}/invitation': {
        parameters: idParam,
        get: { summary: 'Invitation texts in Japanese and English and an .ics (G1, G2); High meetings keep the password to the separate message', security: auth, responses: { 200: { description: 'Invitation', ...json(Invitation) }, 404: error('No such meeting') } },
      },
      '/api/meetings/{id}/invitation.ics': {
        parameters: idParam,
        get: { summary: 'The invitation as an RFC 5545 calendar file', security: auth, responses: { 200: { description: 'text/calendar' }, 404: error('No such meeting') } },
      },
      '/api/meetings/{id}/report': {
        parameters: idParam,
        get: { summary: 'Security report: each clause of the IPA and Kyoto University guidance, its status and evidence (F3)', security: auth, responses: { 200: { description: 'Report', ...json(SecurityReport) }, 404: error('No such meeting') } },
      },
      '/api/meetings/{id}/data-map': {
        parameters: idParam,
        get: { summary: 'What the meeting stores, where, until when, and every deletion (E1)', security: auth, responses: { 200: { description: 'Data map', ...json(DataMap) }, 404: error('No such meeting') } },
      },
      '/api/meetings/{id}/files': {
        parameters: idParam,
        get: { summary: 'Files shared in the meeting (header x-kaigi-participant: ID:RESUME_TOKEN)', responses: { 200: { description: '{ files }' }, 403: error('Not admitted') } },
        post: {
          summary:
            'Share a file (application/octet-stream; headers x-kaigi-participant, x-kaigi-protection: server|e2ee, and x-kaigi-file-name for server files only: an E2EE file carries its name inside its ciphertext)',
          responses: { 201: { description: 'Stored', ...json(FileResource) }, 400: error('Invalid, or plaintext (bytes or a file name) in an E2EE meeting'), 403: error('Not admitted, FILES_DISABLED or FORBIDDEN_BY_LEVEL'), ...uploadRefusals },
        },
      },
      '/api/meetings/{id}/objects/{objectId}': {
        get: { summary: 'Download a stored object (decrypted on the fly unless E2EE)', security: auth, responses: { 200: { description: 'application/octet-stream' }, 404: error('No such object') } },
        delete: { summary: 'Destroy an object (key, bytes and sealed name) and return its signed deletion certificate: object ID and ciphertext SHA-256, no name (E3)', security: auth, responses: { 200: { description: 'Deletion certificate' }, 404: error('No such object') } },
      },
      '/api/meetings/{id}/certificates/{objectId}': {
        get: { summary: 'A deletion certificate, as signed', security: auth, responses: { 200: { description: 'Deletion certificate' }, 404: error('No such certificate') } },
      },
      '/api/meetings/{id}/export': {
        parameters: idParam,
        post: { summary: 'The meeting’s data as one archive encrypted with a passphrase (E5)', security: auth, requestBody: { required: true, ...json(ExportRequest, 'input') }, responses: { 200: { description: 'application/octet-stream' }, 404: error('No such meeting') } },
      },
      '/api/meetings/{id}/recording-keys': {
        parameters: idParam,
        get: { summary: 'The escrow key a browser recording must also be encrypted to, if any', security: auth, responses: { 200: { description: 'Keys', ...json(RecordingKeys) } } },
      },
      '/api/meetings/{id}/recordings': {
        parameters: idParam,
        post: {
          summary: 'Upload one part of a recording made in the host’s browser, as a recording envelope (E2EE meetings, Low level)',
          security: auth,
          responses: { 201: { description: 'Stored', ...json(RecordingUpload) }, 400: error('Not an envelope, another meeting, E2EE_NOT_ENABLED or RECORDING_ESCROW_MISSING'), 403: error('FORBIDDEN_BY_LEVEL'), ...uploadRefusals },
        },
      },
      '/api/meetings/{id}/registrations': {
        parameters: idParam,
        get: { summary: 'Registrants and their personal links (B3)', security: auth, responses: { 200: { description: 'Registrations', ...json(RegistrationList) } } },
        post: { summary: 'Register for a meeting (public; the same answer whatever happens)', requestBody: { required: true, ...json(RegisterRequest, 'input') }, responses: { 202: { description: 'Received', ...json(RegisterResponse) }, 429: error('Too many') } },
      },
      '/api/meetings/{id}/registrations/{registrationId}/approve': {
        post: { summary: 'Approve a registrant', security: auth, responses: { 200: { description: 'Registration', ...json(RegistrationResource) } } },
      },
      '/api/meetings/{id}/registrations/{registrationId}/revoke': {
        post: { summary: 'Revoke a personal link; its holder leaves the meeting at once', security: auth, responses: { 200: { description: 'Registration', ...json(RegistrationResource) } } },
      },
      '/api/health': {
        get: { summary: 'Liveness', responses: { 200: { description: 'OK' } } },
      },
    },
  };
}
