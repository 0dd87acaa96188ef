import { z } from 'zod';
import { DataMap } from './meetingData.js';
import { ConfidentialityLevel } from './policy.js';

// The security report of one meeting (F3): every clause of the guidance (guidance.ts), whether
// this meeting meets it, and the evidence the server has for saying so. Statuses:
//   'met'            the facts the server holds show the clause is satisfied;
//   'not_met'        they show it is not, or Kaigi cannot know it (e.g. a contract): the evidence
//                    says what is missing and who must act;
//   'not_applicable' the clause is for another confidentiality level (or the facts rule it out);
//   'participant'    the clause is each attendee's own duty: the report says so rather than claim it.

export const ReportStatus = z.enum(['met', 'not_met', 'not_applicable', 'participant']);
export type ReportStatus = z.infer<typeof ReportStatus>;

export const ReportText = z.object({ ja: z.string(), en: z.string() });
export type ReportText = z.infer<typeof ReportText>;

export const ReportClause = z.object({
  id: z.string(),
  source: z.enum(['IPA', 'KU']),
  section: z.string(),
  title: ReportText,
  text: ReportText,
  /** Kaigi requirement IDs (docs/requirements.md) that implement the clause. */
  requirements: z.array(z.string()),
  status: ReportStatus,
  evidence: ReportText,
});
export type ReportClause = z.infer<typeof ReportClause>;

export const SecurityReport = z.object({
  meetingId: z.string(),
  title: z.string(),
  generatedAt: z.string(),
  level: ConfidentialityLevel,
  organisation: z.object({
    levelsAllowed: z.array(ConfidentialityLevel),
    region: z.string(),
    node: z.string(),
  }),
  clauses: z.array(ReportClause),
  summary: z.object({
    met: z.number().int().nonnegative(),
    notMet: z.number().int().nonnegative(),
    notApplicable: z.number().int().nonnegative(),
    /** Clauses that are each participant's own duty (status 'participant'). */
    participantsOwn: z.number().int().nonnegative(),
  }),
  /** The meeting's data map (E1) as GET /api/meetings/:id/data-map gives it: what it stores, and what is stored. */
  dataMap: z.object({
    planned: DataMap.shape.planned,
    objects: DataMap.shape.objects,
  }),
});
export type SecurityReport = z.infer<typeof SecurityReport>;

export const reportApiPath = (meetingId: string) => `/api/meetings/${encodeURIComponent(meetingId)}/report`;
