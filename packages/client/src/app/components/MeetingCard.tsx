import { useState } from 'react';
import { paths, type MeetingResource } from '@kaigi/protocol';
import { useI18n } from '../../i18n';
import { dataMapPath, Link } from '../router';
import { InvitationPanel } from './InvitationPanel';
import { invitationStrings } from './invitation/strings';

/** Only show a join URL that points at this site; otherwise rebuild it from the ID. */
function safeJoinUrl(m: MeetingResource): string {
  try {
    const u = new URL(m.joinUrl, location.origin);
    if (u.origin === location.origin && (u.protocol === 'https:' || u.protocol === 'http:')) return u.href;
  } catch {
    // fall through
  }
  return `${location.origin}${paths.join(m.id)}#${new URLSearchParams({ pwd: m.password }).toString()}`;
}

export function MeetingCard({
  meeting,
  onDelete,
  deleting,
}: {
  meeting: MeetingResource;
  onDelete: () => void;
  deleting: boolean;
}) {
  const { t, locale } = useI18n();
  const [copied, setCopied] = useState(false);
  const [showInvitation, setShowInvitation] = useState(false);
  const joinUrl = safeJoinUrl(meeting);
  const idBase = `meeting-${meeting.id}`;

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(joinUrl);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      // Clipboard not allowed: the URL stays selectable in the box.
    }
  };

  const created = new Date(meeting.createdAt);
  return (
    <li className="card meeting" aria-labelledby={`${idBase}-title`}>
      <div className="meeting-head">
        <h3 id={`${idBase}-title`}>{meeting.title}</h3>
        {meeting.e2ee && <span className="badge badge-ok">{t('e2eeBadge')}</span>}
        {meeting.locked && <span className="badge badge-warn">{t('lockedBadge')}</span>}
      </div>
      {!Number.isNaN(created.getTime()) && (
        <p className="muted small">{t('createdAt', { date: created.toLocaleString(locale) })}</p>
      )}
      <div className="field">
        <label htmlFor={`${idBase}-url`}>{t('joinUrl')}</label>
        <div className="input-row">
          <textarea
            id={`${idBase}-url`}
            className="url-box"
            data-testid="join-url"
            readOnly
            rows={1}
            spellCheck={false}
            value={joinUrl}
            onFocus={(e) => e.currentTarget.select()}
          />
          <button type="button" aria-label={t('copyJoinUrl', { title: meeting.title })} onClick={() => void copy()}>
            {copied ? t('copied') : t('copy')}
          </button>
        </div>
      </div>
      <dl className="pairs">
        <dt>{t('meetingPassword')}</dt>
        <dd>
          <code data-testid="meeting-password">{meeting.password}</code>
        </dd>
      </dl>
      <div className="button-row">
        <Link className="button primary" to={paths.host(meeting.id)}>
          {t('openHostView')}
        </Link>
        <Link className="button" to={dataMapPath(meeting.id)}>
          {t('dataMap')}
        </Link>
        <button
          type="button"
          aria-expanded={showInvitation}
          aria-controls={showInvitation ? `${idBase}-invitation` : undefined}
          onClick={() => setShowInvitation((v) => !v)}
        >
          {invitationStrings[locale].disclosure}
        </button>
        <button
          type="button"
          className="danger"
          aria-label={t('deleteMeeting', { title: meeting.title })}
          disabled={deleting}
          onClick={onDelete}
        >
          {t('delete')}
        </button>
      </div>
      {showInvitation && <InvitationPanel meetingId={meeting.id} id={`${idBase}-invitation`} />}
    </li>
  );
}
