import { useEffect, useState } from 'react';
import { paths, type DataMapEntry, type SecurityReport } from '@kaigi/protocol';
import { ApiError } from '../../api/http';
import { problemOf, useI18n, type Problem } from '../../i18n';
import { useAuth } from '../auth';
import { PlannedTable } from '../components/DataMapTables';
import { ProblemAlert } from '../components/ProblemAlert';
import { formatBytes, formatDateTime, KIND_LABELS, PROTECTION_LABELS } from '../format';
import { dataMapPath, Link, navigate } from '../router';
import { fetchReport } from './report/api';
import { useReportStrings } from './report/strings';
import './report/report.css';

/**
 * The security report of one meeting, for its host (F3): every clause of the guidance with this
 * meeting's status and the evidence, the summary and the data map, in the UI language; printable.
 */
export function ReportPage({ meetingId }: { meetingId: string }) {
  const { locale } = useI18n();
  const s = useReportStrings();
  const auth = useAuth();
  const [report, setReport] = useState<SecurityReport | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);

  useEffect(() => {
    let live = true;
    fetchReport(meetingId)
      .then((r) => live && setReport(r))
      .catch((err: unknown) => {
        if (!live) return;
        if (err instanceof ApiError && err.status === 401) {
          void auth.signOut().then(() => navigate(paths.signIn, { replace: true }));
          return;
        }
        setProblem(problemOf(err));
      });
    return () => {
      live = false;
    };
  }, [meetingId, auth]);

  return (
    <div className="stack report-page">
      <div className="page-head">
        <h1>{s.title}</h1>
        <span className="page-head-side report-no-print">
          <button type="button" className="button primary" onClick={() => window.print()} disabled={report === null}>
            {s.print}
          </button>
          <Link to={dataMapPath(meetingId)}>{s.dataMapLink}</Link>
          <Link to={paths.dashboard}>{s.dashboardLink}</Link>
        </span>
      </div>
      <p className="muted">{s.intro}</p>
      <ProblemAlert problem={problem} />
      {report === null ? !problem && <p className="muted">{s.loading}</p> : <ReportBody report={report} locale={locale} />}
    </div>
  );
}

function ReportBody({ report, locale }: { report: SecurityReport; locale: 'en' | 'ja' }) {
  const s = useReportStrings();
  const { summary } = report;
  return (
    <>
      <section className="card stack" aria-labelledby="report-meeting-heading">
        <h2 id="report-meeting-heading">{s.meetingHeading}</h2>
        <dl className="pairs">
          <dt>{s.meetingTitle}</dt>
          <dd>{report.title}</dd>
          <dt>{s.meetingId}</dt>
          <dd>
            <code>{report.meetingId}</code>
          </dd>
          <dt>{s.level}</dt>
          <dd data-level={report.level}>{s.levels[report.level]}</dd>
          <dt>{s.node}</dt>
          <dd>{report.organisation.node}</dd>
          <dt>{s.region}</dt>
          <dd>{report.organisation.region}</dd>
          <dt>{s.levelsAllowed}</dt>
          <dd>{report.organisation.levelsAllowed.map((l) => s.levels[l]).join(', ')}</dd>
          <dt>{s.generatedAt}</dt>
          <dd>
            <time dateTime={report.generatedAt}>{formatDateTime(report.generatedAt, locale) || report.generatedAt}</time>
          </dd>
        </dl>
      </section>

      <section className="card stack" aria-labelledby="report-summary-heading">
        <h2 id="report-summary-heading">{s.summaryHeading}</h2>
        <ul className="report-summary" aria-labelledby="report-summary-heading">
          <li data-summary="met">
            {s.status.met}: <strong>{summary.met}</strong>
          </li>
          <li data-summary="not_met">
            {s.status.not_met}: <strong>{summary.notMet}</strong>
          </li>
          <li data-summary="not_applicable">
            {s.status.not_applicable}: <strong>{summary.notApplicable}</strong>
          </li>
          <li data-summary="participant">
            {s.status.participant}: <strong>{summary.participantsOwn}</strong>
          </li>
        </ul>
      </section>

      <section className="card stack" aria-labelledby="report-clauses-heading">
        <h2 id="report-clauses-heading">{s.clausesHeading}</h2>
        <div className="report-table-wrap">
          <table className="report-table">
            <caption>{s.clausesCaption}</caption>
            <thead>
              <tr>
                <th scope="col">{s.colClause}</th>
                <th scope="col">{s.colAsks}</th>
                <th scope="col">{s.colStatus}</th>
                <th scope="col">{s.colEvidence}</th>
              </tr>
            </thead>
            <tbody>
              {report.clauses.map((c) => (
                <tr key={c.id} data-clause-id={c.id} data-status={c.status}>
                  <th scope="row">
                    <span className="report-clause-id">{c.id}</span>
                    {c.title[locale]}
                    {c.requirements.length > 0 && (
                      <span className="report-reqs">
                        {s.requirements}: {c.requirements.join(', ')}
                      </span>
                    )}
                  </th>
                  <td lang={locale}>{c.text[locale]}</td>
                  <td className={`report-status report-status-${c.status}`}>{s.status[c.status]}</td>
                  <td lang={locale}>{c.evidence[locale]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section className="stack" aria-labelledby="report-data-heading">
        <h2 id="report-data-heading">{s.dataHeading}</h2>
        <PlannedTable planned={report.dataMap.planned} />
        <StoredObjects objects={report.dataMap.objects} locale={locale} />
      </section>
    </>
  );
}

/** The stored objects, read-only (the data map page has the actions). */
function StoredObjects({ objects, locale }: { objects: DataMapEntry[]; locale: 'en' | 'ja' }) {
  const s = useReportStrings();
  const { t } = useI18n();
  return (
    <section className="card stack" aria-labelledby="report-objects-heading">
      <h3 id="report-objects-heading">{s.objectsCaption}</h3>
      {objects.length === 0 ? (
        <p className="muted">{s.noObjects}</p>
      ) : (
        <div className="report-table-wrap">
          <table className="report-table" aria-labelledby="report-objects-heading">
            <thead>
              <tr>
                <th scope="col">{s.colKind}</th>
                <th scope="col">{s.colName}</th>
                <th scope="col">{s.colSize}</th>
                <th scope="col">{s.colProtection}</th>
                <th scope="col">{s.colWhere}</th>
                <th scope="col">{s.colPurge}</th>
              </tr>
            </thead>
            <tbody>
              {objects.map((o) => (
                <tr key={o.id} data-object-id={o.id}>
                  <td>{t(KIND_LABELS[o.kind])}</td>
                  <th scope="row">{o.name ?? t('nameSealed', { id: o.id })}</th>
                  <td>{formatBytes(o.size, locale)}</td>
                  <td>{t(PROTECTION_LABELS[o.protection])}</td>
                  <td>
                    {o.node} / {o.region} / <code>{o.location}</code>
                  </td>
                  <td>{o.purgeAt ? formatDateTime(o.purgeAt, locale) || o.purgeAt : s.purgeAtEnd}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
