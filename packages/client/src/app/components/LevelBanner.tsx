import { useEffect, useRef, useState } from 'react';
import { LEVEL_RANK, type ConfidentialityLevel } from '@kaigi/protocol';
import { useI18n } from '../../i18n';
import type { StringKey } from '../../i18n/en';
import type { MeetingSession } from '../../session/useMeetingSession';

export const LEVEL_NAME: Record<ConfidentialityLevel, StringKey> = { high: 'levelHigh', medium: 'levelMedium', low: 'levelLow' };
const LEVEL_MEANS: Record<ConfidentialityLevel, StringKey> = { high: 'levelMeansHigh', medium: 'levelMeansMedium', low: 'levelMeansLow' };

/**
 * The meeting's confidentiality level, in view of everyone (F1): what it is, what it means in one
 * line, and a spoken announcement when the host raises it during the meeting.
 */
export function LevelBanner({ session }: { session: MeetingSession }) {
  const { t } = useI18n();
  const level = session.state.meeting?.level.level ?? null;
  const seen = useRef<ConfidentialityLevel | null>(null);
  const [raisedTo, setRaisedTo] = useState<ConfidentialityLevel | null>(null);

  useEffect(() => {
    const before = seen.current;
    seen.current = level;
    if (before && level && LEVEL_RANK[level] > LEVEL_RANK[before]) setRaisedTo(level);
  }, [level]);

  if (!level) return null;
  return (
    <div className={`level-banner level-${level}`}>
      <p>
        <strong role="status" data-testid="confidentiality-level">
          {t('levelStatus', { level: t(LEVEL_NAME[level]) })}
        </strong>{' '}
        <span className="small">{t(LEVEL_MEANS[level])}</span>
      </p>
      <p className={raisedTo ? 'notice' : 'visually-hidden'} aria-live="assertive">
        {raisedTo ? t('levelRaised', { level: t(LEVEL_NAME[raisedTo]) }) : ''}
      </p>
    </div>
  );
}
