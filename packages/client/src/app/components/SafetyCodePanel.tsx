import { readAloud } from '../../e2ee/SafetyCode';
import { useI18n } from '../../i18n';
import type { MeetingSession } from '../../session/useMeetingSession';
import { isE2eeMeeting, useE2eeSnapshot } from './E2eeBanner';

function reading(code: string, locale: 'ja' | 'en'): string | null {
  try {
    return readAloud(code, locale);
  } catch {
    return null;
  }
}

/**
 * The safety code of the current key epoch (B7): everyone in the same epoch sees the same code,
 * and comparing it aloud with someone shows that nobody sits between you.
 */
export function SafetyCodePanel({ session }: { session: MeetingSession }) {
  const { t, locale } = useI18n();
  const snap = useE2eeSnapshot(session);
  if (!isE2eeMeeting(session, snap)) return null;
  const code = snap.status === 'ready' ? snap.safetyCode : null;
  const spoken = code === null ? null : reading(code, locale);

  return (
    <section className="card stack safety-code" aria-labelledby="safety-code-heading">
      <h2 id="safety-code-heading">{t('safetyCode')}</h2>
      {code === null ? (
        <p className="muted">{t('safetyCodePending')}</p>
      ) : (
        <>
          <p className="safety-code-digits" data-testid="safety-code">
            {code}
          </p>
          {snap.epoch !== null && <p className="muted small">{t('keyEpoch', { epoch: snap.epoch })}</p>}
          {spoken !== null && <p>{t('safetyCodeReading', { reading: spoken })}</p>}
        </>
      )}
      <p className="small">{t('safetyCodeHint')}</p>
    </section>
  );
}
