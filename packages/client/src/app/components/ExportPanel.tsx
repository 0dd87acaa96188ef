import { useState, type FormEvent } from 'react';
import { ARCHIVE_LIMITS, ArchiveError, openArchive, type OpenedArchive } from '@kaigi/protocol';
import { api } from '../../api/http';
import { ClientFailure, problemOf, useI18n, type Problem } from '../../i18n';
import { formatBytes, formatDateTime } from '../format';
import { saveBytes } from '../save';
import { ProblemAlert } from './ProblemAlert';

/** Passphrase length as the archive counts it: Unicode code points after NFC. */
const passphraseLength = (p: string) => [...p.normalize('NFC')].length;

/** The archive's failures as the page explains them: wrong passphrase or damage, or not an export. */
function archiveProblem(e: unknown): Problem {
  if (e instanceof ArchiveError) {
    return { code: e.code === 'DAMAGED' || e.code === 'CHECKSUM_MISMATCH' ? 'ARCHIVE_DAMAGED' : 'ARCHIVE_INVALID' };
  }
  return problemOf(e);
}

/** Export (E5): the host downloads the meeting's data as one archive encrypted with a passphrase. */
export function ExportForm({ meetingId }: { meetingId: string }) {
  const { t } = useI18n();
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState('');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setProblem(null);
    setNotice('');
    if (passphraseLength(passphrase) < ARCHIVE_LIMITS.passphraseMin) {
      setProblem({ code: 'PASSPHRASE_TOO_SHORT' });
      return;
    }
    setBusy(true);
    setNotice(t('exporting'));
    try {
      const archive = await api.exportMeeting(meetingId, passphrase);
      saveBytes(`kaigi-${meetingId}.kaigiarc`, archive);
      setNotice(t('exportDone'));
    } catch (err) {
      setNotice('');
      setProblem(problemOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card stack" aria-labelledby="export-heading">
      <h2 id="export-heading">{t('exportTitle')}</h2>
      <p className="muted small">{t('exportIntro')}</p>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor="export-passphrase">{t('exportPassphrase')}</label>
          <input
            id="export-passphrase"
            type="password"
            autoComplete="new-password"
            maxLength={ARCHIVE_LIMITS.passphraseMax}
            aria-describedby="export-passphrase-hint"
            value={passphrase}
            onChange={(e) => setPassphrase(e.target.value)}
          />
          <p id="export-passphrase-hint" className="muted small">
            {t('exportPassphraseHint')}
          </p>
        </div>
        <ProblemAlert problem={problem} />
        <p role="status" className="small">
          {notice}
        </p>
        <div className="button-row">
          <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
            {t('downloadExport')}
          </button>
        </div>
      </form>
    </section>
  );
}

/** Opens an export in the browser (nothing goes to the server) and saves its entries one by one. */
export function OpenExport() {
  const { t, locale } = useI18n();
  const [file, setFile] = useState<File | null>(null);
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [opened, setOpened] = useState<OpenedArchive | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setProblem(null);
    setOpened(null);
    setBusy(true);
    try {
      if (!file) throw new ClientFailure('ARCHIVE_INVALID');
      if (file.size > ARCHIVE_LIMITS.maxArchiveBytes) throw new ArchiveError('REFUSED');
      setOpened(await openArchive(passphrase, new Uint8Array(await file.arrayBuffer())));
    } catch (err) {
      setProblem(archiveProblem(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card stack" aria-labelledby="open-export-heading">
      <h2 id="open-export-heading">{t('openExportTitle')}</h2>
      <p className="muted small">{t('openExportIntro')}</p>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor="open-export-file">{t('exportFile')}</label>
          <input
            id="open-export-file"
            type="file"
            required
            accept=".kaigiarc,application/octet-stream"
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setOpened(null);
            }}
          />
        </div>
        <div className="field">
          <label htmlFor="open-export-passphrase">{t('openPassphrase')}</label>
          <input
            id="open-export-passphrase"
            type="password"
            autoComplete="off"
            maxLength={ARCHIVE_LIMITS.passphraseMax}
            value={passphrase}
            onChange={(e) => setPassphrase(e.target.value)}
          />
        </div>
        <ProblemAlert problem={problem} />
        <p role="status" className="small">
          {busy ? t('opening') : ''}
        </p>
        <div className="button-row">
          <button type="submit" disabled={busy} aria-busy={busy}>
            {t('openExport')}
          </button>
        </div>
      </form>
      {opened && (
        <>
          <p>
            {t('exportSummary', {
              title: opened.manifest.title,
              date: formatDateTime(opened.manifest.createdAt, locale) || opened.manifest.createdAt,
            })}
          </p>
          <ul className="file-list" aria-label={t('exportEntries')}>
            {opened.entries.map((entry) => (
              <li key={entry.name} className="file-entry">
                <span className="file-label">
                  {t('entryItem', { name: entry.name, kind: entry.kind, size: formatBytes(entry.data.byteLength, locale) })}
                </span>
                <span className="participant-actions">
                  <button
                    type="button"
                    className="small-button"
                    aria-label={t('saveEntry', { name: entry.name })}
                    onClick={() => saveBytes(entry.name, new Uint8Array(entry.data))}
                  >
                    {t('save')}
                  </button>
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
