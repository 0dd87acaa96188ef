import { useEffect, useRef, useState, useSyncExternalStore, type FormEvent, type KeyboardEvent } from 'react';
import { LIMITS, mayChat } from '@kaigi/protocol';
import { toProblem, useI18n, type Problem } from '../../i18n';
import type { ChatEntry, ChatSnapshot } from '../../session/ChatController';
import { SignalingError } from '../../session/SignalingClient';
import type { MeetingSession } from '../../session/useMeetingSession';
import { ChatText } from './ChatText';
import { isE2eeMeeting, useE2eeSnapshot } from './E2eeBanner';
import { ProblemAlert } from './ProblemAlert';
import { formatRetention } from '../format';

const EMPTY: ChatSnapshot = { entries: [], unread: 0 };
const noSubscribe = () => () => undefined;
const empty = () => EMPTY;

function ChatItem({ entry }: { entry: ChatEntry }) {
  const { t, locale } = useI18n();
  const at = new Date(entry.at);
  return (
    <li className="chat-entry">
      <span className="chat-from">{entry.fromName}</span>:{' '}
      {entry.text === null ? (
        <span className="muted chat-undecryptable">{t('chatUndecryptable')}</span>
      ) : (
        <span className="chat-text">
          <ChatText text={entry.text} />
        </span>
      )}{' '}
      <span className="chat-meta">
        {entry.encrypted && (
          <span className="badge chat-lock" title={t('chatEncryptedTitle')}>
            <span aria-hidden="true">🔒</span> {t('chatEncrypted')}
          </span>
        )}{' '}
        {!Number.isNaN(at.getTime()) && (
          <time className="muted small" dateTime={at.toISOString()}>
            {at.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' })}
          </time>
        )}
      </span>
    </li>
  );
}

/** Chat (A3): end-to-end encrypted in E2EE meetings (D2); links only as http(s) (H4). */
export function ChatPanel({ session }: { session: MeetingSession }) {
  const i18n = useI18n();
  const { t } = i18n;
  const chat = session.chat;
  const getChat = chat?.getSnapshot ?? empty;
  const snap = useSyncExternalStore(chat?.subscribe ?? noSubscribe, getChat, getChat);
  const e2ee = useE2eeSnapshot(session);
  const [draft, setDraft] = useState('');
  const [sending, setSending] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const listRef = useRef<HTMLOListElement>(null);
  const stickToEnd = useRef(true);

  const { meeting, role } = session.state;
  const allowed = !meeting || mayChat(role, meeting.mediaPermissions);
  const keysReady = !isE2eeMeeting(session, e2ee) || e2ee.status === 'ready';
  const blocked = !allowed ? t('chatOff') : !keysReady ? t('chatWaitingForE2ee') : null;

  // The panel is always in view: whatever arrives is read, and the list follows the newest
  // message unless the reader has scrolled back.
  useEffect(() => {
    chat?.markRead();
    const list = listRef.current;
    if (list && stickToEnd.current) list.scrollTop = list.scrollHeight;
  }, [chat, snap.entries]);

  if (!chat) return null;

  const send = async () => {
    const text = draft.trim();
    if (!text || sending || blocked) return;
    setSending(true);
    setProblem(null);
    try {
      await chat.send(text);
      // Cleared only on success, and only if nothing was typed meanwhile: nothing is lost.
      setDraft((d) => (d === draft ? '' : d));
      stickToEnd.current = true;
    } catch (e) {
      setProblem(e instanceof SignalingError ? toProblem(e.code, e.retryAfterMs) : { code: 'UNKNOWN' });
    } finally {
      setSending(false);
    }
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void send();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter sends, Shift+Enter starts a new line; Enter that confirms an IME conversion does neither.
    if (e.key !== 'Enter' || e.shiftKey || e.nativeEvent.isComposing || e.keyCode === 229) return;
    e.preventDefault();
    void send();
  };

  return (
    <section className="card stack chat" aria-labelledby="chat-heading">
      <h2 id="chat-heading">{t('chat')}</h2>
      {meeting && meeting.chatRetentionSeconds > 0 && (
        <p className="notice small" role="note" data-testid="chat-kept">
          {t('chatKept', { duration: formatRetention(meeting.chatRetentionSeconds, i18n) })}
        </p>
      )}
      <ol
        ref={listRef}
        className="chat-list"
        aria-label={t('chatMessages')}
        aria-live="polite"
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          stickToEnd.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {snap.entries.map((entry) => (
          <ChatItem key={entry.seq} entry={entry} />
        ))}
      </ol>
      {snap.entries.length === 0 && <p className="muted small">{t('chatEmpty')}</p>}
      <ProblemAlert problem={problem} />
      <form className="chat-form" onSubmit={onSubmit}>
        <label htmlFor="chat-input" className="visually-hidden">
          {t('chatMessage')}
        </label>
        <div className="input-row">
          <textarea
            id="chat-input"
            rows={2}
            maxLength={LIMITS.chatTextMax}
            value={draft}
            disabled={blocked !== null}
            aria-describedby={blocked ? 'chat-blocked' : undefined}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={onKeyDown}
          />
          <button type="submit" className="primary" disabled={blocked !== null || sending} aria-busy={sending}>
            {t('send')}
          </button>
        </div>
        {blocked && (
          <p id="chat-blocked" className="muted small">
            {blocked}
          </p>
        )}
      </form>
    </section>
  );
}
