import { paths, type Invitation, type InvitationTexts, type MeetingPolicy, type TimeWindow } from '@kaigi/protocol';

// The invitation generator (G1, G2; IPA 4.1(3), KU). Pure: the same facts give the same texts,
// so every rule below is checked by unit tests without a server.
//
// - The subject is the same whatever the meeting: no title, no level, nothing that says how
//   sensitive it is; at most the start time.
// - Medium and Low: the join link carries the password in its fragment (#pwd=, which browsers
//   never send to the server), and the body gives the meeting ID + password pair to type on
//   another device (KU).
// - High (`passwordSeparate`): the password is nowhere but in `passwordMessage`, which the host
//   sends through another channel; the link has no fragment and the body no title.

/** What the writer needs to know about a meeting. Passwords never leave this function but in its texts. */
export interface InvitationFacts {
  meetingId: string;
  title: string;
  password: string;
  window: TimeWindow;
  policy: Pick<MeetingPolicy, 'level' | 'passwordSeparate'>;
  /** Origin the service is reached at, without a trailing slash (config.publicUrl). */
  publicUrl: string;
  /** IANA zone the times in the texts are written in; UTC if absent. */
  timeZone?: string | undefined;
  /** The moment of writing (DTSTAMP, and the placeholder start of an .ics without a window). */
  now?: Date | undefined;
}

const HOUR_MS = 3_600_000;

// ---- times ----------------------------------------------------------------------------------

interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday. */
  weekday: number;
}

function localTime(at: Date, timeZone: string): LocalTime {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? NaN);
  const year = get('year');
  const month = get('month');
  const day = get('day');
  return { year, month, day, hour: get('hour') % 24, minute: get('minute'), weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay() };
}

/** "UTC", "UTC+9", "UTC-4", "UTC+5:30" at that moment (daylight saving included). */
function utcOffset(at: Date, timeZone: string): string {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'shortOffset' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')?.value;
  return (name ?? 'GMT').replace(/^GMT/, 'UTC');
}

const pad = (n: number) => String(n).padStart(2, '0');
const clock = (t: LocalTime) => `${pad(t.hour)}:${pad(t.minute)}`;
const sameDay = (a: LocalTime, b: LocalTime) => a.year === b.year && a.month === b.month && a.day === b.day;

const EN_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const EN_DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const JA_DAYS = ['日', '月', '火', '水', '木', '金', '土'];

const enDate = (t: LocalTime) => `${EN_DAYS[t.weekday]}, ${EN_MONTHS[t.month - 1]} ${t.day}, ${t.year}`;
const jaDate = (t: LocalTime) => `${t.year}年${t.month}月${t.day}日（${JA_DAYS[t.weekday]}）`;

/** How each language writes the times of a window; null when the window is open at both ends. */
function windowLines(window: TimeWindow, timeZone: string): { en: string; ja: string } | null {
  const start = window.startsAt ? new Date(window.startsAt) : null;
  const end = window.endsAt ? new Date(window.endsAt) : null;
  const first = start ?? end;
  if (!first) return null;
  const offset = utcOffset(first, timeZone);
  const enZone = timeZone === 'UTC' ? 'UTC' : `${timeZone}, ${offset}`;
  const jaZone = timeZone === 'Asia/Tokyo' ? '日本時間' : timeZone === 'UTC' ? 'UTC' : `${timeZone}、${offset}`;
  const s = start && localTime(start, timeZone);
  const e = end && localTime(end, timeZone);
  if (s && e) {
    const enRange = sameDay(s, e) ? `${enDate(s)}, ${clock(s)}–${clock(e)}` : `${enDate(s)}, ${clock(s)} – ${enDate(e)}, ${clock(e)}`;
    const jaRange = sameDay(s, e) ? `${jaDate(s)}${clock(s)}～${clock(e)}` : `${jaDate(s)}${clock(s)}～${jaDate(e)}${clock(e)}`;
    return { en: `Date and time: ${enRange} (${enZone})`, ja: `日時：${jaRange}（${jaZone}）` };
  }
  if (s) return { en: `Starts: ${enDate(s)}, ${clock(s)} (${enZone})`, ja: `開始日時：${jaDate(s)}${clock(s)}（${jaZone}）` };
  const only = e as LocalTime;
  return { en: `Open until: ${enDate(only)}, ${clock(only)} (${enZone})`, ja: `参加期限：${jaDate(only)}${clock(only)}まで（${jaZone}）` };
}

