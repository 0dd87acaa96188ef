// A real OpenID Connect provider for tests of single sign-on (B5): `oidc-provider` (OpenID
// certified) on 127.0.0.1 over plain HTTP, which Kaigi accepts for loopback issuers only. Its
// login page is this file's: a form that picks an account and whether the person "used a second
// factor" (amr), so tests can drive it by HTTP or in Chromium. Accounts are read at each sign-in,
// so a test may change one (its groups) between sign-ins. Nothing of the protocol is faked:
// codes, tokens, signatures and PKCE are the provider's own.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { freePort } from './server.js';

export interface TestAccount {
  email: string;
  emailVerified?: boolean;
  preferredUsername?: string;
  /** The `groups` claim as the provider sends it (anything, to test what Kaigi keeps); absent: no claim. */
  groups?: unknown;
}

export interface TestClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface TestProvider {
  issuer: string;
  /** Registers the clients and accounts and starts answering (Kaigi's redirect URI is known only once it runs). */
  attach(opts: { clients: TestClient[]; accounts: Record<string, TestAccount> }): void;
  /** Rewrites the next token endpoint answers (the JSON body) while set: a provider gone bad, or a man in the middle. */
  tamperToken: ((body: Record<string, unknown>) => Record<string, unknown>) | null;
  close(): Promise<void>;
}

/** The provider's HTTP server starts at once (so Kaigi can be given its issuer); it answers once attached. */
export async function startTestProvider(): Promise<TestProvider> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  // Requests wait for attach(): Kaigi's discovery at start just takes a moment longer.
  let attached!: (h: http.RequestListener) => void;
  const handler = new Promise<http.RequestListener>((resolve) => (attached = resolve));
  const server = http.createServer((req, res) => void handler.then((h) => h(req, res)));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-rs256', alg: 'RS256', use: 'sig' };

  const self: TestProvider = {
    issuer,
    tamperToken: null,
    attach({ clients, accounts }) {
      const configuration: Configuration = {
        clients: clients.map((c) => ({
          client_id: c.clientId,
          client_secret: c.clientSecret,
          redirect_uris: c.redirectUris,
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        })),
        jwks: { keys: [jwk as never] },
        cookies: { keys: [randomBytes(32).toString('base64url')] },
        // amr (RFC 8176) and groups declared, so that the provider can put them in ID tokens
        // when the claims parameter asks (Kaigi asks for both).
        claims: { acr: null, amr: null, groups: null, auth_time: null, sid: null, iss: null, openid: ['sub'], email: ['email', 'email_verified'], profile: ['preferred_username'] },
        pkce: { required: () => true },
        // The claims request parameter (OIDC Core 5.5), which Kaigi uses to ask for amr in the ID token.
        features: { devInteractions: { enabled: false }, claimsParameter: { enabled: true } },
        interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
        async findAccount(_ctx, sub) {
          const a = accounts[sub];
          if (!a) return undefined;
          return {
            accountId: sub,
            claims: () => ({
              sub,
              email: a.email,
              email_verified: a.emailVerified ?? true,
              ...(a.preferredUsername && { preferred_username: a.preferredUsername }),
              ...(a.groups !== undefined && { groups: a.groups }),
            }),
          };
        },
      };
      const provider = new Provider(issuer, configuration);
      provider.use(async (ctx, next) => {
        if (ctx.path.startsWith('/interaction/')) return interaction(provider, ctx as KoaContextWithOIDC);
        await next();
        if (ctx.path === '/token' && ctx.method === 'POST' && ctx.status === 200 && self.tamperToken) {
          ctx.body = self.tamperToken(ctx.body as Record<string, unknown>);
        }
      });
      attached(provider.callback());
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return self;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * GET /interaction/:uid: a login form (account, "used a second factor"); POST: signs that
 * account in, grants what the client asked for, and sends the browser back to the authorisation.
 */
async function interaction(provider: Provider, ctx: KoaContextWithOIDC): Promise<void> {
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (ctx.method === 'GET') {
    ctx.type = 'html';
    ctx.body = `<!doctype html><html><head><title>Test provider sign-in</title></head><body>
<h1>Test provider</h1>
<form method="post" action="/interaction/${escape(details.uid)}">
<label>Account <input name="login" autocomplete="off"></label>
<label><input type="checkbox" name="mfa" value="1"> Used a second factor</label>
<button type="submit">Sign in at the provider</button>
<button type="submit" name="cancel" value="1">Cancel</button>
</form></body></html>`;
    return;
  }
  const body = await new Promise<string>((resolve) => {
    let s = '';
    ctx.req.on('data', (d: Buffer) => (s += d.toString()));
    ctx.req.on('end', () => resolve(s));
  });
  const form = new URLSearchParams(body);
  if (form.get('cancel')) {
    await provider.interactionFinished(ctx.req, ctx.res, { error: 'access_denied', error_description: 'cancelled' }, { mergeWithLastSubmission: false });
    ctx.respond = false;
    return;
  }
  const accountId = form.get('login') ?? '';
  const params = details.params as { client_id: string; scope: string; claims?: string };
  const grant = new provider.Grant({ accountId, clientId: params.client_id });
  grant.addOIDCScope(params.scope);
  // Claims asked for by name (the claims parameter: Kaigi asks for amr and groups) are granted
  // too, as a person consenting would.
  if (params.claims) {
    const asked = JSON.parse(params.claims) as { id_token?: object; userinfo?: object };
    grant.addOIDCClaims([...new Set([...Object.keys(asked.id_token ?? {}), ...Object.keys(asked.userinfo ?? {})])]);
  }
  const grantId = await grant.save();
  await provider.interactionFinished(
    ctx.req,
    ctx.res,
    { login: { accountId, amr: form.get('mfa') ? ['pwd', 'otp'] : ['pwd'] }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
  ctx.respond = false;
}

/** Cookies per origin and no automatic redirects: a browser without JavaScript, for following SSO by HTTP. */
export class RedirectBrowser {
  private readonly jars = new Map<string, Map<string, string>>();

  cookies(origin: string): Map<string, string> {
    let jar = this.jars.get(origin);
    if (!jar) this.jars.set(origin, (jar = new Map()));
    return jar;
  }

  /** One request; cookies kept; the Location (absolute) when it redirects. */
  async fetch(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; location: string | null; text: string; url: string }> {
    const u = new URL(url);
    const jar = this.cookies(u.origin);
    const headers: Record<string, string> = { ...init.headers };
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (init.body !== undefined) headers['content-type'] ??= 'application/x-www-form-urlencoded';
    const res = await fetch(url, { method: init.method ?? 'GET', headers, body: init.body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0]!;
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      if (/Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(name);
      else jar.set(name, pair.slice(eq + 1));
    }
    const loc = res.headers.get('location');
    return { status: res.status, location: loc === null ? null : new URL(loc, url).href, text: await res.text(), url };
  }

  /** Follows redirects while they stay off `stopAt` (an origin); returns the last answer or the first URL on `stopAt`. */
  async follow(url: string, stopAt: string): Promise<{ status: number; location: string | null; text: string; url: string }> {
    let r = await this.fetch(url);
    for (let i = 0; i < 10 && r.location && !r.location.startsWith(stopAt); i++) r = await this.fetch(r.location);
    return r;
  }
}
