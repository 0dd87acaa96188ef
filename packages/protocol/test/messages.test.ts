import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientMessage, CreateMeetingRequest, DisplayName, MeetingId, ServerMessage } from '../src/index.js';

describe('protocol validators', () => {
  it('accepts a well-formed join and normalises the display name', () => {
    const r = ClientMessage.parse({ type: 'join', meetingId: 'abcdefghjkmnpqrs', displayName: '  Alice  ', password: 'pw' });
    assert.equal(r.type === 'join' && r.displayName, 'Alice');
  });

  it('refuses unknown types, unknown fields and malformed IDs', () => {
    assert.equal(ClientMessage.safeParse({ type: 'nope' }).success, false);
    assert.equal(ClientMessage.safeParse({ type: 'leave', role: 'host' }).success, false);
    assert.equal(ClientMessage.safeParse({ type: 'admit', participantId: 'p_short' }).success, false);
    assert.equal(MeetingId.safeParse('ABCDEFGHJKMNPQRS').success, false, 'upper case is not base32 here');
    assert.equal(MeetingId.safeParse('abcdefghijklmnop').success, false, 'i, l, o are excluded');
  });

  it('refuses empty, overlong and disguised display names', () => {
    assert.equal(DisplayName.safeParse('   ').success, false);
    assert.equal(DisplayName.safeParse('x'.repeat(65)).success, false);
    assert.equal(DisplayName.safeParse('adm\u202Enimda').success, false);
    assert.equal(DisplayName.safeParse('a\u0000b').success, false);
    assert.equal(DisplayName.safeParse('山田 太郎').success, true);
  });

  it('requires meeting passwords of at least 10 characters (B1)', () => {
    assert.equal(CreateMeetingRequest.safeParse({ title: 'T', password: 'short' }).success, false);
    assert.equal(CreateMeetingRequest.safeParse({ title: 'T', password: 'long-enough-pw' }).success, true);
  });

  it('parses server messages the client relies on', () => {
    assert.equal(ServerMessage.safeParse({ type: 'waiting', hostPresent: false }).success, true);
    assert.equal(ServerMessage.safeParse({ type: 'ended', code: 'REMOVED', message: 'x' }).success, true);
    assert.equal(ServerMessage.safeParse({ type: 'ended', code: 'LOCKED', message: 'x' }).success, false);
  });
});
