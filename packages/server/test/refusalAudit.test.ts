// H2: refused attempts are audited in sums per source and kind, not one row per request.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuditKind } from '@kaigi/protocol';
import type { AuditLog, AuditRecord } from '../src/audit/AuditLog.js';
import { RefusalAudit } from '../src/rooms/RefusalAudit.js';

function fakeLog(): { log: AuditLog; rows: AuditRecord[] } {
  const rows: AuditRecord[] = [];
  const log = { append: async (r: AuditRecord) => (rows.push(r), r), record: (r: AuditRecord) => void rows.push(r) } as unknown as AuditLog;
  return { log, rows };
}

const refusal = (source: string, meetingId: string | null, kind: AuditKind = AuditKind.JOIN_RATE_LIMITED) => ({
  kind,
  source,
  actor: `address:${source}`,
  meetingId,
  data: { attemptedMeetingId: meetingId ?? 'unknown0000000000', reason: 'RATE_LIMITED' },
});

describe('RefusalAudit (H2)', () => {
  it('H2: writes the first few of a window, then one row with the count of the rest', async () => {
    let now = 0;
    const { log, rows } = fakeLog();
    const ra = new RefusalAudit(log, { windowMs: 60_000, firstRows: 3, now: () => now });
    for (let i = 0; i < 60; i++) await ra.refused(refusal('ip:a', 'm1'));
    assert.equal(rows.length, 3, 'only the first few are written at once');
    now = 42_000;
    ra.flush();
    assert.equal(rows.length, 4);
    assert.deepEqual(rows[3], {
      kind: AuditKind.JOIN_RATE_LIMITED,
      actor: 'address:ip:a',
      meetingId: 'm1',
      data: { summed: 57, windowSeconds: 42, meetingIds: ['m1'], reason: 'RATE_LIMITED' },
    });
    ra.flush();
    assert.equal(rows.length, 4, 'a window is summed once');
  });

  it('H2: keeps sources and kinds apart, and ties a sum to no meeting when several were aimed at', async () => {
    const { log, rows } = fakeLog();
    const ra = new RefusalAudit(log, { windowMs: 60_000, firstRows: 1, now: () => 0 });
    for (let i = 0; i < 4; i++) await ra.refused(refusal('ip:a', `m${i}`));
    await ra.refused(refusal('ip:b', 'm1'));
    await ra.refused(refusal('ip:a', 'm1', AuditKind.PASSWORD_FAILED));
    assert.equal(rows.length, 3, 'the first of each source and kind');
    ra.flush();
    assert.equal(rows.length, 4);
    assert.equal(rows[3]?.meetingId, null);
    assert.deepEqual(rows[3]?.data, { summed: 3, windowSeconds: 0, meetingIds: ['m1', 'm2', 'm3'], reason: 'RATE_LIMITED' });
  });
});
