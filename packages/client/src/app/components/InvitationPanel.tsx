import { useEffect, useRef, useState } from 'react';
import { INVITATION_ICS_NAME, type Invitation } from '@kaigi/protocol';
import { fetchInvitation, invitationIcsUrl } from '../../api/invitation';
import { LOCALES, problemOf, useI18n, type Locale, type Problem } from '../../i18n';
import { invitationStrings } from './invitation/strings';
import { ProblemAlert } from './ProblemAlert';

/** A read-only text with its label and a Copy button named after what it copies. */
function CopyField({
  id,
  testId,
  lang,
  label,
  copyLabel,
  value,
  hint,
  onCopy,
  copied,
  copyText,
  copiedText,
}: {
  id: string;
  testId: string;
  lang: Locale;
  label: string;
  copyLabel: string;
  value: string;
  hint?: string;
  onCopy: () => void;
  copied: boolean;
  copyText: string;
  copiedText: string;
}) {
  const lines = value.split('\n').length;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p id={`${id}-hint`} className="muted small">
          {hint}
        </p>
      )}
      <div className="input-row">
        <textarea
          id={id}
          lang={lang}
          readOnly
          rows={Math.min(Math.max(lines, 1), 16)}
          spellCheck={false}
          value={value}
          aria-describedby={hint ? `${id}-hint` : undefined}
          data-testid={testId}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" aria-label={copyLabel} onClick={onCopy} style={{ alignSelf: 'flex-start' }}>
          {copied ? copiedText : copyText}
        </button>
      </div>
    </div>
  );
}

type Part = 'subject' | 'body' | 'passwordMessage';

/**
 * The meeting's invitation for the host to send (G1, G2): neutral subject, body, the password
 * as its own message for another channel, and the .ics. The texts come from the server; the
 * language follows the page's unless the host picks the other one.
 */
export function InvitationPanel({ meetingId, id }: { meetingId: string; id: string }) {
  const { locale } = useI18n();
  const s = invitationStrings[locale];
  const [chosen, setChosen] = useState<Locale | null>(null);
  const lang = chosen ?? locale;
  const [invitation, setInvitation] = useState<Invitation | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [copied, setCopied] = useState<Part | null>(null);
  const [status, setStatus] = useState('');
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    let live = true;
    setProblem(null);
    fetchInvitation(meetingId).then(
      (inv) => live && setInvitation(inv),
      (err: unknown) => live && setProblem(problemOf(err)),
    );
    return () => {
      live = false;
    };
  }, [meetingId]);

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  const copy = async (part: Part, text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(part);
      setStatus(s.copied);
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => {
        setCopied(null);
        setStatus('');
      }, 2000);
    } catch {
      // Clipboard not allowed: the text stays selectable in its box.
      setStatus(s.copyFailed);
    }
  };

  const texts = invitation?.[lang];
  const high = invitation?.level === 'high';
  const field = (part: Part, label: string, copyLabel: string, hint?: string) =>
    texts && (
      <CopyField
        id={`${id}-invitation-${part}`}
        testId={`invitation-${part}`}
        lang={lang}
        label={label}
        copyLabel={copyLabel}
        value={texts[part]}
        {...(hint !== undefined && { hint })}
        copied={copied === part}
        copyText={s.copy}
        copiedText={s.copied}
        onCopy={() => void copy(part, texts[part])}
      />
    );

  return (
    <section id={id} className="stack" aria-labelledby={`${id}-heading`} data-testid="invitation-panel">
      <h4 id={`${id}-heading`}>{s.heading}</h4>
      <ProblemAlert problem={problem} />
      {!invitation && !problem && (
        <p className="muted small" role="status">
          {s.loading}
        </p>
      )}
      {invitation && texts && (
        <>
          {high && (
            <p className="notice" data-testid="invitation-high-note">
              {s.highNote}
            </p>
          )}
          <div className="field">
            <label htmlFor={`${id}-invitation-lang`}>{s.language}</label>
            <select id={`${id}-invitation-lang`} value={lang} onChange={(e) => setChosen(e.target.value === 'ja' ? 'ja' : 'en')}>
              {LOCALES.map((l) => (
                <option key={l.id} value={l.id} lang={l.id}>
                  {l.label}
                </option>
              ))}
            </select>
          </div>
          <div className="stack">
            {field('subject', s.subject, s.copySubject)}
            {field('body', s.body, s.copyBody)}
            {field('passwordMessage', s.passwordMessage, s.copyPasswordMessage, s.passwordMessageHint)}
          </div>
          <div className="button-row">
            <a className="button" href={invitationIcsUrl(meetingId)} download={INVITATION_ICS_NAME}>
              {s.downloadIcs}
            </a>
          </div>
          <p role="status" className="small">
            {status}
          </p>
        </>
      )}
    </section>
  );
}
