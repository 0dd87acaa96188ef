// The session's pure reducer: server messages in, the state the views read out.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MeetingSummary, ParticipantInfo, Role, ServerMessage, WaitingEntry } from '@kaigi/protocol';
import { initialMeetingState, meetingReducer, type MeetingState } from '../src/session/meetingState.js';

const person = (id: string, role: Role): ParticipantInfo => ({ id, displayName: id, role, entry: 'member', registrationId: null, verification: null, admissionCheck: null }) as ParticipantInfo;
const SUMMARY = { id: 'm', title: 'T', locked: false } as MeetingSummary;
const WAITING = [{ id: 'p_w', displayName: 'W', entry: 'guest' }] as WaitingEntry[];

const server = (s: MeetingState, msg: ServerMessage) => meetingReducer(s, { type: 'server', msg });

function inMeetingAs(role: Role): MeetingState {
  const s = meetingReducer(initialMeetingState, { type: 'start', resuming: false });
  return server(s, { type: 'admitted', meeting: SUMMARY, self: person('p_me', role) } as ServerMessage);
}

describe('meetingReducer', () => {
  it('goes from the form to the meeting through connecting and admission', () => {
    const s = meetingReducer(initialMeetingState, { type: 'start', resuming: false });
    assert.equal(s.phase, 'connecting');
    const waiting = server(s, { type: 'joined', participantId: 'p_me', role: 'participant', state: 'waiting' } as ServerMessage);
    assert.equal(waiting.phase, 'waiting');
    const admitted = server(waiting, { type: 'admitted', meeting: SUMMARY, self: person('p_me', 'participant') } as ServerMessage);
    assert.equal(admitted.phase, 'inMeeting');
    assert.equal(admitted.role, 'participant');
  });

  it('takes our role from our roster entry, and drops what only those who run the meeting see when it is taken away', () => {
    const table: [Role, Role, boolean][] = [
      ['cohost', 'participant', true],
      ['cohost', 'verifier', true],
      ['host', 'cohost', false],
      ['participant', 'cohost', false],
      ['participant', 'verifier', false],
    ];
    for (const [was, now, cleared] of table) {
      const s = { ...inMeetingAs(was), waiting: WAITING, bans: [{ id: 'b' }] as MeetingState['bans'] };
      const next = server(s, { type: 'roster', participants: [person('p_me', now), person('p_x', 'participant')] } as ServerMessage);
      assert.equal(next.role, now, `${was} → ${now}`);
      assert.equal(next.participants.length, 2);
      assert.equal(next.waiting.length, cleared ? 0 : 1, `${was} → ${now}: waiting room`);
      assert.equal(next.bans.length, cleared ? 0 : 1, `${was} → ${now}: bans`);
    }
  });

  it('goes back to the form with the reason when the meeting ends, and keeps media messages out of this state', () => {
    const s = inMeetingAs('participant');
    assert.equal(server(s, { type: 'connectionQuality', participants: [{ id: 'p_me', quality: 'poor' }] } as ServerMessage), s);
    const ended = server(s, { type: 'ended', code: 'REMOVED', message: 'x' } as ServerMessage);
    assert.equal(ended.phase, 'form');
    assert.deepEqual(ended.problem, { code: 'REMOVED' });
  });
});
