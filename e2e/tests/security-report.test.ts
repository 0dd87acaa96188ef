// F3 against a real server: a High, end-to-end encrypted meeting with a guest the host admitted
// after checking face, voice and name. GET /report says which clauses are met from what happened
// (E2EE, password apart from the invitation, nothing recorded, the check and who made it), only
// to the host; the printable page in Chromium shows exactly the statuses of the JSON.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { GUIDANCE_CLAUSES, SecurityReport } from '@kaigi/protocol';
import { launchBrowser, newParticipant } from '../support/browser.js';
import { guest, hostSession } from '../support/fixtures.js';
import type { HttpClient } from '../support/http.js';
import { startServer, type RunningServer } from '../support/server.js';
import { WsClient } from '../support/ws.js';

let server: RunningServer;
let host: HttpClient;
let browser: Browser | undefined;

before(async () => {
  server = await startServer();
  host = await hostSession(server, 'hana');
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const HOST_NAME = 'Hana (host)';
const GUEST_NAME = 'Gus from ACME';

describe('security report (F3)', () => {
  let meetingId = '';
  let report: SecurityReport;

  it('evaluates a High E2EE meeting from what happened in it', async () => {
    const created = await host.request('POST', '/api/meetings', { title: 'Board (High)', level: 'high', e2ee: true });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    meetingId = created.json.id;
    const password: string = created.json.password;

    const hostWs = await WsClient.connect(server.url, { cookie: host.cookieHeader() });
    const joined = await hostWs.request({ type: 'join', meetingId, displayName: HOST_NAME, e2ee: true });
    assert.equal(joined.type, 'joined', JSON.stringify(joined));

    const g = await guest(server);
    const gj = await g.ws.request({ type: 'join', meetingId, displayName: GUEST_NAME, password, e2ee: true });
    assert.equal(gj.type, 'joined', JSON.stringify(gj));
    // High: a guest is admitted only with a recorded check.
    assert.equal((await hostWs.request({ type: 'admit', participantId: gj.participantId })).code, 'CHECK_REQUIRED');
    const ok = await hostWs.request({ type: 'admit', participantId: gj.participantId, check: { face: true, voice: true, name: true } });
    assert.equal(ok.type, 'ok', JSON.stringify(ok));
    await g.ws.next((m) => m.type === 'admitted');

    const r = await host.request('GET', `/api/meetings/${meetingId}/report`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    report = SecurityReport.parse(r.json);
    assert.equal(report.level, 'high');
    assert.equal(report.meetingId, meetingId);
    assert.deepEqual(report.clauses.map((c) => c.id), GUIDANCE_CLAUSES.map((c) => c.id), 'every clause once, in order');
    const s = report.summary;
    assert.equal(s.met + s.notMet + s.notApplicable + s.participantsOwn, GUIDANCE_CLAUSES.length);

    const byId = new Map(report.clauses.map((c) => [c.id, c]));
    const status = (id: string) => byId.get(id)?.status;
    const evidence = (id: string) => byId.get(id)?.evidence.en ?? '';
    // E2EE (D1, IPA 5.1(2), KU).
    for (const id of ['IPA-5.1(2)-a', 'IPA-5.1(1)-a', 'KU-e2ee', 'IPA-3.2-a']) assert.equal(status(id), 'met', `${id}: ${evidence(id)}`);
    assert.match(evidence('IPA-5.1(2)-a'), /E2EE on/);
    // The password goes apart from the invitation (G2), and there is one with a waiting room.
    for (const id of ['IPA-5.1(3)-b', 'IPA-4.1(2)-f', 'IPA-5.1(3)-a', 'KU-password']) assert.equal(status(id), 'met', `${id}: ${evidence(id)}`);
    // Recording and file sharing are forbidden, and nothing was recorded or stored.
    assert.equal(status('IPA-5.1(1)-b'), 'met', evidence('IPA-5.1(1)-b'));
    assert.deepEqual(report.dataMap.objects, []);
    // The guest was checked by face and voice before admission, by the host, who is named.
    assert.equal(status('IPA-5.1(3)-c'), 'met', evidence('IPA-5.1(3)-c'));
    assert.ok(evidence('IPA-5.1(3)-c').includes(`${GUEST_NAME} (face+voice+name, by ${HOST_NAME})`), evidence('IPA-5.1(3)-c'));
    assert.equal(status('IPA-4.2(1)-a'), 'met');
    assert.ok(evidence('IPA-4.2(1)-a').includes(HOST_NAME));
    // Other levels' clauses, participants' duties, and what Kaigi cannot know.
    for (const id of ['IPA-5.2(1)-a', 'IPA-5.2(3)-c', 'IPA-5.3(1)', 'IPA-5.3(3)-c']) assert.equal(status(id), 'not_applicable', id);
    for (const id of ['IPA-4.3(2)', 'KU-bystanders']) assert.equal(status(id), 'participant', id);
    assert.equal(status('IPA-5.1(2)-b'), 'not_met');
    assert.deepEqual(report.organisation.levelsAllowed.sort(), ['high', 'low', 'medium']);

    hostWs.close();
    g.ws.close();
  });

  it('is the host’s only', async () => {
    const other = await hostSession(server, 'other');
    assert.equal((await other.request('GET', `/api/meetings/${meetingId}/report`)).status, 404);
    const anonymous = await guest(server);
    anonymous.ws.close();
    assert.equal((await anonymous.http.request('GET', `/api/meetings/${meetingId}/report`)).status, 401);
  });

  it('shows in Chromium, row for row, the statuses of the JSON', async () => {
    browser = await launchBrowser();
    const { context, page } = await newParticipant(browser);
    // The host's session, from the HTTP client to the browser.
    const cookies = host
      .cookieHeader()
      .split('; ')
      .map((pair) => {
        const eq = pair.indexOf('=');
        return { name: pair.slice(0, eq), value: pair.slice(eq + 1), url: server.url, secure: true, httpOnly: true, sameSite: 'Strict' as const };
      });
    await context.addCookies(cookies);
    await page.goto(`${server.url}/m/${meetingId}/report`);
    const table = page.getByRole('table', { name: 'Clauses of the guidance, with this meeting’s status and the evidence' });
    await table.waitFor();
    await page.getByRole('button', { name: 'Print' }).waitFor();
    const rows = await page.$$eval('tr[data-clause-id]', (trs) => trs.map((tr) => ({ id: tr.getAttribute('data-clause-id'), status: tr.getAttribute('data-status') })));
    assert.deepEqual(rows, report.clauses.map((c) => ({ id: c.id, status: c.status })));
    // The status is written out, not only coloured; the checker is named on the page too.
    const e2ee = page.locator('tr[data-clause-id="IPA-5.1(2)-a"]');
    assert.equal(await e2ee.getByRole('cell').nth(1).textContent(), 'Met');
    assert.ok((await page.locator('tr[data-clause-id="IPA-5.1(3)-c"]').textContent())?.includes(HOST_NAME));
    // The summary and the data map are there.
    assert.ok((await page.locator('[data-summary="met"]').textContent())?.includes(String(report.summary.met)));
    await page.getByRole('heading', { name: 'Data map' }).waitFor();
  });
});
