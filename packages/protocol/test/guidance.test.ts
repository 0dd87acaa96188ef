import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GUIDANCE_CLAUSES } from '../src/guidance.js';

// The requirement IDs of the shared requirements document, which sits beside the repository.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const requirementsMd = readFileSync(path.resolve(repoRoot, '../shared/docs/requirements.md'), 'utf8');
const REQUIREMENT_IDS = new Set([...requirementsMd.matchAll(/^- ([A-I]\d+) /gm)].map((m) => m[1]!));

const cited = new Set(GUIDANCE_CLAUSES.flatMap((c) => c.requirements));

describe('guidance clauses (F3)', () => {
  it('reads the requirement list', () => {
    assert.ok(REQUIREMENT_IDS.size >= 30, `only ${REQUIREMENT_IDS.size} requirement IDs parsed`);
    for (const id of ['A1', 'B7', 'F3', 'I1']) assert.ok(REQUIREMENT_IDS.has(id), id);
  });

  it('has unique ids, each prefixed by its source', () => {
    const ids = GUIDANCE_CLAUSES.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length, 'duplicate ids');
    for (const c of GUIDANCE_CLAUSES) assert.ok(c.id.startsWith(`${c.source}-`), c.id);
  });

  it('gives IPA ids that start with their section', () => {
    for (const c of GUIDANCE_CLAUSES.filter((x) => x.source === 'IPA')) {
      assert.match(c.section, /^[345]\.\d(\(\d\))?$/, c.id);
      assert.ok(c.id === `IPA-${c.section}` || c.id.startsWith(`IPA-${c.section}-`), c.id);
    }
  });

  it('cites only requirement IDs that exist, without repeats', () => {
    for (const c of GUIDANCE_CLAUSES) {
      for (const r of c.requirements) assert.ok(REQUIREMENT_IDS.has(r), `${c.id} cites unknown ${r}`);
      assert.equal(new Set(c.requirements).size, c.requirements.length, `${c.id} repeats a requirement`);
    }
  });

  it('has text in both languages', () => {
    for (const c of GUIDANCE_CLAUSES) {
      for (const s of [c.title.ja, c.title.en, c.text.ja, c.text.en, c.section]) {
        assert.ok(s.trim().length > 0, `${c.id} has an empty field`);
      }
      assert.match(c.title.ja + c.text.ja, /[\u3040-\u30ff\u4e00-\u9fff]/, `${c.id}: ja is not Japanese`);
      assert.doesNotMatch(c.title.en + c.text.en, /[\u3040-\u30ff\u4e00-\u9fff]/, `${c.id}: en contains Japanese`);
    }
  });

  it('puts levels only on IPA 5.x clauses, matching the section', () => {
    const sectionLevel = { '5.1': 'high', '5.2': 'medium', '5.3': 'low' } as const;
    for (const c of GUIDANCE_CLAUSES) {
      if (c.levels === undefined) continue;
      assert.ok(c.source === 'IPA' && c.section.startsWith('5.'), `${c.id} has levels outside IPA 5.x`);
      assert.ok(c.levels.length > 0, `${c.id} has an empty levels list`);
      const expected = sectionLevel[c.section.slice(0, 3) as keyof typeof sectionLevel];
      assert.deepEqual(c.levels, [expected], c.id);
    }
    for (const c of GUIDANCE_CLAUSES.filter((x) => x.source === 'IPA' && x.section.startsWith('5.'))) {
      assert.ok(c.levels, `${c.id} in IPA 5.x has no level`);
    }
  });

  it('has at least 4 clauses for each level', () => {
    for (const level of ['high', 'medium', 'low'] as const) {
      const n = GUIDANCE_CLAUSES.filter((c) => c.levels?.includes(level)).length;
      assert.ok(n >= 4, `${level}: ${n} clauses`);
    }
  });

  it('cites every requirement of B, C, D1–D4, E, F1, G', () => {
    const must = [
      ...['B1', 'B2', 'B3', 'B4', 'B5', 'B6', 'B7'],
      ...['C1', 'C2', 'C3', 'C4'],
      ...['D1', 'D2', 'D3', 'D4'],
      ...['E1', 'E2', 'E3', 'E4', 'E5'],
      'F1', 'G1', 'G2',
    ];
    const missing = must.filter((r) => !cited.has(r));
    assert.deepEqual(missing, [], `not cited: ${missing.join(', ')}`);
  });

  it('covers every section of both documents', () => {
    const sections = new Set(GUIDANCE_CLAUSES.filter((c) => c.source === 'IPA').map((c) => c.section.replace(/\(\d\)$/, '')));
    for (const s of ['3.1', '3.2', '3.3', '3.4', '3.5', '4.1', '4.2', '4.3', '5.1', '5.2', '5.3']) assert.ok(sections.has(s), s);
    assert.ok(GUIDANCE_CLAUSES.filter((c) => c.source === 'KU').length >= 5);
  });
});
