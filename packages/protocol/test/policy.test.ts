import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePolicy, defaultOrganisationPolicy, nameMatches, NameRule, OrganisationPolicy } from '../src/index.js';

const pattern = (p: string) => ({ kind: 'pattern' as const, pattern: p });

describe('confidentiality levels and name rules (F1, F2, B4)', () => {
  it('matches name patterns with * as one or more characters, literally otherwise', () => {
    assert.equal(nameMatches(pattern('ACME *'), 'ACME Taro'), true);
    assert.equal(nameMatches(pattern('ACME *'), 'ACME '), false);
    assert.equal(nameMatches(pattern('ACME *'), 'Evil ACME x'), false);
    assert.equal(nameMatches(pattern('* (Kyoto U)'), 'Hana (Kyoto U)'), true);
    assert.equal(nameMatches(pattern('* (Kyoto U)'), 'Hana (Kyoto)'), false);
    assert.equal(nameMatches(pattern('a*b*c'), 'axxbyyc'), true);
    assert.equal(nameMatches(pattern('a*b*c'), 'abc'), false);
    assert.equal(nameMatches(pattern('.*'), 'anything'), false, 'no regular expressions');
    assert.equal(nameMatches(pattern('exact'), 'exactly'), false);
    // Bounded work whatever the pattern: 50 stars against 64 characters.
    assert.equal(nameMatches(pattern('*'.repeat(50) + 'x'), 'a'.repeat(64)), false);
    assert.equal(NameRule.safeParse(pattern('***')).success, false, 'a pattern needs fixed text');
  });

  it('compiles each level into what it allows', () => {
    const org = defaultOrganisationPolicy('tokyo');
    const high = compilePolicy('high', { ...org, regions: { home: ['tokyo'], allowed: ['osaka'] } });
    assert.deepEqual(
      [high.e2eeRequired, high.serverRecording, high.fileSharing, high.passwordSeparate, high.checkBeforeAdmission, high.regions],
      [true, false, false, true, true, ['tokyo']],
    );
    const medium = compilePolicy('medium', { ...org, regions: { home: ['tokyo'], allowed: ['osaka'] } });
    assert.deepEqual([medium.e2eeRequired, medium.serverRecording, medium.browserRecording, medium.fileSharing, medium.regions], [false, false, false, false, ['tokyo', 'osaka']]);
    const low = compilePolicy('low', org);
    assert.deepEqual([low.serverRecording, low.browserRecording, low.fileSharing, low.chatKeeping, low.verifierExpected], [true, true, true, true, true]);
  });

  it('refuses an organisation policy whose default level it does not allow', () => {
    const bad = { ...defaultOrganisationPolicy('x'), levels: { allowed: ['high'], default: 'low' } };
    assert.equal(OrganisationPolicy.safeParse(bad).success, false);
  });
});
