import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HttpClient } from './http.js';
import type { RunningServer } from './server.js';
import { WsClient } from './ws.js';

export const HOST_PASSWORD = 'correct horse battery staple';

/** Creates the host account through the CLI, signs in, and returns the host's HTTP client. */
export async function hostSession(server: RunningServer, username = 'host'): Promise<HttpClient> {
  const r = await server.cli(['user', 'add', username, '--admin'], `${HOST_PASSWORD}\n`);
  if (r.code !== 0) throw new Error(`user add failed: ${r.stderr}`);
  const http = new HttpClient(server.url);
  await http.signIn(username, HOST_PASSWORD);
  return http;
}

export async function createMeeting(
  http: HttpClient,
  title = 'Quarterly results',
  /** More of CreateMeetingRequest: level, e2ee, retention, joinBeforeHost, window, nameRule… */
  extra: Record<string, unknown> = {},
): Promise<{ id: string; password: string; joinUrl: string; hostUrl: string }> {
  const r = await http.request('POST', '/api/meetings', { title, ...extra });
  if (r.status !== 201) throw new Error(`create meeting failed: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

/** A guest "browser": its own cookie jar (device key) and a signalling socket. */
export async function guest(server: RunningServer): Promise<{ http: HttpClient; ws: WsClient }> {
  const http = new HttpClient(server.url);
  await http.request('GET', '/api/auth/session');
  const ws = await WsClient.connect(server.url, { cookie: http.cookieHeader() });
  return { http, ws };
}

/** Kinds of server messages that carry anything about a meeting. */
export const MEETING_CONTENT = new Set(['admitted', 'roster', 'waitingRoom', 'bans', 'meetingState']);

/**
 * An organisation policy file (KAIGI_POLICY_FILE) in a fresh folder: every level, Medium by
 * default, this test server's region 'local' as home, with `over` replacing whole fields.
 */
export function policyFile(over: Record<string, unknown> = {}): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-policy-')), 'policy.json');
  const policy = {
    levels: { allowed: ['high', 'medium', 'low'], default: 'medium' },
    passwordMinLength: 10,
    retentionMaxDays: 90,
    regions: { home: ['local'], allowed: [] },
    ...over,
  };
  fs.writeFileSync(file, JSON.stringify(policy, null, 2));
  return file;
}

/**
 * An organisation policy file whose default level is Low, for tests of features only Low
 * meetings have (server recording, files, kept chat) through the UI, which uses the default.
 */
export function lowDefaultPolicyFile(region = 'local'): string {
  return policyFile({ levels: { allowed: ['high', 'medium', 'low'], default: 'low' }, regions: { home: [region], allowed: [] } });
}

/** The personal link's token (B3) from a registration's join URL (`#reg=…`). */
export function registrationToken(joinUrl: string): string {
  const token = new URLSearchParams(new URL(joinUrl).hash.slice(1)).get('reg');
  assert.ok(token, `a #reg= token in ${joinUrl}`);
  return token;
}
