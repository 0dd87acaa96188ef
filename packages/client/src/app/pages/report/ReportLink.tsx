import { Link, reportPath } from '../../router';
import { useReportStrings } from './strings';

/** "Security report": the link from a meeting's data map to its report (F3). */
export function ReportLink({ meetingId }: { meetingId: string }) {
  return <Link to={reportPath(meetingId)}>{useReportStrings().title}</Link>;
}
