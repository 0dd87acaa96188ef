// Real Chromium (B2): when the waiting room is at its cap, the host's view says so, by name.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import { HOST_PASSWORD } from '../support/fixtures.js';
import { hostOpensMeeting } from '../support/meetingUi.js';
import { startServer, type RunningServer } from '../support/server.js';
import { WsClient } from '../support/ws.js';

let server: RunningServer;
let browser: Browser;
const sockets: WsClient[] = [];

before(async () => {
  server = await startServer({ KAIGI_WAITING_ROOM_MAX: '1' });
  const r = await server.cli(['user', 'add', 'hana'], `${HOST_PASSWORD}\n`);
  assert.equal(r.code, 0, r.stderr);
  browser = await launchBrowser();
});

after(async () => {
  for (const s of sockets) s.close();
  await browser?.close();
  await server?.stop();
});

describe('a full waiting room (B2)', () => {
  it('B2: shows the host an alert, named, with how many were turned away', async () => {
    const { page, joinUrl } = await hostOpensMeeting(browser, server.url, 'hana', 'Town hall');
    const url = new URL(joinUrl);
    const meetingId = url.pathname.split('/').pop()!;
    const password = new URLSearchParams(url.hash.slice(1)).get('pwd')!;
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const ws = await WsClient.connect(server.url);
      sockets.push(ws);
      const r = await ws.request({ type: 'join', meetingId, displayName: `Visitor ${i}`, password });
      codes.push(r.type === 'joined' ? 'joined' : r.code);
    }
    assert.deepEqual(codes, ['joined', 'WAITING_ROOM_FULL', 'WAITING_ROOM_FULL']);
    const alert = page.getByRole('alert', { name: 'Waiting room full' });
    await alert.filter({ hasText: '2 newcomers were turned away' }).waitFor();
    assert.match(await alert.innerText(), /The waiting room is full \(1 guests\)/);
  });
});
