// Invitations (G1, G2) through the API of a real server: a High meeting's invitation and .ics
// hold the password nowhere but in the password message and link without a fragment; a Low
// meeting's link carries the password in its fragment, with the ID + password pair (KU); only
// the host gets either (another user 404, no session 401); nothing is cached.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Invitation } from '@kaigi/protocol';
import { hostSession } from '../support/fixtures.js';
import { HttpClient } from '../support/http.js';
import { startServer, type RunningServer } from '../support/server.js';

let server: RunningServer;
let host: HttpClient;
let other: HttpClient;

interface Created {
  id: string;
  password: string;
  joinUrl: string;
  level: string;
}

let high: Created;
let low: Created;

const HIGH_TITLE = 'Acquisition of Northwind board session';
const LOW_TITLE = 'Open office hours';
const startsAt = new Date(Date.UTC(2030, 0, 15, 1, 0, 0)).toISOString();
const endsAt = new Date(Date.UTC(2030, 0, 15, 2, 0, 0)).toISOString();

async function create(http: HttpClient, body: Record<string, unknown>): Promise<Created> {
  const r = await http.request('POST', '/api/meetings', body);
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json;
}

async function ics(http: HttpClient, id: string, query = ''): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${server.url}/api/meetings/${id}/invitation.ics${query}`, { headers: { cookie: http.cookieHeader() } });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

before(async () => {
  // Request logging on (info), so that the log check below has something to read.
  server = await startServer({ KAIGI_LOG_LEVEL: 'info' });
  host = await hostSession(server);
  other = await hostSession(server, 'other');
  high = await create(host, { title: HIGH_TITLE, level: 'high', e2ee: true, window: { startsAt, endsAt } });
  low = await create(host, { title: LOW_TITLE, level: 'low' });
  assert.equal(high.level, 'high');
  assert.equal(low.level, 'low');
});
after(async () => {
  await server?.stop();
});

describe('invitations (G1, G2)', () => {
  it('High: the password is only in the password message; the link has no fragment', async () => {
    const r = await host.request('GET', `/api/meetings/${high.id}/invitation?tz=Asia/Tokyo`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const inv = Invitation.parse(r.json);
    assert.equal(inv.level, 'high');
    assert.equal(inv.meetingId, high.id);
    const plainUrl = high.joinUrl.split('#')[0]!;
    for (const lang of ['en', 'ja'] as const) {
      const t = inv[lang];
      for (const text of [t.subject, t.body]) {
        assert.ok(!text.includes(high.password), `${lang}: password in the invitation`);
        assert.ok(!text.includes(encodeURIComponent(high.password)));
        assert.ok(!text.includes('#'), `${lang}: a fragment in the invitation`);
        assert.ok(!text.includes('Northwind'), `${lang}: title in a High invitation`);
      }
      assert.ok(t.body.includes(plainUrl));
      assert.ok(t.body.includes(high.id));
      assert.ok(t.passwordMessage.includes(high.password), `${lang}: the password message has the password`);
      assert.ok(t.passwordMessage.includes(high.id));
      assert.doesNotMatch(t.subject, /high|confidential|機密|高/i);
    }
    assert.equal(inv.en.subject, 'Web meeting invitation (Jan 15, 10:00)');
    assert.equal(inv.ja.subject, 'Web会議のご案内（1月15日 10:00）');
    assert.ok(!inv.ics.includes(high.password));

    const file = await ics(host, high.id);
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-type'), 'text/calendar; charset=utf-8');
    assert.equal(file.headers.get('content-disposition'), 'attachment; filename="invitation.ics"');
    assert.equal(file.headers.get('cache-control'), 'no-store');
    const unfolded = file.text.replace(/\r\n /g, '');
    assert.ok(!file.text.includes(high.password) && !unfolded.includes(high.password), 'password in the .ics');
    assert.ok(!unfolded.includes('#pwd='));
    assert.ok(!unfolded.includes('Northwind'));
    assert.ok(unfolded.startsWith('BEGIN:VCALENDAR\r\n') && unfolded.endsWith('END:VCALENDAR\r\n'));
    assert.ok(unfolded.includes(`\r\nUID:${high.id}@kaigi\r\n`));
    assert.ok(unfolded.includes('\r\nDTSTART:20300115T010000Z\r\n') && unfolded.includes('\r\nDTEND:20300115T020000Z\r\n'));
    assert.ok(unfolded.includes(`\r\nURL:${plainUrl}\r\n`));
    for (const line of file.text.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, line);
  });

  it('Low: the link carries the password in its fragment, with the ID + password pair', async () => {
    const r = await host.request('GET', `/api/meetings/${low.id}/invitation`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const inv = Invitation.parse(r.json);
    assert.equal(inv.level, 'low');
    assert.equal(inv.timeZone, 'UTC');
    assert.ok(low.joinUrl.includes('#pwd='));
    for (const lang of ['en', 'ja'] as const) {
      assert.ok(inv[lang].body.includes(low.joinUrl), `${lang}: the join link with #pwd=`);
      assert.ok(!inv[lang].subject.includes(LOW_TITLE) && !inv[lang].subject.includes(low.password));
      assert.ok(inv[lang].passwordMessage.includes(low.password));
    }
    assert.ok(inv.en.body.includes(`Meeting ID: ${low.id}\nPassword: ${low.password}`));
    assert.ok(inv.ja.body.includes(`会議ID：${low.id}\nパスワード：${low.password}`));
    // No window: no time in the subject; the .ics still has a start (a placeholder hour).
    assert.equal(inv.en.subject, 'Web meeting invitation');

    const file = await ics(host, low.id);
    assert.equal(file.status, 200);
    const unfolded = file.text.replace(/\r\n /g, '');
    assert.ok(unfolded.includes(`\r\nURL:${low.joinUrl}\r\n`));
    assert.match(unfolded, /\r\nDTSTART:\d{8}T\d{2}0000Z\r\n/);
  });

  it('is the host’s only: another user gets 404, no session 401', async () => {
    for (const m of [high, low]) {
      assert.equal((await other.request('GET', `/api/meetings/${m.id}/invitation`)).status, 404);
      assert.equal((await ics(other, m.id)).status, 404);
      const anonymous = new HttpClient(server.url);
      assert.equal((await anonymous.request('GET', `/api/meetings/${m.id}/invitation`)).status, 401);
      assert.equal((await ics(anonymous, m.id)).status, 401);
    }
    assert.equal((await host.request('GET', '/api/meetings/not-a-meeting-id/invitation')).status, 404);
  });

  it('refuses an unknown time zone, and never logs the password', async () => {
    const r = await host.request('GET', `/api/meetings/${low.id}/invitation?tz=${encodeURIComponent('Mars/Olympus_Mons')}`);
    assert.equal(r.status, 400);
    assert.ok(!JSON.stringify(r.json).includes(low.password));
    assert.equal((await ics(host, low.id, '?tz=..%2F..%2Fetc')).status, 400);
    const log = server.log();
    assert.ok(log.includes('/invitation'), 'requests are in the log');
    assert.ok(!log.includes(high.password) && !log.includes(low.password), 'a password in the server log');
  });
});
