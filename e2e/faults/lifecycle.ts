// One meeting's life as a host and guests live it (B6, E3, E4): create it, join, admit, share a
// file, remove (ban) someone, delete the file (certificate), share another, lock, end it (files
// purged at once when the meeting keeps none), delete the meeting. Every step writes to the ledger
// only what the server acknowledged; a step whose answer never came (the server was killed)
// returns 'cut'. Even lifecycles keep their files an hour and their meeting; odd ones end with a
// purge and a deletion.
import { randomBytes } from 'node:crypto';
import type { HttpClient } from '../support/http.js';
import type { RunningServer } from '../support/server.js';
import { admittedGuest, ask, hostSeat, sha256, tryRequest, upload, type Seat } from './clients.js';
import type { Ledger } from './ledger.js';

export interface Life {
  n: number;
  server: RunningServer;
  host: HttpClient;
  ledger: Ledger;
  meeting?: { id: string; password: string };
  hostSeat?: Seat;
  guest?: Seat;
  files: string[];
}

export type Outcome = 'ok' | 'cut';
export interface Step {
  name: string;
  run(l: Life): Promise<Outcome>;
}

const keepsFiles = (n: number) => n % 2 === 0;
const need = <T>(v: T | undefined, what: string): T => {
  if (v === undefined) throw new Error(`lifecycle step out of order: no ${what}`);
  return v;
};

async function uploadFile(l: Life): Promise<Outcome> {
  const m = need(l.meeting, 'meeting');
  const data = Buffer.concat([Buffer.from(`lifecycle ${l.n} file ${l.files.length} `), randomBytes(2000)]);
  const r = await tryRequest(() => upload(l.server, m.id, need(l.guest, 'guest'), `notes-${l.n}-${l.files.length}.txt`, data));
  if (!r) return 'cut';
  if (r.status !== 201) throw new Error(`upload refused: ${r.status} ${JSON.stringify(r.json)}`);
  const id = String(r.json.id);
  l.ledger.files.set(id, { id, meetingId: m.id, sha256: sha256(data), wrappedKey: '', path: `objects/${m.id}/${id}`, state: 'live' });
  l.files.push(id);
  return 'ok';
}

