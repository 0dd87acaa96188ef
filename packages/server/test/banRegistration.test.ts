// B3, B6: removing a registrant bans their registration and the email it was made for, not only
// their device and account. The link is refused from any device, a registration of the same
// address (however typed) is refused, the ban is persisted with both and read back after a
// restart, and lifting it lets them in again. The email is kept only as a keyed hash.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_RETENTION } from '@kaigi/protocol';
import type { AuditLog } from '../src/audit/AuditLog.js';
import { BanList } from '../src/meeting/BanList.js';
import { Meeting } from '../src/meeting/Meeting.js';
import { KaigiError } from '../src/errors.js';
import { defaultRules } from '../src/meeting/MeetingRules.js';
import { Sealer } from '../src/security/Sealer.js';
import { sha256Hex } from '../src/security/random.js';
import { EntryGate } from '../src/rooms/EntryGate.js';
import { openDatabase, type Database } from '../src/storage/Database.js';
import { DEFAULT_STORED_RULES, MeetingStore } from '../src/storage/MeetingStore.js';
import { RegistrationStore } from '../src/storage/RegistrationStore.js';
import { UserStore } from '../src/storage/UserStore.js';
import { arrivals } from './fixtures/arrival.js';

const MEETING = 'abcdef0123456789';
const OTHER_MEETING = '9876543210fedcba';
let dir: string;
let db: Database;
let meetings: MeetingStore;
let registrations: RegistrationStore;

const code = async (fn: () => unknown): Promise<string> => {
  try {
    await fn();
    return 'ok';
  } catch (e) {
    if (e instanceof KaigiError) return e.code;
    throw e;
  }
};

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-ban-'));
  db = await openDatabase(dir);
  meetings = new MeetingStore(db);
  registrations = new RegistrationStore(db, Sealer.open(dir));
  const hostUserId = (await new UserStore(db).add('host', 'a long enough password', false)).id;
  for (const id of [MEETING, OTHER_MEETING]) {
    await meetings.insert({ id, hostUserId, title: 'T', passwordHash: 'x', passwordSealed: 'x', e2ee: false, retention: DEFAULT_RETENTION, rules: { ...DEFAULT_STORED_RULES, registration: 'automatic' } });
  }
});

