import { GUIDANCE_CLAUSES, type GuidanceClause, type ReportClause, type SecurityReport } from '@kaigi/protocol';
import { IPA3 } from './clauses/ipa3.js';
import { IPA4 } from './clauses/ipa4.js';
import { IPA5 } from './clauses/ipa5.js';
import { KU } from './clauses/ku.js';
import { derive, LEVEL_NAME, type Ctx, type Evaluator, type Verdict } from './derive.js';
import type { ReportFacts } from './facts.js';

/** One evaluator per clause of the guidance, by clause ID. */
export const EVALUATORS: Readonly<Record<string, Evaluator>> = { ...IPA3, ...IPA4, ...IPA5, ...KU };

/** The clause's verdict for this meeting: level-specific clauses of other levels first, then its evaluator. */
export function evaluateClause(clause: GuidanceClause, c: Ctx): Verdict {
  if (clause.levels && !clause.levels.includes(c.level)) {
    const en = clause.levels.map((l) => LEVEL_NAME[l].en).join(', ');
    const ja = clause.levels.map((l) => `「${LEVEL_NAME[l].ja}」`).join('');
    return {
      status: 'not_applicable',
      evidence: { en: `For ${en} meetings; this meeting is ${c.levelName.en}.`, ja: `機密性${ja}の会議の項目です。この会議は「${c.levelName.ja}」です。` },
    };
  }
  const evaluate = EVALUATORS[clause.id];
  if (!evaluate) throw new Error(`no evaluator for guidance clause ${clause.id}`);
  const v = evaluate(c);
  // Each attendee's own duty is never claimed met or not met for them.
  if (clause.scope === 'participant') return { status: 'participant', evidence: v.evidence };
  if (v.status === 'participant') throw new Error(`clause ${clause.id} is not a participant's duty`);
  return v;
}

/** The security report (F3) of a meeting, from its facts alone. */
export function buildReport(facts: ReportFacts): SecurityReport {
  const c = derive(facts);
  const clauses: ReportClause[] = GUIDANCE_CLAUSES.map((g) => {
    const v = evaluateClause(g, c);
    return {
      id: g.id,
      source: g.source,
      section: g.section,
      title: g.title,
      text: g.text,
      requirements: [...g.requirements],
      status: v.status,
      evidence: v.evidence,
    };
  });
  const count = (s: ReportClause['status']) => clauses.filter((x) => x.status === s).length;
  return {
    meetingId: facts.meeting.id,
    title: facts.meeting.title,
    generatedAt: facts.generatedAt,
    level: c.level,
    organisation: { levelsAllowed: [...facts.organisation.levels.allowed], region: facts.region, node: facts.node },
    clauses,
    summary: { met: count('met'), notMet: count('not_met'), notApplicable: count('not_applicable'), participantsOwn: count('participant') },
    dataMap: { planned: facts.dataMap.planned, objects: facts.dataMap.objects },
  };
}