/** Neutral subjects: the same for every meeting but for the start time. */
function subjects(window: TimeWindow, timeZone: string): { en: string; ja: string } {
  if (!window.startsAt) return { en: 'Web meeting invitation', ja: 'Web会議のご案内' };
  const s = localTime(new Date(window.startsAt), timeZone);
  return {
    en: `Web meeting invitation (${EN_MONTHS[s.month - 1]} ${s.day}, ${clock(s)})`,
    ja: `Web会議のご案内（${s.month}月${s.day}日 ${clock(s)}）`,
  };
}

// ---- texts ----------------------------------------------------------------------------------

interface Prepared {
  id: string;
  title: string | null;
  password: string | null;
  /** The link in the invitation: with #pwd= unless the password goes separately. */
  joinUrl: string;
  /** The link without any fragment, to type on another device. */
  plainUrl: string;
  when: { en: string; ja: string } | null;
}

function englishBody(p: Prepared): string {
  const lines = ['You are invited to a web meeting.'];
  if (p.title !== null) lines.push(`Meeting: ${p.title}`);
  if (p.when) lines.push(p.when.en);
  lines.push('', 'How to join', 'Open this link in your web browser:', p.joinUrl);
  if (p.password === null) {
    lines.push('The password is not in this invitation: it reaches you separately, through a different channel. Enter it when you join.');
  }
  lines.push(
    '',
    'Joining from another device',
    `Open ${p.plainUrl} in the browser of that device and enter the password when asked.`,
    `Meeting ID: ${p.id}`,
    p.password === null ? 'Password: sent to you separately (not in this invitation)' : `Password: ${p.password}`,
    '',
    'Please note',
    '- Nothing to install: a web browser is all you need.',
    '- When you join, you wait in a waiting room until the host lets you in.',
    '- This invitation is for you only. Please do not forward it or share the link.',
  );
  return lines.join('\n');
}

function japaneseBody(p: Prepared): string {
  const lines = ['下記のとおりWeb会議を開催いたします。'];
  if (p.title !== null) lines.push(`会議名：${p.title}`);
  if (p.when) lines.push(p.when.ja);
  lines.push('', '■ 参加方法', '次のリンクをブラウザで開いてご参加ください。', p.joinUrl);
  if (p.password === null) {
    lines.push('パスワードはこのご案内には記載しておりません。別の経路で改めてお送りしますので、参加時にご入力ください。');
  }
  lines.push(
    '',
    '■ 別の端末から参加される場合',
    `その端末のブラウザで ${p.plainUrl} を開き、パスワードをご入力ください。`,
    `会議ID：${p.id}`,
    p.password === null ? 'パスワード：別途お送りします（このご案内には記載しておりません）' : `パスワード：${p.password}`,
    '',
    '■ ご注意',
    '・アプリやプラグインのインストールは不要です。ブラウザだけでご参加いただけます。',
    '・参加されると、主催者が入室を許可するまで待機室でお待ちいただきます。',
    '・このご案内の転送や、リンクの第三者への共有はご遠慮ください。',
    '',
    'ご参加のほど、よろしくお願いいたします。',
  );
  return lines.join('\n');
}

function passwordMessages(id: string, password: string): { en: string; ja: string } {
  return {
    en: [
      'Password for the web meeting',
      '',
      `Meeting ID: ${id}`,
      `Password: ${password}`,
      '',
      'This password is sent through a different channel than the invitation, on purpose. Enter it when you join.',
      'Please do not forward it, and never send it in the same message or channel as the invitation.',
    ].join('\n'),
    ja: [
      'Web会議のパスワードのお知らせ',
      '',
      `会議ID：${id}`,
      `パスワード：${password}`,
      '',
      'このパスワードは、安全のためご案内とは別の経路でお送りしています。参加時にご入力ください。',
      '転送はご遠慮いただき、ご案内と同じメールや経路では送らないようお願いいたします。',
    ].join('\n'),
  };
}

// ---- iCalendar (RFC 5545) ---------------------------------------------------------------------

/** Longest content line in octets, CRLF not counted (RFC 5545 3.1). */
export const ICS_LINE_OCTETS = 75;

