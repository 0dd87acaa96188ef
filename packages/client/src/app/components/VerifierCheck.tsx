import { useEffect, useId, useState } from 'react';
import { admissionCheckRequired, mayActOn, type MediaSource, type ParticipantInfo } from '@kaigi/protocol';
import { readAloud } from '../../e2ee/SafetyCode';
import { useI18n } from '../../i18n';
import type { MediaController } from '../../media/MediaController';
import type { MediaSnapshot } from '../../media/mediaTypes';
import type { MeetingSession } from '../../session/useMeetingSession';
import { useMediaSnapshot, useStreamElement } from './useMedia';
import { useE2eeSnapshot } from './E2eeBanner';

// The verifier's one-to-one check of a newcomer before admission (B7): the verifier's panel
// (newcomer's video, what was checked, admit or deny), the waiting room as a verifier sees it,
// and what the newcomer sees while being checked. The server keeps the check's media between the
// two of them; these views only show it.

const STRINGS = {
  en: {
    checkShort: 'Check',
    check: 'Check {name}',
    checking: 'Checking {name}',
    checkingHint: 'Only you see and hear {name}, and only {name} sees and hears you. Nobody else in the meeting receives either.',
    newcomerVideo: 'Video of {name}',
    noVideoYet: '{name} has not turned on a camera yet.',
    face: 'Face seen',
    voice: 'Voice heard',
    name: 'Name matches the roster',
    admit: 'Admit',
    deny: 'Deny',
    endCheck: 'End check',
    myCamera: 'My camera',
    myMicrophone: 'My microphone',
    on: 'on',
    off: 'off',
    verifierHeading: 'Waiting room (verifier)',
    waitingEmpty: 'Nobody is waiting.',
    beingChecked: 'A verifier is checking you',
    beingCheckedBy: '{name} is checking you before letting you in. Only {name} sees and hears you; nobody else in the meeting does.',
    verifierVideo: 'Video of {name}',
    ownVideo: 'Your camera',
    turnOnCamera: 'Turn on camera',
    turnOffCamera: 'Turn off camera',
    turnOnMicrophone: 'Turn on microphone',
    turnOffMicrophone: 'Turn off microphone',
    roleVerifier: 'Verifier',
    checkCode: 'Check code',
    checkCodePending: 'Setting up end-to-end encryption for this check…',
    checkCodeVerifier: 'This check is end-to-end encrypted with keys of its own. Ask {name} to read out the code on their screen: it must match yours digit for digit. A different code means someone is in between; then deny.',
    checkCodeNewcomer: 'This check is end-to-end encrypted. When {name} asks, read this code aloud.',
    checkCodeFailed: 'This check could not be encrypted end to end, so no video or sound is sent. Check the name, then admit or deny.',
    makeVerifier: 'Make {name} a verifier',
    makeVerifierShort: 'Make verifier',
    removeVerifier: 'Make {name} a participant again',
    removeVerifierShort: 'Not verifier',
  },
  ja: {
    checkShort: '確認',
    check: '{name} さんを確認',
    checking: '{name} さんを確認中',
    checkingHint: '{name} さんの映像と音声はあなたにだけ、あなたの映像と音声は {name} さんにだけ届きます。会議の他の参加者には届きません。',
    newcomerVideo: '{name} さんの映像',
    noVideoYet: '{name} さんはまだカメラをオンにしていません。',
    face: '顔を確認した',
    voice: '声を確認した',
    name: '名前が名簿と一致',
    admit: '入室を許可',
    deny: '拒否',
    endCheck: '確認を終了',
    myCamera: '自分のカメラ',
    myMicrophone: '自分のマイク',
    on: 'オン',
    off: 'オフ',
    verifierHeading: '待機室（確認担当）',
    waitingEmpty: '待機中の人はいません。',
    beingChecked: '確認担当者があなたを確認しています',
    beingCheckedBy: '入室前に {name} さんがあなたを確認しています。あなたの映像と音声は {name} さんにだけ届き、会議の他の参加者には届きません。',
    verifierVideo: '{name} さんの映像',
    ownVideo: 'あなたのカメラ',
    turnOnCamera: 'カメラをオン',
    turnOffCamera: 'カメラをオフ',
    turnOnMicrophone: 'マイクをオン',
    turnOffMicrophone: 'マイクをオフ',
    roleVerifier: '確認担当',
    checkCode: '確認コード',
    checkCodePending: 'この確認のエンドツーエンド暗号化を準備しています…',
    checkCodeVerifier: 'この確認は専用の鍵でエンドツーエンド暗号化されています。{name} さんに画面のコードを読み上げてもらい、1 桁ずつ一致することを確かめてください。違うコードなら間に誰かがいます。その場合は拒否してください。',
    checkCodeNewcomer: 'この確認はエンドツーエンド暗号化されています。{name} さんに求められたら、このコードを読み上げてください。',
    checkCodeFailed: 'この確認をエンドツーエンド暗号化できなかったため、映像と音声は送られません。名前を確認してから許可または拒否してください。',
    makeVerifier: '{name} さんを確認担当にする',
    makeVerifierShort: '確認担当にする',
    removeVerifier: '{name} さんを参加者に戻す',
    removeVerifierShort: '確認担当を外す',
  },
} as const;

