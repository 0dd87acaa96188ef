import type { FastifyInstance } from 'fastify';
import type { SecurityReport } from '@kaigi/protocol';
import type { Services } from '../services.js';
import { buildReport } from '../report/buildReport.js';
import { gatherReportFacts } from '../report/facts.js';
import { requireUser } from './auth.js';
import { ownedMeeting } from './guards.js';

/** The security report of a meeting (F3), for its host: every clause of the guidance, its status and evidence. */
export function reportRoutes(app: FastifyInstance, services: Services): void {
  app.get<{ Params: { id: string } }>('/api/meetings/:id/report', { preHandler: requireUser(services) }, async (req): Promise<SecurityReport> => {
    const m = await ownedMeeting(services, req);
    return buildReport(await gatherReportFacts(services, m));
  });
}
