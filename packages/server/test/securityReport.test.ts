// The security report (F3) from hand-written facts: statuses follow from the facts, every clause
// of the guidance appears exactly once, level-specific clauses are not applicable to other levels.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AuditKind,
  compilePolicy,
  DEFAULT_MEDIA_PERMISSIONS,
  DEFAULT_RETENTION,
  defaultOrganisationPolicy,
  GUIDANCE_CLAUSES,
  SecurityReport,
  type ConfidentialityLevel,
  type DataMapEntry,
  type ReportStatus,
} from '@kaigi/protocol';
import { buildReport, EVALUATORS } from '../src/report/buildReport.js';
import type { LiveParticipant, ReportAuditEntry, ReportFacts } from '../src/report/facts.js';
import { productFacts } from '../src/report/product.js';
import { DEFAULT_STORED_RULES } from '../src/storage/MeetingStore.js';

const HOST = 'p_host00000000000000000000';
const GUEST = 'p_guest0000000000000000000';
const org = defaultOrganisationPolicy('tokyo-1');

let clock = Date.parse('2025-04-01T09:00:00Z');
const at = () => new Date((clock += 1000)).toISOString();
const entry = (kind: string, actor: string, data: Record<string, unknown> = {}): ReportAuditEntry => ({ at: at(), kind, actor, data });

function facts(opts: {
  level: ConfidentialityLevel;
  e2ee: boolean;
  audit?: ReportAuditEntry[];
  objects?: DataMapEntry[];
  live?: LiveParticipant[] | null;
  epoch?: number | null;
}): ReportFacts {
  const retention = { ...DEFAULT_RETENTION };
  return {
    generatedAt: '2025-04-01T10:00:00.000Z',
    meeting: {
      id: '0123456789abcdef',
      title: 'Board',
      e2ee: opts.e2ee,
      locked: false,
      retention,
      rules: { ...DEFAULT_STORED_RULES, level: opts.level },
      mediaPermissions: { ...DEFAULT_MEDIA_PERMISSIONS },
      endedAt: null,
      createdAt: '2025-04-01T08:00:00.000Z',
      passwordSet: true,
    },
    policy: compilePolicy(opts.level, org),
    organisation: org,
    node: 'node-a',
    region: 'tokyo-1',
    live: opts.live ? { participants: opts.live, locked: false, mediaPermissions: { ...DEFAULT_MEDIA_PERMISSIONS }, epoch: opts.epoch ?? null } : null,
    audit: opts.audit ?? [],
    dataMap: {
      meetingId: '0123456789abcdef',
      node: 'node-a',
      region: 'tokyo-1',
      retention,
      e2ee: opts.e2ee,
      objects: opts.objects ?? [],
      planned: [],
      deletions: [],
      registrations: { pending: 0, approved: 0, revoked: 0 },
    },
    escrow: null,
    product: productFacts(),
  };
}

const hostJoined = () => entry(AuditKind.HOST_JOINED, HOST, { displayName: 'Aiko', entry: 'member' });
const admitted = (check?: { face: boolean; voice: boolean; name: boolean }) =>
  entry(AuditKind.ADMITTED, HOST, { participantId: GUEST, displayName: 'Ben (ACME)', entry: 'guest', ...(check && { check }) });

const livePeople = (check: boolean): LiveParticipant[] => [
  { id: HOST, displayName: 'Aiko', role: 'host', entry: 'member', state: 'admitted', verification: null, admissionCheck: null },
  {
    id: GUEST,
    displayName: 'Ben (ACME)',
    role: 'participant',
    entry: 'guest',
    state: 'admitted',
    verification: null,
    admissionCheck: check ? { by: HOST, byName: 'Aiko', at: clock, face: true, voice: true, name: true } : null,
  },
];

const object = (kind: DataMapEntry['kind'], name: string, protection: DataMapEntry['protection'] = 'server'): DataMapEntry => ({
  id: `o_${name}`,
  kind,
  name,
  size: 1000,
  protection,
  node: 'node-a',
  region: 'tokyo-1',
  location: `objects/${name}`,
  createdAt: at(),
  purgeAt: null,
});

const statusOf = (r: SecurityReport, id: string): ReportStatus => {
  const c = r.clauses.find((x) => x.id === id);
  assert.ok(c, `clause ${id} is in the report`);
  return c.status;
};
const clause = (r: SecurityReport, id: string) => r.clauses.find((x) => x.id === id)!;

