import type { DataMap, DataMapEntry, Retention } from '@kaigi/protocol';
import { useI18n } from '../../i18n';
import { formatBytes, formatDateTime, formatRetention, KIND_LABELS, PROTECTION_LABELS, RETENTION_OF } from '../format';

type Deletion = DataMap['deletions'][number];

/** Every object the meeting stores (E1): what, how big, how protected, where, until when. */
export function ObjectsTable({
  objects,
  retention,
  busy,
  onDownload,
  onDecrypt,
  onDelete,
}: {
  objects: DataMapEntry[];
  retention: Retention;
  busy: boolean;
  onDownload: (o: DataMapEntry) => void;
  /** Opens a recording made in this browser with the host's key there. */
  onDecrypt: (o: DataMapEntry) => void;
  onDelete: (o: DataMapEntry) => void;
}) {
  const i18n = useI18n();
  const { t, locale } = i18n;
  /** No purge time yet: it is set when the meeting ends, from the meeting's retention. */
  const purgeAt = (o: DataMapEntry) => {
    if (o.purgeAt !== null) return formatDateTime(o.purgeAt, locale) || o.purgeAt;
    const kept = retention[RETENTION_OF[o.kind]];
    return kept === 0 ? t('purgeAtMeetingEnd') : t('purgeAfterEnd', { duration: formatRetention(kept, i18n) });
  };
  return (
    <section className="card stack" aria-labelledby="objects-heading">
      <h2 id="objects-heading">{t('storedObjects')}</h2>
      <div className="table-wrap">
        <table className="data-table" aria-labelledby="objects-heading">
          <thead>
            <tr>
              <th scope="col">{t('colKind')}</th>
              <th scope="col">{t('colName')}</th>
              <th scope="col">{t('colSize')}</th>
              <th scope="col">{t('colProtection')}</th>
              <th scope="col">{t('colNode')}</th>
              <th scope="col">{t('colRegion')}</th>
              <th scope="col">{t('colLocation')}</th>
              <th scope="col">{t('colPurgeAt')}</th>
              <th scope="col">{t('colActions')}</th>
            </tr>
          </thead>
          <tbody>
            {objects.map((o) => (
              <tr key={o.id}>
                <td>{t(KIND_LABELS[o.kind])}</td>
                <td className="wrap">{o.name ?? t('nameSealed', { id: o.id })}</td>
                <td>{formatBytes(o.size, locale)}</td>
                <td>{t(PROTECTION_LABELS[o.protection])}</td>
                <td className="wrap">{o.node}</td>
                <td className="wrap">{o.region}</td>
                <td className="wrap">
                  <code>{o.location}</code>
                </td>
                <td>{purgeAt(o)}</td>
                <td>
                  <span className="participant-actions">
                    <button
                      type="button"
                      className="small-button"
                      aria-label={t('downloadFile', { name: o.name ?? t('nameSealed', { id: o.id }) })}
                      disabled={busy}
                      onClick={() => onDownload(o)}
                    >
                      {t('download')}
                    </button>
                    {o.kind === 'recording' && o.protection === 'e2ee' && (
                      <button
                        type="button"
                        className="small-button"
                        aria-label={t('decryptRecording', { name: o.name ?? t('nameSealed', { id: o.id }) })}
                        disabled={busy}
                        onClick={() => onDecrypt(o)}
                      >
                        {t('decrypt')}
                      </button>
                    )}
                    <button
                      type="button"
                      className="small-button danger"
                      aria-label={t('deleteFile', { name: o.name ?? t('nameSealed', { id: o.id }) })}
                      disabled={busy}
                      onClick={() => onDelete(o)}
                    >
                      {t('delete')}
                    </button>
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {objects.length === 0 && <p className="muted">{t('noObjects')}</p>}
      {objects.some((o) => o.protection === 'e2ee') && <p className="muted small">{t('encryptedDownloadHint')}</p>}
    </section>
  );
}

/** What the meeting stores under its settings, before anything is stored (E1, E4). */
export function PlannedTable({ planned }: { planned: DataMap['planned'] }) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <section className="card stack" aria-labelledby="planned-heading">
      <h2 id="planned-heading">{t('plannedTitle')}</h2>
      <div className="table-wrap">
        <table className="data-table" aria-labelledby="planned-heading">
          <thead>
            <tr>
              <th scope="col">{t('colKind')}</th>
              <th scope="col">{t('colStored')}</th>
              <th scope="col">{t('colProtection')}</th>
              <th scope="col">{t('colKept')}</th>
              <th scope="col">{t('colNote')}</th>
            </tr>
          </thead>
          <tbody>
            {planned.map((p) => (
              <tr key={p.kind}>
                <td>{t(KIND_LABELS[p.kind])}</td>
                <td>{p.stored ? t('yes') : t('no')}</td>
                <td>{p.protection ? t(PROTECTION_LABELS[p.protection]) : t('notApplicable')}</td>
                <td>{p.retentionSeconds === null ? t('notApplicable') : formatRetention(p.retentionSeconds, i18n)}</td>
                {/* The server's own words about what it does; they come in English. */}
                <td lang="en">{p.note}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Everything deleted, each with its signed certificate to keep (E3). */
export function DeletionsList({
  deletions,
  userId,
  busy,
  onCertificate,
}: {
  deletions: Deletion[];
  /** The signed-in host, named "you" where they deleted something. */
  userId: string | null;
  busy: boolean;
  onCertificate: (d: Deletion) => void;
}) {
  const { t, locale } = useI18n();
  const kindLabel = (kind: string) => (Object.hasOwn(KIND_LABELS, kind) ? t(KIND_LABELS[kind as keyof typeof KIND_LABELS]) : kind);
  return (
    <section className="card stack" aria-labelledby="deletions-heading">
      <h2 id="deletions-heading">{t('deletions')}</h2>
      {deletions.length === 0 && <p className="muted">{t('noDeletions')}</p>}
      <ul className="file-list" aria-labelledby="deletions-heading">
        {deletions.map((d) => (
          <li key={d.objectId} className="file-entry">
            <span className="file-label">
              {t('deletionItem', {
                name: d.objectId,
                kind: kindLabel(d.kind),
                date: formatDateTime(d.deletedAt, locale) || d.deletedAt,
                who: d.deletedBy === userId ? t('deletedByYou') : d.deletedBy,
                reason: d.reason,
              })}
            </span>
            <span className="participant-actions">
              <button
                type="button"
                className="small-button"
                aria-label={t('downloadCertificate', { name: d.objectId })}
                disabled={busy}
                onClick={() => onCertificate(d)}
              >
                {t('certificate')}
              </button>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
