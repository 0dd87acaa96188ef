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
} from '@kaigi/protocol';

// The OpenAPI document is generated from the same zod schemas that validate requests, so the
// two cannot drift apart.
const schema = (s: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(s, { io, unrepresentable: 'any' });
const json = (s: z.ZodType, io: 'input' | 'output' = 'output') => ({ content: { 'application/json': { schema: schema(s, io) } } });
const error = (description: string) => ({ description, ...json(ErrorResponse) });
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
          responses: { 302: { description: 'To the provider, or to /signin?error=sso_unavailable' }, 404: error('Single sign-on is not configured') },
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
          summary: 'Change title, password or lock',
          security: auth,
          requestBody: { required: true, ...json(UpdateMeetingRequest, 'input') },
          responses: { 200: { description: 'Updated', ...json(MeetingResource) }, 400: error('Invalid body'), 404: error('No such meeting') },
        },
        delete: { summary: 'Delete a meeting; everyone in it is disconnected', security: auth, responses: { 204: { description: 'Deleted' }, 404: error('No such meeting') } },
      },
      '/api/health': {
        get: { summary: 'Liveness', responses: { 200: { description: 'OK' } } },
      },
    },
  };
}