function highE2ee(check = true): SecurityReport {
  return buildReport(
    facts({
      level: 'high',
      e2ee: true,
      audit: [hostJoined(), entry(AuditKind.WAITING, GUEST, { displayName: 'Ben (ACME)' }), admitted(check ? { face: true, voice: true, name: true } : undefined), entry(AuditKind.E2EE_EPOCH, HOST, { epoch: 1 }), entry(AuditKind.E2EE_EPOCH, HOST, { epoch: 2 })],
      live: livePeople(check),
      epoch: 2,
    }),
  );
}

describe('security report (F3)', () => {
  it('has one evaluator per clause of the guidance, and every clause exactly once in the report', () => {
    const ids = GUIDANCE_CLAUSES.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length, 'clause IDs are unique');
    assert.deepEqual(Object.keys(EVALUATORS).sort(), [...ids].sort());
    for (const r of [highE2ee(), buildReport(facts({ level: 'low', e2ee: false })), buildReport(facts({ level: 'medium', e2ee: false }))]) {
      assert.deepEqual(r.clauses.map((c) => c.id), ids);
      SecurityReport.parse(r);
      const { met, notMet, notApplicable, participantsOwn } = r.summary;
      assert.equal(met + notMet + notApplicable + participantsOwn, ids.length);
      for (const c of r.clauses) {
        assert.ok(c.evidence.en.length > 0 && c.evidence.ja.length > 0, `${c.id} has evidence in both languages`);
        const g = GUIDANCE_CLAUSES.find((x) => x.id === c.id)!;
        assert.equal(c.status === 'participant', g.scope === 'participant', `${c.id}: participant status iff participant scope`);
      }
    }
  });

  it('High, E2EE, guest checked by face and voice: E2EE, password, no recording or files, checks met', () => {
    const r = highE2ee();
    assert.equal(r.level, 'high');
    for (const id of ['IPA-5.1(2)-a', 'IPA-5.1(1)-a', 'KU-e2ee', 'IPA-4.1(2)-a', 'IPA-3.2-a']) assert.equal(statusOf(r, id), 'met', id);
    assert.match(clause(r, 'IPA-5.1(2)-a').evidence.en, /E2EE on/);
    assert.match(clause(r, 'IPA-5.1(2)-a').evidence.en, /2 key epoch\(s\) so far, current epoch 2/);
    // Password apart from the invitation (G2), password + waiting room.
    for (const id of ['IPA-5.1(3)-b', 'IPA-4.1(2)-f', 'IPA-5.1(3)-a', 'IPA-4.1(2)-d', 'KU-password']) assert.equal(statusOf(r, id), 'met', id);
    // Recording and file sharing: forbidden, and nothing recorded or stored.
    assert.equal(statusOf(r, 'IPA-5.1(1)-b'), 'met');
    // The guest was checked by face and voice, by the host.
    assert.equal(statusOf(r, 'IPA-5.1(3)-c'), 'met');
    assert.match(clause(r, 'IPA-5.1(3)-c').evidence.en, /Ben \(ACME\) \(face\+voice\+name, by Aiko\)/);
    assert.equal(statusOf(r, 'IPA-4.2(1)-a'), 'met');
    // Level-specific clauses of other levels.
    for (const id of ['IPA-5.2(1)-a', 'IPA-5.2(3)-c', 'IPA-5.3(1)', 'IPA-5.3(3)-c']) assert.equal(statusOf(r, id), 'not_applicable', id);
    // What Kaigi cannot know is not claimed.
    assert.equal(statusOf(r, 'IPA-5.1(2)-b'), 'not_met');
    assert.match(clause(r, 'IPA-5.1(2)-b').evidence.en, /cannot know/);
    assert.equal(statusOf(r, 'IPA-4.3(2)'), 'participant');
    assert.equal(statusOf(r, 'KU-bystanders'), 'participant');
  });

  it('High: a guest admitted without a face and voice check is named', () => {
    const r = highE2ee(false);
    assert.equal(statusOf(r, 'IPA-5.1(3)-c'), 'not_met');
    assert.match(clause(r, 'IPA-5.1(3)-c').evidence.en, /Ben \(ACME\)/);
  });

  it('High: a recording or a server-readable file breaks the no-recording and no-decryption clauses', () => {
    const r = buildReport(
      facts({ level: 'high', e2ee: true, audit: [hostJoined(), entry(AuditKind.RECORDING_STARTED, HOST, { mode: 'local', displayName: 'Aiko' })], objects: [object('file', 'plan.pdf')] }),
    );
    assert.equal(statusOf(r, 'IPA-5.1(1)-b'), 'not_met');
    assert.match(clause(r, 'IPA-5.1(1)-b').evidence.en, /plan\.pdf/);
    assert.equal(statusOf(r, 'IPA-5.1(1)-a'), 'not_met');
  });

  it('Low, not E2EE: E2EE clauses not met or not applicable, all features met, verifier only once a check is recorded', () => {
    const r = buildReport(facts({ level: 'low', e2ee: false, audit: [hostJoined(), admitted()] }));
    assert.equal(r.level, 'low');
    for (const id of ['IPA-5.1(2)-a', 'IPA-5.1(1)-a', 'IPA-5.1(1)-b', 'IPA-5.1(3)-b', 'IPA-5.1(3)-c', 'IPA-5.2(1)-a', 'IPA-5.2(3)-c']) {
      assert.equal(statusOf(r, id), 'not_applicable', id);
    }
    assert.equal(statusOf(r, 'KU-e2ee'), 'not_met');
    assert.match(clause(r, 'KU-e2ee').evidence.en, /can decrypt/);
    assert.equal(statusOf(r, 'IPA-4.1(2)-a'), 'met', 'Low accepts server-decryptable media');
    assert.equal(statusOf(r, 'IPA-4.1(2)-f'), 'not_met', 'the password rides in the link');
    assert.equal(statusOf(r, 'IPA-5.3(1)'), 'met');
    assert.equal(statusOf(r, 'IPA-5.3(2)'), 'met', 'TLS profile');
    assert.equal(statusOf(r, 'IPA-5.3(3)-a'), 'not_met', 'no pre-registration in this build');
    assert.equal(statusOf(r, 'KU-high-confidentiality'), 'not_applicable');
    // B7: no check recorded yet.
    assert.equal(statusOf(r, 'IPA-5.3(3)-c'), 'not_met');
    const checked = buildReport(facts({ level: 'low', e2ee: false, audit: [hostJoined(), admitted(), entry(AuditKind.VERIFIED, HOST, { participantId: GUEST, displayName: 'Ben (ACME)', epoch: 3 })] }));
    assert.equal(statusOf(checked, 'IPA-5.3(3)-c'), 'met');
    assert.match(clause(checked, 'IPA-5.3(3)-c').evidence.en, /Aiko/);
  });

  it('Low: stored files and recordings are fine for the level, and the export clause follows the audit trail', () => {
    const objects = [object('file', 'slides.pdf'), object('recording', 'rec-1.webm')];
    const audit = [hostJoined(), entry(AuditKind.RECORDING_STARTED, HOST, { mode: 'server', displayName: 'Aiko' })];
    const r = buildReport(facts({ level: 'low', e2ee: false, audit, objects }));
    assert.equal(statusOf(r, 'IPA-5.3(1)'), 'met');
    assert.equal(statusOf(r, 'IPA-4.2(2)-a'), 'not_met');
    const exported = buildReport(facts({ level: 'low', e2ee: false, audit: [...audit, entry(AuditKind.MEETING_EXPORTED, 'u_host', { entries: 4 })], objects }));
    assert.equal(statusOf(exported, 'IPA-4.2(2)-a'), 'met');
    assert.equal(r.dataMap.objects.length, 2);
  });

  it('Medium: verifier not met until someone checks, regions pinned, the country of data centres left to the organisation', () => {
    const r = buildReport(facts({ level: 'medium', e2ee: false }));
    assert.equal(statusOf(r, 'IPA-5.2(3)-c'), 'not_met');
    assert.equal(statusOf(r, 'IPA-5.2(1)-a'), 'met', 'nothing stored, the level forbids it');
    assert.equal(statusOf(r, 'IPA-5.2(2)-a'), 'met');
    assert.equal(statusOf(r, 'IPA-3.1-b'), 'met');
    assert.equal(statusOf(r, 'IPA-5.2(1)-b'), 'not_met');
    const elsewhere = buildReport(facts({ level: 'medium', e2ee: false, objects: [{ ...object('file', 'x.pdf'), region: 'us-east' }] }));
    assert.equal(statusOf(elsewhere, 'IPA-3.1-b'), 'not_met');
    assert.match(clause(elsewhere, 'IPA-3.1-b').evidence.en, /us-east/);
  });
});
