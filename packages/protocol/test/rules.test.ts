// The rules both sides read (design-review §3 problem 6): the server enforces them, the client
// only greys out controls by them. Each table below is the rule written out by hand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  admissionCheckRequired,
  can,
  EntryKind,
  filesBlock,
  HOST_ACTIONS,
  mayActOn,
  mayAdmitAll,
  mayChat,
  mayPublish,
  mayShareFiles,
  MediaSource,
  Role,
  runsMeeting,
  withoutAccount,
  type FilesBlock,
  type FilesFacts,
  type MediaPermissions,
} from '../src/index.js';

const ALL_ON: MediaPermissions = { microphone: true, camera: true, screen: true, chat: true, files: true };
const ALL_OFF: MediaPermissions = { microphone: false, camera: false, screen: false, chat: false, files: false };

describe('roles (C1, C4)', () => {
  it('hosts and co-hosts run the meeting, nobody else', () => {
    const cases: [Role | null, boolean][] = [
      ['host', true],
      ['cohost', true],
      ['verifier', false],
      ['participant', false],
      [null, false],
    ];
    for (const [role, runs] of cases) assert.equal(runsMeeting(role), runs, String(role));
  });
});

describe('the permission table (C1, C3, B7)', () => {
  it('only hosts and co-hosts act on the meeting; verifiers only on newcomers; participants on nothing', () => {
    for (const action of HOST_ACTIONS) {
      assert.equal(can('participant', action), false, `participant ${action}`);
      assert.equal(can('host', action), true, `host ${action}`);
      assert.equal(can('cohost', action), action !== 'setRole', `cohost ${action}`);
      assert.equal(can('verifier', action), ['admit', 'deny', 'startCheck', 'endCheck'].includes(action), `verifier ${action}`);
    }
  });

  it('nobody acts on the host, only the host on a co-host, and a meeting-wide action on no one', () => {
    const cases: [Role, (typeof HOST_ACTIONS)[number], Role, boolean][] = [
      ['host', 'remove', 'host', false],
      ['host', 'remove', 'cohost', true],
      ['cohost', 'remove', 'cohost', false],
      ['cohost', 'remove', 'verifier', true],
      ['cohost', 'stopMedia', 'participant', true],
      ['host', 'setRole', 'verifier', true],
      ['cohost', 'setRole', 'participant', false],
      ['verifier', 'admit', 'participant', true],
      ['verifier', 'admit', 'verifier', false],
      ['verifier', 'remove', 'participant', false],
      ['cohost', 'verify', 'host', true],
      ['host', 'admitAll', 'participant', false],
      ['participant', 'verify', 'participant', false],
    ];
    for (const [actor, action, target, may] of cases) assert.equal(mayActOn(actor, action, target), may, `${actor} ${action} ${target}`);
  });
});

describe('publishing and chat rights (C1, C2, A3, B7)', () => {
  it('follows the host switches for participants, never for those who run the meeting', () => {
    for (const source of MediaSource.options) {
      for (const role of Role.options) {
        assert.equal(mayPublish(role, ALL_OFF, source), runsMeeting(role), `${role} ${source} all off`);
        assert.equal(mayPublish(role, ALL_ON, source), true, `${role} ${source} all on`);
        assert.equal(mayPublish(role, { ...ALL_OFF, [source]: true }, source), true, `${role} ${source} on`);
      }
    }
    for (const role of Role.options) {
      assert.equal(mayChat(role, ALL_OFF), runsMeeting(role), `${role} chat off`);
      assert.equal(mayChat(role, ALL_ON), true, `${role} chat on`);
    }
    assert.equal(mayPublish(null, ALL_OFF, 'camera'), false, 'no role yet: nothing');
  });

  it('a check lets both sides send camera and microphone, never the screen', () => {
    const cases: [MediaSource, boolean][] = [
      ['camera', true],
      ['microphone', true],
      ['screen', false],
    ];
    for (const [source, may] of cases) {
      assert.equal(mayPublish('participant', ALL_OFF, source, true), may, source);
      assert.equal(mayPublish('participant', ALL_OFF, source, false), false, `${source} outside a check`);
    }
  });
});

describe('entry rules (F1, B7)', () => {
  const cases: [EntryKind, boolean][] = [
    ['guest', true],
    ['registrant', true],
    ['member', false],
    ['member2fa', false],
  ];

  it('people without an account are checked before admission in High meetings only', () => {
    for (const [entry, without] of cases) {
      assert.equal(withoutAccount(entry), without, entry);
      assert.equal(admissionCheckRequired({ checkBeforeAdmission: true }, entry), without, `High: ${entry}`);
      assert.equal(admissionCheckRequired({ checkBeforeAdmission: false }, entry), false, `not High: ${entry}`);
    }
  });

  it('"admit all" is refused only while someone waiting needs a check (the server\'s rule, Meeting.admitAll)', () => {
    const high = { checkBeforeAdmission: true };
    const w = (...entries: EntryKind[]) => entries.map((entry) => ({ entry }));
    const table: [{ checkBeforeAdmission: boolean }, { entry: EntryKind }[], boolean][] = [
      [high, w(), true],
      [high, w('member', 'member2fa'), true],
      [high, w('member', 'guest'), false],
      [high, w('registrant'), false],
      [{ checkBeforeAdmission: false }, w('guest', 'registrant'), true],
    ];
    for (const [level, waiting, may] of table) assert.equal(mayAdmitAll(level, waiting), may, JSON.stringify({ level, waiting }));
  });
});

describe('file sharing (A4, C1, D2, F1)', () => {
  const facts = (o: { e2ee?: boolean; files?: boolean; chat?: boolean; fileSharing?: boolean }): FilesFacts => ({
    e2ee: o.e2ee ?? false,
    mediaPermissions: { files: o.files ?? true, chat: o.chat ?? true },
    level: { fileSharing: o.fileSharing ?? true },
  });

  it('is refused by the level, then by the host switch, then (E2EE) by chat being off', () => {
    const table: [FilesFacts, Role, FilesBlock | null][] = [
      [facts({}), 'participant', null],
      [facts({ fileSharing: false }), 'host', 'level'],
      [facts({ fileSharing: false, files: false }), 'participant', 'level'],
      [facts({ files: false }), 'participant', 'permission'],
      [facts({ files: false }), 'cohost', null],
      [facts({ files: false }), 'verifier', 'permission'],
      // The key of an E2EE file goes through chat: without chat the file could never be opened.
      [facts({ e2ee: true, chat: false }), 'participant', 'needsChat'],
      [facts({ e2ee: true, chat: false }), 'host', null],
      [facts({ e2ee: false, chat: false }), 'participant', null],
      [facts({ e2ee: true, chat: false, files: false }), 'participant', 'permission'],
    ];
    for (const [meeting, role, block] of table) {
      assert.equal(filesBlock(meeting, role), block, `${role} ${JSON.stringify(meeting)}`);
      assert.equal(mayShareFiles(meeting, role), block === null);
    }
  });
});
