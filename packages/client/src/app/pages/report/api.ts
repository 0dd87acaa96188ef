import { reportApiPath, SecurityReport } from '@kaigi/protocol';
import { ApiError, apiErrorOf } from '../../../api/http';

/** GET /api/meetings/:id/report (host only), checked against the protocol's schema. */
export async function fetchReport(meetingId: string): Promise<SecurityReport> {
  let res: Response;
  try {
    res = await fetch(reportApiPath(meetingId), { headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'NETWORK', 'network error');
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) throw apiErrorOf(res, body);
  const r = SecurityReport.safeParse(body);
  if (!r.success) throw new ApiError(res.status, 'UNKNOWN', 'unexpected response');
  return r.data;
}
