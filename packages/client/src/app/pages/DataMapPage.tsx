import { useCallback, useEffect, useState } from 'react';
import { paths, type DataMap, type DataMapEntry } from '@kaigi/protocol';
import { api, ApiError } from '../../api/http';
import { problemOf, useI18n, type Problem } from '../../i18n';
import { useAuth } from '../auth';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { DeletionsList, ObjectsTable, PlannedTable } from '../components/DataMapTables';
import { ExportForm, OpenExport } from '../components/ExportPanel';
import { ProblemAlert } from '../components/ProblemAlert';
import { formatRetention, KIND_LABELS } from '../format';
import { Link, navigate } from '../router';
import { ReportLink } from './report/ReportLink';
import { saveBytes } from '../save';
import { openHostRecording } from '../../recording/openRecording';
import { DataMapRegistrations } from '../registration/DataMapRegistrations';

const RETENTION_KINDS = [
  ['files', 'file'],
  ['recordings', 'recording'],
  ['chat', 'chat'],
  ['waiting', 'waiting'],
] as const;

/**
 * The data map of one meeting, for its host (E1): where each stored object lives and when it
 * will be purged, what the meeting stores under its settings, every deletion with its signed
 * certificate (E3), and the passphrase-encrypted export (E5).
 */
export function DataMapPage({ meetingId }: { meetingId: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const auth = useAuth();
  const [map, setMap] = useState<DataMap | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState<DataMapEntry | null>(null);

  const fail = useCallback(
    (err: unknown) => {
      if (err instanceof ApiError && err.status === 401) {
        void auth.signOut().then(() => navigate(paths.signIn, { replace: true }));
        return;
      }
      setProblem(problemOf(err));
    },
    [auth],
  );

  const load = useCallback(async () => {
    setMap(await api.dataMap(meetingId));
  }, [meetingId]);

  useEffect(() => {
    let live = true;
    api
      .dataMap(meetingId)
      .then((m) => live && setMap(m))
      .catch((err: unknown) => live && fail(err));
    return () => {
      live = false;
    };
  }, [meetingId, fail]);

  /** One operation at a time; its outcome lands in the status line or the alert. */
  const run = async (work: () => Promise<string | null>) => {
    if (busy) return;
    setBusy(true);
    setProblem(null);
    setNotice('');
    try {
      setNotice((await work()) ?? '');
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };

  const download = (o: DataMapEntry) =>
    void run(async () => {
      const data = await api.downloadObject(meetingId, o.id);
      // An e2ee object has no name on the server (D2): it is saved under its kind and ID.
      saveBytes(o.name ?? `${o.kind}-${o.id}${o.protection === 'e2ee' ? '.e2ee' : ''}`, data);
      return null;
    });

  const decrypt = (o: DataMapEntry) =>
    void run(async () => {
      if (!auth.user) return null;
      const file = await openHostRecording(auth.user.id, await api.downloadObject(meetingId, o.id));
      saveBytes(file.name, file.data, file.type);
      return null;
    });

  const remove = (o: DataMapEntry) =>
    void run(async () => {
      try {
        await api.deleteObject(meetingId, o.id);
      } finally {
        setConfirming(null);
      }
      await load().catch(() => undefined);
      return t('deletedWithCertificate', { name: o.name ?? t('nameSealed', { id: o.id }) });
    });

  const certificate = (d: DataMap['deletions'][number]) =>
    void run(async () => {
      const data = await api.certificate(meetingId, d.objectId);
      saveBytes(`kaigi-certificate-${d.objectId}.json`, data, 'application/json');
      return null;
    });

  return (
    <div className="stack">
      <div className="page-head">
        <h1>{t('dataMap')}</h1>
        <ReportLink meetingId={meetingId} />
        <Link to={paths.dashboard}>{t('dashboardLink')}</Link>
      </div>
      <p className="muted">{t('dataMapIntro')}</p>
      <ProblemAlert problem={problem} />
      <p role="status" className="small">
        {notice}
      </p>

      {map === null ? (
        !problem && <p className="muted">{t('loading')}</p>
      ) : (
        <>
          <section className="card stack" aria-labelledby="storage-heading">
            <h2 id="storage-heading">{t('dataMapWhere')}</h2>
            <dl className="pairs">
              <dt>{t('meetingIdLabel')}</dt>
              <dd>
                <code>{map.meetingId}</code>
              </dd>
              <dt>{t('colNode')}</dt>
              <dd>{map.node}</dd>
              <dt>{t('colRegion')}</dt>
              <dd>{map.region}</dd>
              <dt>{t('encryptionLabel')}</dt>
              <dd>{map.e2ee ? t('modeE2ee') : t('modeTransport')}</dd>
              {RETENTION_KINDS.map(([key, kind]) => (
                <RetentionPair key={key} label={`${t('retentionLabel')}: ${t(KIND_LABELS[kind])}`} value={formatRetention(map.retention[key], i18n)} />
              ))}
            </dl>
          </section>
          <ObjectsTable objects={map.objects} retention={map.retention} busy={busy} onDownload={download} onDecrypt={decrypt} onDelete={(o) => setConfirming(o)} />
          <PlannedTable planned={map.planned} />
          <DataMapRegistrations registrations={map.registrations} />
          <DeletionsList deletions={map.deletions} userId={auth.user?.id ?? null} busy={busy} onCertificate={certificate} />
        </>
      )}

      <div className="two-col">
        <ExportForm meetingId={meetingId} />
        <OpenExport />
      </div>

      <ConfirmDialog
        open={confirming !== null}
        title={t('confirmDeleteTitle', { name: confirming ? (confirming.name ?? t('nameSealed', { id: confirming.id })) : '' })}
        confirmLabel={t('deletePermanently')}
        busy={busy}
        onConfirm={() => confirming && remove(confirming)}
        onCancel={() => setConfirming(null)}
      >
        <p>{t('confirmDeleteBody')}</p>
      </ConfirmDialog>
    </div>
  );
}

function RetentionPair({ label, value }: { label: string; value: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </>
  );
}