async function endMeeting(l: Life): Promise<Outcome> {
  const m = need(l.meeting, 'meeting');
  const purged = l.files.filter((id) => l.ledger.file(id).state === 'live');
  // Retention 0: the purge at the end is a deletion in flight from here on.
  if (!keepsFiles(l.n)) for (const id of purged) l.ledger.file(id).state = 'deleting';
  for (const s of [l.guest, l.hostSeat]) if (s && (await ask(s.ws, { type: 'leave' }))?.type !== 'ok') return 'cut';
  if (keepsFiles(l.n)) return 'ok';
  // The server's acknowledgement of the purge: its certificates in the data map.
  for (let i = 0; i < 300; i++) {
    const map = await tryRequest(() => l.host.request('GET', `/api/meetings/${m.id}/data-map`));
    if (!map) return 'cut';
    const deletions = (map.json.deletions ?? []) as { objectId: string }[];
    if (purged.every((id) => deletions.some((d) => d.objectId === id))) {
      for (const id of purged) {
        const cert = await tryRequest(() => l.host.request('GET', `/api/meetings/${m.id}/certificates/${id}`));
        if (!cert) return 'cut';
        Object.assign(l.ledger.file(id), { state: 'deleted', certificate: cert.json });
      }
      return 'ok';
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`meeting ${m.id}: files not purged 15 s after its end`);
}

export function lifecycleSteps(n: number): Step[] {
  const steps: Step[] = [
    {
      name: 'create',
      async run(l) {
        const title = `Lifecycle ${l.n}`;
        const r = await tryRequest(() => l.host.request('POST', '/api/meetings', { title, level: 'low', retention: { files: keepsFiles(l.n) ? 3600 : 0 } }));
        if (!r) return 'cut';
        if (r.status !== 201) throw new Error(`create refused: ${r.status} ${JSON.stringify(r.json)}`);
        l.meeting = { id: r.json.id, password: r.json.password };
        l.ledger.meetings.set(r.json.id, { id: r.json.id, title, password: r.json.password, keepsFiles: keepsFiles(l.n), locked: false, deleted: false, lifecycle: l.n });
        return 'ok';
      },
    },
    {
      name: 'host joins',
      async run(l) {
        l.hostSeat = (await tryRequest(() => hostSeat(l.server, l.host, need(l.meeting, 'meeting').id))) ?? undefined;
        return l.hostSeat ? 'ok' : 'cut';
      },
    },
    {
      name: 'guest admitted',
      async run(l) {
        const m = need(l.meeting, 'meeting');
        l.guest = (await tryRequest(() => admittedGuest(l.server, need(l.hostSeat, 'host'), m.id, m.password, 'Guest'))) ?? undefined;
        return l.guest ? 'ok' : 'cut';
      },
    },
    { name: 'upload', run: uploadFile },
    {
      name: 'remove (ban)',
      async run(l) {
        const m = need(l.meeting, 'meeting');
        const h = need(l.hostSeat, 'host');
        const g = await tryRequest(() => admittedGuest(l.server, h, m.id, m.password, 'Intruder'));
        if (!g) return 'cut';
        const r = await ask(h.ws, { type: 'remove', participantId: g.id });
        g.ws.close();
        if (!r) return 'cut';
        if (r.type !== 'ok') throw new Error(`remove refused: ${JSON.stringify(r)}`);
        l.ledger.bans.push({ meetingId: m.id, cookie: g.cookie });
        return 'ok';
      },
    },
    {
      name: 'delete object',
      async run(l) {
        const m = need(l.meeting, 'meeting');
        const f = l.ledger.file(need(l.files[0], 'file'));
        f.state = 'deleting';
        const r = await tryRequest(() => l.host.request('DELETE', `/api/meetings/${m.id}/objects/${f.id}`));
        if (!r) return 'cut';
        if (r.status !== 200) throw new Error(`delete refused: ${r.status} ${JSON.stringify(r.json)}`);
        Object.assign(f, { state: 'deleted', certificate: r.json });
        return 'ok';
      },
    },
    { name: 'upload', run: uploadFile },
    {
      name: 'lock',
      async run(l) {
        const m = l.ledger.meeting(need(l.meeting, 'meeting').id);
        m.locked = 'maybe';
        // Both ways a host locks: the socket in the meeting, and the API.
        if (l.n % 4 < 2) {
          const r = await ask(need(l.hostSeat, 'host').ws, { type: 'setLocked', locked: true });
          if (!r) return 'cut';
          if (r.type !== 'ok') throw new Error(`lock refused: ${JSON.stringify(r)}`);
        } else {
          const r = await tryRequest(() => l.host.request('PATCH', `/api/meetings/${m.id}`, { locked: true }));
          if (!r) return 'cut';
          if (r.status !== 200) throw new Error(`lock refused: ${r.status} ${JSON.stringify(r.json)}`);
        }
        m.locked = true;
        return 'ok';
      },
    },
    { name: keepsFiles(n) ? 'end' : 'end (purge)', run: endMeeting },
  ];
  if (keepsFiles(n)) return steps;
  steps.push({
    name: 'delete meeting',
    async run(l) {
      const m = l.ledger.meeting(need(l.meeting, 'meeting').id);
      m.deleted = 'maybe';
      const r = await tryRequest(() => l.host.request('DELETE', `/api/meetings/${m.id}`));
      if (!r) return 'cut';
      if (r.status !== 204) throw new Error(`delete meeting refused: ${r.status} ${JSON.stringify(r.json)}`);
      m.deleted = true;
      return 'ok';
    },
  });
  return steps;
}

/** Closes what a lifecycle still holds open. */
export function closeLife(l: Life): void {
  for (const s of [l.guest, l.hostSeat]) s?.ws.close();
}

/** Runs every step of a lifecycle with the server left alone: each must be answered. */
export async function liveThrough(l: Life, afterEach: () => void): Promise<void> {
  for (const step of lifecycleSteps(l.n)) {
    if ((await step.run(l)) === 'cut') throw new Error(`lifecycle ${l.n}: ${step.name} got no answer, and nothing killed the server`);
    afterEach();
  }
  closeLife(l);
}