after(async () => {
  await db?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A live meeting with the bans the store has in force, as the hub loads it after a restart. */
async function loaded(): Promise<Meeting> {
  const bans = await meetings.activeBans(MEETING);
  const rules = { ...defaultRules(), registration: 'automatic' as const };
  return new Meeting({ id: MEETING, title: 'T', hostUserId: 'u_host', bans: new BanList(bans.map((b) => ({ ...b, createdAt: Date.parse(b.createdAt) }))), rules });
}

describe('a removed registrant stays out (B3, B6)', () => {
  it('keeps the email only as a keyed hash, the same however the address is typed, and bound to the meeting', () => {
    const h = registrations.emailHash(MEETING, 'aiko@example.ac.jp');
    assert.equal(registrations.emailHash(MEETING, '  AIKO@Example.AC.JP '), h);
    assert.equal(registrations.emailHash(MEETING, 'ａｉｋｏ@example.ac.jp'), h, 'full-width letters fold too');
    assert.notEqual(registrations.emailHash(OTHER_MEETING, 'aiko@example.ac.jp'), h, 'bans in two meetings cannot be matched up');
    assert.notEqual(sha256Hex('aiko@example.ac.jp'), h);
    assert.notEqual(sha256Hex(`${MEETING}\naiko@example.ac.jp`), h, 'not a plain hash anyone can recompute');
  });

  it('the domain bans the registration: its link from a fresh device is BANNED until the ban is lifted', () => {
    const arrival = arrivals();
    const m = new Meeting({ id: 'm', title: 'T', hostUserId: 'u' });
    const host = m.arrive(arrival({ role: 'host' }));
    const a = m.arrive(arrival({ registrationId: 'r_aiko', entry: 'registrant' }));
    const { ban } = m.remove(host.id, a.id, 'b_1', 5, 'hash-of-aiko');
    assert.deepEqual([ban.registrationId, ban.emailHash], ['r_aiko', 'hash-of-aiko']);
    // New device, no account: only the registration can tell who they are.
    assert.throws(() => m.arrive(arrival({ registrationId: 'r_aiko', entry: 'registrant' })), (e) => e instanceof KaigiError && e.code === 'BANNED');
    assert.equal(m.bans.matches({ emailHash: 'hash-of-aiko' })?.id, ban.id);
    assert.equal(m.bans.matches({ registrationId: 'r_other', emailHash: 'hash-of-ben' }), undefined);
    m.liftBan(host.id, ban.id);
    assert.equal(m.arrive(arrival({ registrationId: 'r_aiko', entry: 'registrant' })).state, 'waiting');
  });

  it('a guest without a link is never banned by the email hash of a ban without one', () => {
    const arrival = arrivals();
    const m = new Meeting({ id: 'm', title: 'T', hostUserId: 'u' });
    const host = m.arrive(arrival({ role: 'host' }));
    const g = m.arrive(arrival());
    const { ban } = m.remove(host.id, g.id, 'b_1', 5, 'hash-ignored');
    assert.deepEqual([ban.registrationId, ban.emailHash], [null, null]);
    assert.ok(m.arrive(arrival()));
  });

  it('persists the ban with the registration and email hash, refuses the link and any registration of the address after a restart, until lifted', async () => {
    const created = await registrations.create(MEETING, 'Aiko Tanaka', 'aiko@example.ac.jp', true);
    assert.ok(created?.token);
    const reg = created.record;
    const gate = new EntryGate(registrations, {} as AuditLog);

    // Removed, as the host action handler does it: the ban is persisted with both keys.
    const live = await loaded();
    const host = live.arrive(arrivals()({ role: 'host' }));
    const p = live.arrive({ ...arrivals()({ registrationId: reg.id, entry: 'registrant' }), id: 'p_aiko' });
    const { ban } = live.remove(host.id, p.id, 'b_aiko', Date.now(), registrations.emailHash(MEETING, reg.email));
    await meetings.insertBan({ ...ban, meetingId: MEETING, createdAt: new Date(ban.createdAt).toISOString(), createdBy: host.id });

    // After a restart: the link is refused at the gate, whatever device brings it.
    const m = await loaded();
    const credential = await gate.credential(MEETING, { ...DEFAULT_STORED_RULES, registration: 'automatic' }, created.token);
    assert.equal(credential?.id, reg.id);
    assert.equal(await code(() => gate.decide(m, null, false, credential)), 'BANNED');

    // Any registration of the address is refused, however typed; a registration of it in another meeting is not.
    assert.equal(await registrations.emailBanned(MEETING, ' Aiko@Example.ac.jp'), true);
    await db.deleteFrom('registrations').where('id', '=', reg.id).execute();
    assert.equal(await registrations.create(MEETING, 'A. Tanaka', 'AIKO@example.ac.jp', true), null, 'refused by the ban, not only by the taken address');
    assert.ok(await registrations.create(OTHER_MEETING, 'Aiko Tanaka', 'aiko@example.ac.jp', true));

    // Even a registration the ban never saw (made before, under the same address) is refused by the email.
    const [again] = await db
      .insertInto('registrations')
      .values({ id: 'r_again', meeting_id: MEETING, name: 'Aiko', email: 'Aiko@example.ac.jp', email_key: 'aiko@example.ac.jp', status: 'approved', token_hash: 'h', token_sealed: null, created_at: new Date().toISOString(), approved_at: null, revoked_at: null, last_used_at: null, uses: 0 })
      .returningAll()
      .execute();
    assert.ok(again);
    const sibling = await registrations.get(MEETING, 'r_again');
    assert.equal(await code(() => gate.decide(m, null, false, sibling ?? null)), 'BANNED');

    // Lifted (in the store, as the handler does): gone after a restart, and the address may register again.
    assert.equal(await meetings.liftBan(MEETING, ban.id, host.id), true);
    const lifted = await loaded();
    assert.equal(lifted.banList().length, 0);
    assert.equal(await code(() => gate.decide(lifted, null, false, sibling ?? null)), 'ok');
    assert.equal(await registrations.emailBanned(MEETING, 'aiko@example.ac.jp'), false);
  });
});
