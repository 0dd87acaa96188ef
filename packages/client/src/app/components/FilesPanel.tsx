import { useRef, useState, useSyncExternalStore, type ChangeEvent } from 'react';
import { FILE_MAX_BYTES, filesBlock, type FileResource, type FilesBlock } from '@kaigi/protocol';
import { problemOf, useI18n, type Problem } from '../../i18n';
import { EMPTY_FILES, type FilesController, type FilesSnapshot } from '../../session/FilesController';
import type { MeetingSession } from '../../session/useMeetingSession';
import { formatBytes } from '../format';
import { saveBytes } from '../save';
import { isE2eeMeeting, useE2eeSnapshot } from './E2eeBanner';
import { ProblemAlert } from './ProblemAlert';

const BLOCK_TEXT = { level: 'filesOffByLevel', permission: 'filesOff', needsChat: 'filesNeedChat' } as const satisfies Record<FilesBlock, string>;

const noSubscribe = () => () => undefined;
const empty = (): FilesSnapshot => EMPTY_FILES;

function useFiles(files: FilesController | null): FilesSnapshot {
  const get = files?.getSnapshot ?? empty;
  return useSyncExternalStore(files?.subscribe ?? noSubscribe, get, get);
}

function FileItem({
  file,
  sender,
  files,
  isHost,
  busy,
  run,
}: {
  file: FileResource;
  sender: string;
  files: FilesController;
  isHost: boolean;
  busy: boolean;
  run: (work: () => Promise<string | null>) => void;
}) {
  const { t, locale } = useI18n();
  // An E2EE file's name comes from its key message (D2); without the key, only its ID is known.
  const name = files.nameOf(file) ?? t('nameSealed', { id: file.id });
  const download = () =>
    run(async () => {
      const got = await files.download(file);
      saveBytes(got.name, got.data);
      return null;
    });
  const remove = () =>
    run(async () => {
      await files.remove(file);
      return t('deletedWithCertificate', { name });
    });
  return (
    <li className="file-entry">
      <span className="file-label">{t('fileItem', { name, size: formatBytes(files.sizeOf(file), locale), sender })}</span>{' '}
      {!files.hasKey(file) && <span className="badge badge-warn">{t('fileNoKey')}</span>}{' '}
      <span className="participant-actions">
        <button type="button" className="small-button" aria-label={t('downloadFile', { name })} disabled={busy} onClick={download}>
          {t('download')}
        </button>
        {isHost && (
          <button type="button" className="small-button danger" aria-label={t('deleteFile', { name })} disabled={busy} onClick={remove}>
            {t('delete')}
          </button>
        )}
      </span>
    </li>
  );
}

/**
 * Files shared in the meeting (A4): everyone admitted sees and downloads them, participants share
 * when the host allows it, the host deletes (with a certificate). In E2EE meetings files are
 * encrypted in the browser and their keys go through the MLS group (D2).
 */
export function FilesPanel({ session }: { session: MeetingSession }) {
  const { t, locale } = useI18n();
  const files = session.files;
  const snap = useFiles(files);
  const e2ee = useE2eeSnapshot(session);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState('');
  const inputRef = useRef<HTMLInputElement>(null);

  if (!files) return null;
  const { meeting, role, participants } = session.state;
  // Deleting goes through the signed-in host's routes.
  const isHost = role === 'host';
  const encrypted = isE2eeMeeting(session, e2ee);
  // The server's rule (Meeting.canShareFiles), from the protocol: the level, the host's switch, and
  // in E2EE meetings chat, which carries the file's key (D2).
  const block = meeting ? filesBlock(meeting, role) : null;
  const blocked = block ? t(BLOCK_TEXT[block]) : encrypted && e2ee.status !== 'ready' ? t('filesWaitingForE2ee') : null;
  const names = new Map(participants.map((p) => [p.id, p.displayName]));
  const max = formatBytes(FILE_MAX_BYTES, locale);

  /** One operation at a time; its outcome lands in the status line or the alert. */
  const run = (work: () => Promise<string | null>, pending = '') => {
    if (busy) return;
    setBusy(true);
    setProblem(null);
    setNotice(pending);
    work()
      .then((done) => setNotice(done ?? ''))
      .catch((e: unknown) => {
        setNotice('');
        setProblem(problemOf(e));
      })
      .finally(() => setBusy(false));
  };

  const onPick = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (!file) return;
    run(async () => {
      try {
        await files.upload(file);
        return t('fileUploaded', { name: file.name });
      } finally {
        if (inputRef.current) inputRef.current.value = '';
      }
    }, t('fileUploading', { name: file.name }));
  };

  return (
    <section className="card stack files" aria-labelledby="files-heading">
      <h2 id="files-heading">{t('files')}</h2>
      <p className="muted small">{encrypted ? t('filesE2eeHint', { max }) : t('filesServerHint', { max })}</p>
      <ul className="file-list" aria-label={t('sharedFiles')}>
        {snap.files.map((f) => (
          <FileItem
            key={f.id}
            file={f}
            sender={names.get(f.createdBy) ?? t('unknownSender')}
            files={files}
            isHost={isHost}
            busy={busy}
            run={run}
          />
        ))}
      </ul>
      {snap.files.length === 0 && <p className="muted small">{t('filesEmpty')}</p>}
      <ProblemAlert problem={problem} />
      <p role="status" className="small">
        {notice}
      </p>
      <div className="field">
        <label htmlFor="share-file-input">{t('shareFile')}</label>
        <input
          ref={inputRef}
          id="share-file-input"
          type="file"
          disabled={blocked !== null || busy}
          aria-busy={busy}
          aria-describedby={blocked ? 'share-file-blocked' : undefined}
          onChange={onPick}
        />
        {blocked && (
          <p id="share-file-blocked" className="muted small">
            {blocked}
          </p>
        )}
      </div>
    </section>
  );
}