type Key = keyof (typeof STRINGS)['en'];

function useStrings(): (key: Key, vars?: Record<string, string>) => string {
  const { locale } = useI18n();
  const dict = locale === 'ja' ? STRINGS.ja : STRINGS.en;
  return (key, vars = {}) => dict[key].replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? '');
}

function StreamVideo({ stream, label, testId, mirrored, participantId }: { stream: MediaStream; label: string; testId: string; mirrored?: boolean; participantId?: string }) {
  const ref = useStreamElement<HTMLVideoElement>(stream);
  return <video ref={ref} className={mirrored ? 'tile-video tile-mirrored' : 'tile-video'} muted autoPlay playsInline aria-label={label} data-testid={testId} data-participant-id={participantId} data-source={participantId ? 'camera' : undefined} />;
}

function StreamAudio({ stream, label }: { stream: MediaStream; label: string }) {
  const ref = useStreamElement<HTMLAudioElement>(stream);
  return <audio ref={ref} autoPlay className="visually-hidden" aria-label={label} />;
}

/**
 * In an E2EE meeting, the check's own safety code (B7): both sides see the same 20 digits when
 * nobody is in between; the newcomer reads it aloud and the verifier compares.
 */
function CheckCode({ session, participantId, other }: { session: MeetingSession; participantId: string; other: string }) {
  const s = useStrings();
  const { locale } = useI18n();
  const snap = useE2eeSnapshot(session);
  const check = snap.check?.participantId === participantId ? snap.check : null;
  if (!check) return null;
  if (check.failed) return <p className="notice">{s('checkCodeFailed')}</p>;
  const spoken = check.safetyCode === null ? null : spokenCode(check.safetyCode, locale);
  return (
    <div className="stack safety-code">
      <h3>{s('checkCode')}</h3>
      {check.safetyCode === null ? (
        <p className="muted">{s('checkCodePending')}</p>
      ) : (
        <>
          <p className="safety-code-digits" data-testid="check-code">
            {check.safetyCode}
          </p>
          {spoken !== null && <p className="muted small">{spoken}</p>}
        </>
      )}
      <p className="small">{s(check.side === 'verifier' ? 'checkCodeVerifier' : 'checkCodeNewcomer', { name: other })}</p>
    </div>
  );
}

function spokenCode(code: string, locale: 'ja' | 'en'): string | null {
  try {
    return readAloud(code, locale);
  } catch {
    return null;
  }
}

