import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser.js';
import { createMeeting, hostSession } from './fixtures.js';
import { rawClient, waitAdmitted, type RawMediaClient } from './rawMedia.js';
import { startServer, type RunningServer } from './server.js';
import { WsClient } from './ws.js';

export interface RawMeeting {
  server: RunningServer;
  browser: Browser;
  /** The host's signalling connection; it admits everyone who waits. */
  hostWs: WsClient;
  meeting: { id: string; password: string };
  /** A raw media client joins and is admitted. */
  join(name: string): Promise<RawMediaClient>;
  close(): Promise<void>;
}

/** A server, a meeting whose host (a raw WebSocket) admits everyone, and a browser for raw clients. */
export async function rawMeeting(title: string): Promise<RawMeeting> {
  const server = await startServer();
  const host = await hostSession(server);
  const meeting = await createMeeting(host, title);
  const hostWs = await WsClient.connect(server.url, { cookie: host.cookieHeader() });
  await hostWs.request({ type: 'join', meetingId: meeting.id, displayName: 'Host' });
  hostWs.socket.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.type === 'waitingRoom') for (const e of m.entries) hostWs.send({ type: 'admit', participantId: e.id });
  });
  const browser = await launchBrowser();
  return {
    server,
    browser,
    hostWs,
    meeting,
    async join(name) {
      const c = await rawClient(browser, server.url, meeting.id, name, meeting.password);
      await waitAdmitted(c);
      return c;
    },
    async close() {
      hostWs.close();
      await browser.close();
      await server.stop();
    },
  };
}
