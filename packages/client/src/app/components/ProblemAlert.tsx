import { useEffect, useState } from 'react';
import { useI18n, type Problem } from '../../i18n';

/**
 * A localised error in a role="alert" element; RATE_LIMITED counts down the seconds to wait. The
 * server's own words follow when they state a rule (which name pattern, which time).
 */
export function ProblemAlert({ problem }: { problem: Problem | null }) {
  const { t, tError } = useI18n();
  const [now, setNow] = useState(() => Date.now());
  const [shownAt, setShownAt] = useState(() => Date.now());

  useEffect(() => {
    setShownAt(Date.now());
    setNow(Date.now());
    if (problem?.retryAfterMs === undefined) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [problem]);

  if (!problem) return null;
  const remaining =
    problem.retryAfterMs === undefined ? undefined : Math.max(1000, problem.retryAfterMs - (now - shownAt));
  return (
    <p className="error" role="alert">
      {tError({ code: problem.code, retryAfterMs: remaining })}
      {problem.detail && (
        <>
          {' '}
          <span className="problem-detail">{t('serverSays', { detail: problem.detail })}</span>
        </>
      )}
    </p>
  );
}
