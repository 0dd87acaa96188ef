// A meeting's data is its host's alone (E1, E5, F3, B3): a signed-in stranger asking for any of
// it gets the same 404 as for a meeting that does not exist, so nothing tells them which IDs
// are real; an anonymous caller gets 401; a caller with no seat gets no files. In process,
// through app.inject(); e2e/tests/meeting-data.test.ts drives the same data end to end.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@kaigi/protocol';
import { createMeeting, openTestApp, signedIn, TestBrowser, type CreatedMeeting, type TestApp } from '../support/services.js';

type Browser = Awaited<ReturnType<typeof signedIn>>;

/** Every host-only route of one meeting: method, path and a body where the route needs one. */
function hostRoutes(id: string): [method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown][] {
  const objectId = 'o_AAAAAAAAAAAAAAAAAAAAAA';
  return [
    ['GET', `/api/meetings/${id}`],
    ['PATCH', `/api/meetings/${id}`, { title: 'Taken over' }],
    ['DELETE', `/api/meetings/${id}`],
    ['GET', `/api/meetings/${id}/data-map`],
    ['GET', `/api/meetings/${id}/report`],
    ['GET', `/api/meetings/${id}/invitation`],
    ['GET', `/api/meetings/${id}/invitation.ics`],
    ['GET', `/api/meetings/${id}/recording-keys`],
    ['GET', `/api/meetings/${id}/registrations`],
    ['GET', `/api/meetings/${id}/objects/${objectId}`],
    ['DELETE', `/api/meetings/${id}/objects/${objectId}`],
    ['GET', `/api/meetings/${id}/certificates/${objectId}`],
    ['POST', `/api/meetings/${id}/export`, { passphrase: 'a long and careful passphrase' }],
  ];
}

describe("a meeting's data and a stranger", () => {
  let t: TestApp;
  let host: Browser;
  let stranger: Browser;
  let meeting: CreatedMeeting;
  before(async () => {
    t = await openTestApp({}, { policy: { levels: { allowed: ['high', 'medium', 'low'], default: 'low' } } });
    host = await signedIn(t, 'host');
    stranger = await signedIn(t, 'stranger');
    meeting = await createMeeting(host, 'Private', { registration: 'approval' });
  });
  after(() => t.close());

  it('E1, F3: the host reaches every host route of the meeting', async () => {
    for (const [method, url, body] of hostRoutes(meeting.id)) {
      // Changing or deleting the meeting itself is the meetings API's test; the stranger's must find it intact.
      if (url === `/api/meetings/${meeting.id}` && method !== 'GET') continue;
      const r = await host.request(method, url, body);
      // Object routes answer 404 for the made-up object ID, not for the meeting.
      const status = url.includes('/objects/') || url.includes('/certificates/') ? 404 : 200;
      assert.equal(r.statusCode, status, `${method} ${url}: ${r.body.slice(0, 200)}`);
      if (status === 404) {
        const noMeeting = await host.request(method, url.replace(meeting.id, 'abcdefghjkmnpqrs'), body);
        assert.notDeepEqual(r.json(), noMeeting.json(), `${method} ${url}: the object is missing, not the meeting`);
      }
    }
  });

  it("E1: a signed-in stranger gets the same 404 for another host's meeting as for one that does not exist", async () => {
    const missing = 'abcdefghjkmnpqrs';
    assert.equal(await t.services.meetings.get(missing), undefined);
    const trail = async () => (await t.services.audit.entries({ meetingId: meeting.id })).map((e) => e.kind);
    const before = await trail();
    for (const [method, url, body] of hostRoutes(meeting.id)) {
      const theirs = await stranger.request(method, url, body);
      const none = await stranger.request(method, url.replace(meeting.id, missing), body);
      assert.equal(theirs.statusCode, 404, `${method} ${url}`);
      assert.equal(theirs.json().code, ErrorCode.NOT_FOUND);
      assert.deepEqual(theirs.json(), none.json(), `${method} ${url}: the answer tells nothing about the meeting`);
    }
    // Nothing was changed, deleted or exported: the meeting's trail has nothing new.
    const m = await t.services.meetings.get(meeting.id);
    assert.equal(m?.title, 'Private');
    assert.deepEqual(await trail(), before);
    assert.deepEqual((await stranger.request('GET', '/api/meetings')).json().meetings, []);
  });

  it('an anonymous caller gets 401 from every host route', async () => {
    const anon = new TestBrowser(t.app);
    for (const [method, url, body] of hostRoutes(meeting.id)) {
      const r = await anon.request(method, url, body);
      assert.equal(r.statusCode, 401, `${method} ${url}`);
      assert.equal(r.json().code, ErrorCode.UNAUTHENTICATED);
    }
  });

  it('A4: files need a seat in the meeting: the host without one, a stranger and a forged seat get 403', async () => {
    const forged = { 'x-kaigi-participant': `p_${'A'.repeat(22)}:${'B'.repeat(43)}` };
    for (const [who, headers] of [
      [host, {}],
      [stranger, {}],
      [new TestBrowser(t.app), forged],
    ] as const) {
      const r = await who.request('GET', `/api/meetings/${meeting.id}/files`, undefined, { headers });
      assert.equal(r.statusCode, 403);
      assert.equal(r.json().code, ErrorCode.NOT_ADMITTED);
    }
  });

  it('B3: registering answers the same for a real meeting, a missing one and a malformed ID', async () => {
    const anon = new TestBrowser(t.app);
    const body = { name: 'Rita', email: 'rita@example.org' };
    const real = await anon.request('POST', `/api/meetings/${meeting.id}/registrations`, body);
    const missing = await anon.request('POST', '/api/meetings/abcdefghjkmnpqrs/registrations', body);
    const malformed = await anon.request('POST', '/api/meetings/nope/registrations', body);
    for (const r of [real, missing, malformed]) {
      assert.equal(r.statusCode, 202);
      assert.deepEqual(r.json(), { received: true });
    }
    // Only the real one was recorded, for the host to approve.
    const list = (await host.request('GET', `/api/meetings/${meeting.id}/registrations`)).json();
    assert.equal(list.registrations.length, 1);
  });

  it('B3: a cross-origin registration is refused with 403 CSRF', async () => {
    const r = await new TestBrowser(t.app).request('POST', `/api/meetings/${meeting.id}/registrations`, { name: 'Eve', email: 'eve@example.org' }, { origin: 'https://evil.example' });
    assert.equal(r.statusCode, 403);
    assert.equal(r.json().code, ErrorCode.CSRF);
  });
});
