import { useState, useSyncExternalStore } from 'react';
import { useI18n } from '../../i18n';
import { keyFingerprint } from '../../recording/HostKey';
import type { LocalRecordingController, LocalRecordingSnapshot } from '../../session/LocalRecordingController';
import { useAuth } from '../auth';
import { formatBytes } from '../format';
import { saveBytes } from '../save';
import { ProblemAlert } from './ProblemAlert';

const IDLE: LocalRecordingSnapshot = { supported: false, status: 'idle', hostKeyId: null, escrowKeyId: null, parts: [], problem: null };
const noSubscribe = () => () => undefined;
const idle = () => IDLE;

function useLocalRecording(c: LocalRecordingController | null): LocalRecordingSnapshot {
  return useSyncExternalStore(c?.subscribe ?? noSubscribe, c?.getSnapshot ?? idle, c?.getSnapshot ?? idle);
}

/**
 * The host records an E2EE meeting in this browser: start and stop, who the recording is
 * encrypted to, and each part's upload (with retry, or saving the ciphertext here if it fails).
 */
export function LocalRecordingControl({ controller }: { controller: LocalRecordingController | null }) {
  const { t, tError, locale } = useI18n();
  const { user } = useAuth();
  const rec = useLocalRecording(controller);
  const [busy, setBusy] = useState(false);
  if (!controller) return null;
  const on = rec.status === 'recording' || rec.status === 'stopping';

  const toggle = async () => {
    if (busy || !user) return;
    setBusy(true);
    try {
      if (on) await controller.stop();
      else await controller.start(user.id);
    } catch {
      // The controller keeps the problem in its snapshot.
    } finally {
      setBusy(false);
    }
  };

  const saveEncrypted = async (part: number) => {
    const blob = controller.envelope(part);
    if (blob) saveBytes(`kaigi-recording-part${part}.webm.kgrec`, new Uint8Array(await blob.arrayBuffer()));
  };

  return (
    <div className="stack" aria-labelledby="local-recording-heading">
      <h3 id="local-recording-heading">{t('localRecording')}</h3>
      <p className="muted small">{t('localRecordingHint')}</p>
      {!rec.supported || !user ? (
        <p className="muted">{tError({ code: 'RECORDING_UNSUPPORTED' })}</p>
      ) : (
        <div className="row-between">
          <span className="small" role="status">
            {rec.hostKeyId && on && t('localRecordingKeys', { host: keyFingerprint(rec.hostKeyId) })}
            {rec.escrowKeyId && on && ` ${t('localRecordingEscrow', { escrow: keyFingerprint(rec.escrowKeyId) })}`}
          </span>
          <button
            type="button"
            className={on ? 'danger' : undefined}
            disabled={busy || rec.status === 'starting' || rec.status === 'stopping'}
            aria-busy={busy}
            onClick={() => void toggle()}
          >
            {on ? t('stopLocalRecording') : t('startLocalRecording')}
          </button>
        </div>
      )}
      {rec.problem && <ProblemAlert problem={rec.problem} />}
      {rec.parts.length > 0 && (
        <ul className="file-list small" aria-label={t('localRecording')}>
          {rec.parts.map((p) => (
            <li key={p.part}>
              {p.state === 'uploading' && t('partUploading', { part: p.part, size: formatBytes(p.size, locale) })}
              {p.state === 'uploaded' && t('partUploaded', { part: p.part, size: formatBytes(p.size, locale) })}
              {p.state === 'failed' && (
                <>
                  {t('partFailed', { part: p.part, error: tError(p.error ?? { code: 'UNKNOWN' }) })}{' '}
                  <button type="button" className="small-button" onClick={() => controller.retry(p.part)}>
                    {t('retryPart', { part: p.part })}
                  </button>{' '}
                  <button type="button" className="small-button" onClick={() => void saveEncrypted(p.part)}>
                    {t('saveEncryptedPart', { part: p.part })}
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