const remoteOf = (snap: MediaSnapshot, participantId: string, kind: 'audio' | 'video') =>
  snap.remote.find((m) => m.participantId === participantId && m.kind === kind && (kind === 'audio' || m.source === 'camera'))?.stream ?? null;

/** Camera and microphone buttons for either side of a check: the person turns them on themselves. */
function OwnMediaButtons({ media, snap }: { media: MediaController; snap: MediaSnapshot }) {
  const s = useStrings();
  const button = (source: Extract<MediaSource, 'camera' | 'microphone'>, on: string, off: string) => (
    <button type="button" className="small-button" aria-pressed={snap.local[source]} disabled={snap.busy !== null} onClick={() => void media.toggle(source, !snap.local[source])}>
      {snap.local[source] ? off : on}
    </button>
  );
  return (
    <div className="button-row">
      {button('camera', s('turnOnCamera'), s('turnOffCamera'))}
      {button('microphone', s('turnOnMicrophone'), s('turnOffMicrophone'))}
    </div>
  );
}

/**
 * The verifier's (or host's) panel while a check is open: the newcomer's video and voice, the
 * verifier's own camera and microphone, what was checked, and the decision.
 */
export function CheckPanel({ session }: { session: MeetingSession }) {
  const media = session.media;
  return media ? <CheckPanelWith session={session} media={media} /> : null;
}

function CheckPanelWith({ session, media }: { session: MeetingSession; media: MediaController }) {
  const s = useStrings();
  const id = useId();
  const snap = useMediaSnapshot(media);
  const check = snap.check?.side === 'verifier' ? snap.check : null;
  const [ticked, setTicked] = useState({ face: false, voice: false, name: false });
  const [busy, setBusy] = useState(false);
  useEffect(() => setTicked({ face: false, voice: false, name: false }), [check?.participantId]);
  if (!check) return null;
  const entry = session.state.waiting.find((w) => w.id === check.participantId);
  const name = entry?.displayName ?? '';
  const video = remoteOf(snap, check.participantId, 'video');
  const seen = ticked.face || ticked.voice;
  // The server's rule (Meeting.admit), shared through the protocol: in a High meeting, everyone without an account here is checked.
  const level = session.state.meeting?.level;
  const required = level !== undefined && entry !== undefined && admissionCheckRequired(level, entry.entry);
  const decide = async (type: 'admit' | 'deny') => {
    setBusy(true);
    if (type === 'admit') await session.act({ type: 'admit', participantId: check.participantId, ...(seen && { check: ticked }) });
    else await session.act({ type: 'deny', participantId: check.participantId });
    setBusy(false);
  };
  const box = (key: keyof typeof ticked) => (
    <label className="checkbox">
      <input type="checkbox" checked={ticked[key]} disabled={busy} onChange={(e) => setTicked((c) => ({ ...c, [key]: e.target.checked }))} /> {s(key)}
    </label>
  );
  return (
    <section className="card stack check-panel" aria-labelledby={`${id}-h`} data-testid="check-panel">
      <h2 id={`${id}-h`}>{s('checking', { name })}</h2>
      <p className="muted small">{s('checkingHint', { name })}</p>
      <CheckCode session={session} participantId={check.participantId} other={name} />
      {video ? <StreamVideo stream={video} label={s('newcomerVideo', { name })} testId="check-remote-video" participantId={check.participantId} /> : <p className="muted">{s('noVideoYet', { name })}</p>}
      {snap.selfCamera && <StreamVideo stream={snap.selfCamera} label={s('ownVideo')} testId="check-own-video" mirrored />}
      <OwnMediaButtons media={media} snap={snap} />
      <fieldset className="stack">
        {box('face')}
        {box('voice')}
        {box('name')}
      </fieldset>
      <div className="button-row">
        <button type="button" className="primary" disabled={busy || (required && !seen)} onClick={() => void decide('admit')}>
          {s('admit')}
        </button>
        <button type="button" className="danger" disabled={busy} onClick={() => void decide('deny')}>
          {s('deny')}
        </button>
        <button type="button" disabled={busy} onClick={() => void session.act({ type: 'endCheck', participantId: check.participantId })}>
          {s('endCheck')}
        </button>
      </div>
    </section>
  );
}

