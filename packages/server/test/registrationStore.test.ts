// Pre-registration storage (B3): one registration per address and meeting, tokens only once
// approved and never in clear, revocation for good; and the account emails and groups that
// members-only domain and group lists accept (B5).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Sealer } from '../src/security/Sealer.js';
import { sha256Hex } from '../src/security/random.js';
import { openDatabase, type Database } from '../src/storage/Database.js';
import { MeetingStore, DEFAULT_STORED_RULES } from '../src/storage/MeetingStore.js';
import { RegistrationStore } from '../src/storage/RegistrationStore.js';
import { UserStore } from '../src/storage/UserStore.js';
import { DEFAULT_RETENTION } from '@kaigi/protocol';

let dir: string;
let db: Database;
let store: RegistrationStore;
let userId: string;
const MEETING = '0123456789abcdef';

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaigi-reg-'));
  db = await openDatabase(dir);
  store = new RegistrationStore(db, Sealer.open(dir));
  userId = (await new UserStore(db).add('host', 'a long enough password', false)).id;
  await new MeetingStore(db).insert({
    id: MEETING,
    hostUserId: userId,
    title: 'T',
    passwordHash: 'x',
    passwordSealed: 'x',
    e2ee: false,
    retention: DEFAULT_RETENTION,
    rules: { ...DEFAULT_STORED_RULES, registration: 'approval' },
  });
});

after(async () => {
  await db?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('RegistrationStore (B3)', () => {
  it('keeps one registration per address (case-insensitive), with no token until approved', async () => {
    const created = await store.create(MEETING, 'Aiko', 'Aiko@Example.ac.jp', false);
    assert.ok(created);
    assert.equal(created.token, null);
    assert.equal(created.record.status, 'pending');
    assert.equal(await store.create(MEETING, 'Mallory', 'aiko@example.ac.jp', false), null);
    assert.equal(await store.token(MEETING, created.record.id), null, 'no link while pending');
  });

  it('approves with a 256-bit token stored only hashed (and sealed), finds it, counts its uses, revokes for good', async () => {
    const [r] = await store.list(MEETING);
    assert.ok(r);
    const approved = await store.approve(MEETING, r.id);
    assert.equal(approved?.status, 'approved');
    const token = await store.token(MEETING, r.id);
    assert.match(token ?? '', /^[A-Za-z0-9_-]{43}$/);
    const row = await db.selectFrom('registrations').selectAll().where('id', '=', r.id).executeTakeFirstOrThrow();
    assert.equal(row.token_hash, sha256Hex(token!));
    assert.ok(!JSON.stringify(row).includes(token!), 'the token is not stored in clear');
    // Approving again changes nothing (the link stays the same).
    await store.approve(MEETING, r.id);
    assert.equal(await store.token(MEETING, r.id), token);

    assert.equal((await store.byToken(MEETING, token!))?.id, r.id);
    assert.equal(await store.byToken('fedcba9876543210', token!), undefined, 'a link works for its own meeting only');
    await store.used(r.id);
    await store.used(r.id);
    const used = await store.get(MEETING, r.id);
    assert.equal(used?.uses, 2);
    assert.ok(used?.lastUsedAt);

    const revoked = await store.revoke(MEETING, r.id);
    assert.equal(revoked?.status, 'revoked');
    assert.equal(await store.token(MEETING, r.id), null, 'no link to copy once revoked');
    assert.equal((await store.byToken(MEETING, token!))?.status, 'revoked', 'the link is still known, as revoked');
    assert.equal((await store.approve(MEETING, r.id))?.status, 'revoked', 'and is never approved again');
  });

  it('creates approved registrations at once for automatic meetings', async () => {
    const created = await store.create(MEETING, 'Ren', 'ren@example.jp', true);
    assert.equal(created?.record.status, 'approved');
    assert.equal((await store.byToken(MEETING, created!.token!))?.name, 'Ren');
  });
});

describe('account emails for members-only domain lists (B5)', () => {
  it('takes the administrator-set email and the sign-in provider’s, unless the provider said it is unverified', async () => {
    assert.deepEqual(await store.accountEmails(userId), []);
    await db.updateTable('users').set({ email: 'host@example.ac.jp' }).where('id', '=', userId).execute();
    const identity = (subject: string, email: string, verified: number | null) => ({
      issuer: 'https://idp.example',
      subject,
      user_id: userId,
      email,
      email_verified: verified,
      created_at: new Date().toISOString(),
      last_signin_at: new Date().toISOString(),
    });
    await db
      .insertInto('oidc_identities')
      .values([identity('a', 'sso@lab.example.ac.jp', 1), identity('b', 'unverified@evil.test', 0), identity('c', 'directory@corp.example', null)])
      .execute();
    assert.deepEqual((await store.accountEmails(userId)).sort(), ['directory@corp.example', 'host@example.ac.jp', 'sso@lab.example.ac.jp']);
  });
});

describe('account groups for members-only group lists (B5)', () => {
  it("takes the administrator's groups and those the sign-in provider sent last, each once", async () => {
    const other = (await new UserStore(db).add('grouped', 'a long enough password', false)).id;
    assert.deepEqual(await store.accountGroups(other), []);
    await db.updateTable('users').set({ groups: JSON.stringify(['staff', 'Lab 1']) }).where('id', '=', other).execute();
    const at = new Date().toISOString();
    await db
      .insertInto('oidc_identities')
      .values([
        { issuer: 'https://idp.example', subject: 'g1', user_id: other, email: null, email_verified: null, groups: JSON.stringify(['staff', 'research']), created_at: at, last_signin_at: at },
        // Linked before groups were kept, and a value that is not a list: none.
        { issuer: 'https://idp.example', subject: 'g2', user_id: other, email: null, email_verified: null, created_at: at, last_signin_at: at },
        { issuer: 'https://idp.example', subject: 'g3', user_id: other, email: null, email_verified: null, groups: '{"staff":true}', created_at: at, last_signin_at: at },
      ])
      .execute();
    assert.deepEqual((await store.accountGroups(other)).sort(), ['Lab 1', 'research', 'staff']);
  });

  it('loads a members-only meeting stored before groups existed, as members-only with no groups', async () => {
    const meetings = new MeetingStore(db);
    const rules = { ...DEFAULT_STORED_RULES, entry: { membersOnly: true, emailDomains: ['example.ac.jp'] } };
    await db.updateTable('meetings').set({ rules: JSON.stringify(rules) }).where('id', '=', MEETING).execute();
    assert.deepEqual((await meetings.get(MEETING))?.rules.entry, { membersOnly: true, emailDomains: ['example.ac.jp'], groups: [] });
  });
});