const utf8Length = (ch: string): number => {
  const cp = ch.codePointAt(0) ?? 0;
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
};

/**
 * Folds a content line at 75 octets; continuation lines start with a space. Never inside a
 * UTF-8 sequence, and never between a backslash and the character it escapes (allowed, but
 * some calendar apps unfold badly).
 */
export function foldIcsLine(line: string): string {
  const out: string[] = [];
  let cur = '';
  let octets = 0;
  for (const ch of line.match(/\\[^]|[^]/gu) ?? []) {
    let n = 0;
    for (const c of ch) n += utf8Length(c);
    if (octets + n > ICS_LINE_OCTETS) {
      out.push(cur);
      cur = ' ';
      octets = 1;
    }
    cur += ch;
    octets += n;
  }
  out.push(cur);
  return out.join('\r\n');
}

/** TEXT value escaping (RFC 5545 3.3.11): backslash, semicolon, comma, and newlines as \n. */
export const escapeIcsText = (s: string): string =>
  s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r\n|\r|\n/g, '\\n');

/** 20251124T010000Z */
const icsUtc = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');

/** When the calendar entry starts and ends. */
function icsTimes(window: TimeWindow, now: Date): { start: Date; end: Date } {
  // A VEVENT needs a DTSTART in practice (calendar apps refuse or misplace one without). A
  // meeting with no start time gets a placeholder: the next full hour from now, for one hour
  // (or up to its end time when only that is set). The texts say nothing of this placeholder.
  const nextHour = new Date((Math.floor(now.getTime() / HOUR_MS) + 1) * HOUR_MS);
  const start = window.startsAt ? new Date(window.startsAt) : null;
  const end = window.endsAt ? new Date(window.endsAt) : null;
  if (start && end) return { start, end };
  if (start) return { start, end: new Date(start.getTime() + HOUR_MS) };
  if (end) return { start: nextHour < end ? nextHour : new Date(end.getTime() - HOUR_MS), end };
  return { start: nextHour, end: new Date(nextHour.getTime() + HOUR_MS) };
}

function ics(f: { id: string; subject: string; description: string; url: string; window: TimeWindow; now: Date }): string {
  const { start, end } = icsTimes(f.window, f.now);
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Kaigi//Kaigi invitation//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:${f.id}@kaigi`,
    `DTSTAMP:${icsUtc(f.now)}`,
    `DTSTART:${icsUtc(start)}`,
    `DTEND:${icsUtc(end)}`,
    `SUMMARY:${escapeIcsText(f.subject)}`,
    `DESCRIPTION:${escapeIcsText(f.description)}`,
    `LOCATION:${escapeIcsText(f.url)}`,
    // URL is of type URI: no TEXT escaping (RFC 5545 3.8.4.6).
    `URL:${f.url}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(foldIcsLine).join('\r\n') + '\r\n';
}

// ---- the invitation -------------------------------------------------------------------------

export function writeInvitation(f: InvitationFacts): Invitation {
  const timeZone = f.timeZone ?? 'UTC';
  const now = f.now ?? new Date();
  const separate = f.policy.passwordSeparate;
  const plainUrl = `${f.publicUrl}${paths.join(f.meetingId)}`;
  const p: Prepared = {
    id: f.meetingId,
    // High: neutral wording only, the title stays out as well (G2, IPA 5.1).
    title: f.policy.level === 'high' ? null : f.title,
    password: separate ? null : f.password,
    // Same link as MeetingResource.joinUrl; the fragment never reaches the server.
    joinUrl: separate ? plainUrl : `${plainUrl}#pwd=${encodeURIComponent(f.password)}`,
    plainUrl,
    when: windowLines(f.window, timeZone),
  };
  const subject = subjects(f.window, timeZone);
  const pw = passwordMessages(f.meetingId, f.password);
  const en: InvitationTexts = { subject: subject.en, body: englishBody(p), passwordMessage: pw.en };
  const ja: InvitationTexts = { subject: subject.ja, body: japaneseBody(p), passwordMessage: pw.ja };
  return {
    meetingId: f.meetingId,
    level: f.policy.level,
    timeZone,
    ja,
    en,
    ics: ics({ id: f.meetingId, subject: en.subject, description: en.body, url: p.joinUrl, window: f.window, now }),
  };
}