/** "Check NAME": opens a one-to-one check with someone in the waiting room. */
export function CheckButton({ session, participantId, name }: { session: MeetingSession; participantId: string; name: string }) {
  const s = useStrings();
  return (
    <button type="button" className="small-button" aria-label={s('check', { name })} onClick={() => void session.act({ type: 'startCheck', participantId })}>
      {s('checkShort')}
    </button>
  );
}

/** What a verifier sees of the meeting's controls: the waiting room with Check, and the open check. */
export function VerifierControls({ session }: { session: MeetingSession }) {
  const s = useStrings();
  const { waiting } = session.state;
  return (
    <div className="stack">
      <section className="card stack" aria-labelledby="verifier-waiting-heading">
        <h2 id="verifier-waiting-heading">{s('verifierHeading')}</h2>
        {waiting.length === 0 ? (
          <p className="muted">{s('waitingEmpty')}</p>
        ) : (
          <ul className="people">
            {waiting.map((w) => (
              <li key={w.id} className="person">
                <span className="participant-name">{w.displayName}</span>{' '}
                <span className="participant-actions">
                  <CheckButton session={session} participantId={w.id} name={w.displayName} />
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <CheckPanel session={session} />
    </div>
  );
}

/** The newcomer's side: who is checking them, the verifier's video and voice, their own camera and microphone. */
export function NewcomerCheck({ session }: { session: MeetingSession }) {
  const media = session.media;
  return media ? <NewcomerCheckWith session={session} media={media} /> : null;
}

function NewcomerCheckWith({ session, media }: { session: MeetingSession; media: MediaController }) {
  const s = useStrings();
  const snap = useMediaSnapshot(media);
  const check = snap.check?.side === 'newcomer' ? snap.check : null;
  if (!check) return null;
  const video = remoteOf(snap, check.byId, 'video');
  const audio = remoteOf(snap, check.byId, 'audio');
  return (
    <section className="stack check-panel" aria-live="polite" data-testid="newcomer-check">
      <h2>{s('beingChecked')}</h2>
      <p>{s('beingCheckedBy', { name: check.by })}</p>
      <CheckCode session={session} participantId={check.participantId} other={check.by} />
      {video && <StreamVideo stream={video} label={s('verifierVideo', { name: check.by })} testId="check-remote-video" participantId={check.byId} />}
      {audio && <StreamAudio stream={audio} label={s('verifierVideo', { name: check.by })} />}
      {snap.selfCamera && <StreamVideo stream={snap.selfCamera} label={s('ownVideo')} testId="check-own-video" mirrored />}
      <OwnMediaButtons media={media} snap={snap} />
    </section>
  );
}

/** The roster's badge for a verifier. */
export function VerifierBadge() {
  const s = useStrings();
  return <span className="badge badge-host">{s('roleVerifier')}</span>;
}

/** For the host: make a participant a verifier, or a verifier a participant again (setRole). */
export function VerifierRoleButton({ session, participant }: { session: MeetingSession; participant: ParticipantInfo }) {
  const s = useStrings();
  const role = session.state.role;
  if (role === null || !mayActOn(role, 'setRole', participant.role) || (participant.role !== 'participant' && participant.role !== 'verifier')) return null;
  const name = participant.displayName;
  const is = participant.role === 'verifier';
  return (
    <button
      type="button"
      className="small-button"
      aria-label={s(is ? 'removeVerifier' : 'makeVerifier', { name })}
      onClick={() => void session.act({ type: 'setRole', participantId: participant.id, role: is ? 'participant' : 'verifier' })}
    >
      {s(is ? 'removeVerifierShort' : 'makeVerifierShort')}
    </button>
  );
}
