/** A tiny cookie-keeping HTTP client for tests, like a browser without JavaScript. */
export class HttpClient {
  private readonly cookies = new Map<string, string>();
  csrf: string | null = null;

  constructor(readonly base: string) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** Cookie and CSRF headers, for requests made with fetch directly (binary bodies and answers). */
  authHeaders(): Record<string, string> {
    return { cookie: this.cookieHeader(), ...(this.csrf && { 'x-csrf-token': this.csrf }) };
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> {
    const h: Record<string, string> = { ...headers };
    if (this.cookies.size) h.cookie = this.cookieHeader();
    const binary = body instanceof Uint8Array;
    if (body !== undefined) h['content-type'] = binary ? 'application/octet-stream' : 'application/json';
    if (this.csrf && method !== 'GET' && !('x-csrf-token' in h)) h['x-csrf-token'] = this.csrf;
    const res = await fetch(this.base + path, { method, headers: h, body: body === undefined ? undefined : binary ? new Uint8Array(body) : typeof body === 'string' ? body : JSON.stringify(body) });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, json, headers: res.headers };
  }

  async signIn(username: string, password: string): Promise<void> {
    const r = await this.request('POST', '/api/auth/signin', { username, password });
    if (r.status !== 200) throw new Error(`sign-in failed: ${r.status} ${JSON.stringify(r.json)}`);
    this.csrf = r.json.csrfToken;
  }
}

/**
 * POSTs a request that announces a body the server will refuse as too large, and returns the
 * status it answered with. Only the headers are sent: the server answers 413 from the
 * Content-Length alone, and a client still writing 26 MB when the server closes would see a
 * broken pipe instead of the answer, depending on timing.
 */
export async function oversizedPostStatus(url: string, headers: Record<string, string>, body: Buffer): Promise<number> {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) }, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}
