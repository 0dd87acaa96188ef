// The clients of a fault run: a signed-in host and guest browsers, each a cookie jar and a raw
// signalling socket (e2e/support), plus answers that may never come because the server died.
import { createHash } from 'node:crypto';
import { guest, HOST_PASSWORD } from '../support/fixtures.js';
import { HttpClient } from '../support/http.js';
import type { RunningServer } from '../support/server.js';
import { WsClient } from '../support/ws.js';

type Msg = Record<string, any>;

export interface Seat {
  ws: WsClient;
  id: string;
  token: string;
  cookie: string;
}

let reqIds = 1_000_000;

/**
 * Sends a request on a signalling socket and returns its answer, or null when the socket closed
 * without one (the server was killed first). An answer already received before the close counts.
 */
export async function ask(ws: WsClient, m: Msg, timeoutMs = 30_000): Promise<Msg | null> {
  const reqId = reqIds++;
  const mine = (x: Msg) => x.reqId === reqId;
  const answered = ws.next(mine, timeoutMs);
  const closed = ws.closed(timeoutMs + 1000).then(() => ws.messages.find(mine) ?? null);
  // Never leave the losing one's rejection unhandled.
  answered.catch(() => undefined);
  closed.catch(() => undefined);
  try {
    ws.send({ ...m, reqId });
  } catch {
    return null;
  }
  return Promise.race([answered, closed]);
}

/** An HTTP request whose answer may never come: null when the connection died first. */
export async function tryRequest<T>(f: () => Promise<T>): Promise<T | null> {
  try {
    return await f();
  } catch {
    return null;
  }
}

export async function signedInHost(server: RunningServer): Promise<HttpClient> {
  const http = new HttpClient(server.url);
  await http.signIn('host', HOST_PASSWORD);
  return http;
}

export async function hostSeat(server: RunningServer, host: HttpClient, meetingId: string): Promise<Seat | null> {
  const ws = await WsClient.connect(server.url, { cookie: host.cookieHeader() });
  const r = await ask(ws, { type: 'join', meetingId, displayName: 'Host' });
  if (r?.type !== 'joined') return null;
  return { ws, id: r.participantId, token: r.resumeToken, cookie: host.cookieHeader() };
}

/** A guest joins with the password and the host admits them; null when either was cut short. */
export async function admittedGuest(server: RunningServer, host: Seat, meetingId: string, password: string, name: string): Promise<Seat | null> {
  const { http, ws } = await guest(server);
  const r = await ask(ws, { type: 'join', meetingId, displayName: name, password });
  if (r?.type !== 'joined') return null;
  const admittedMsg = ws.next((x) => x.type === 'admitted', 30_000).catch(() => null);
  const a = await ask(host.ws, { type: 'admit', participantId: r.participantId });
  if (a?.type !== 'ok' || !(await Promise.race([admittedMsg, ws.closed(31_000).then(() => null)]))) return null;
  return { ws, id: r.participantId, token: r.resumeToken, cookie: http.cookieHeader() };
}

/** A fresh guest's join answer (its error code when refused), or null when the socket died. */
export async function tryJoin(server: RunningServer, meetingId: string, password: string, cookie?: string): Promise<Msg | null> {
  const ws = cookie === undefined ? (await guest(server)).ws : await WsClient.connect(server.url, { cookie });
  try {
    return await ask(ws, { type: 'join', meetingId, displayName: 'Checker', password }, 10_000);
  } finally {
    ws.close();
  }
}

export async function upload(server: RunningServer, meetingId: string, seat: Seat, name: string, data: Buffer): Promise<{ status: number; json: Msg }> {
  const res = await fetch(`${server.url}/api/meetings/${meetingId}/files`, {
    method: 'POST',
    headers: {
      'content-type': 'application/octet-stream',
      'x-kaigi-participant': `${seat.id}:${seat.token}`,
      'x-kaigi-file-name': encodeURIComponent(name),
    },
    body: new Uint8Array(data),
  });
  return { status: res.status, json: (await res.json()) as Msg };
}

/** The host downloads an object: its status and the SHA-256 of what came back. */
export async function download(server: RunningServer, host: HttpClient, meetingId: string, objectId: string): Promise<{ status: number; sha256: string }> {
  const res = await fetch(`${server.url}/api/meetings/${meetingId}/objects/${objectId}`, { headers: host.authHeaders() });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, sha256: sha256(body) };
}

export const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
