// Invitations (G1, G2) without a server: for every level and both languages, the subject is
// neutral (no title, no level); a High meeting's password is only in the password message and
// its link has no fragment; Medium and Low carry the password in the link's fragment and the ID
// + password pair (KU); the .ics is RFC 5545 (CRLF, 75-octet lines, escaped text, UID).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePolicy, defaultOrganisationPolicy, Invitation, type ConfidentialityLevel, type TimeWindow } from '@kaigi/protocol';
import { escapeIcsText, foldIcsLine, writeInvitation } from '../src/invitation/InvitationWriter.js';

const ORG = defaultOrganisationPolicy('jp-1');
const ID = 'abcdefghjkmnpqrs';
const PUBLIC_URL = 'https://kaigi.example.org';
// Characters that RFC 5545 TEXT escapes, and one that URLs encode.
const PASSWORD = 'Pw,with;odd\\chars+9';
const TITLE = 'Merger talks, Project Falcon; 極秘の打ち合わせ（第三回）について詳しく話し合うための長い会議名です';
const NOW = new Date('2025-11-20T08:17:42.123Z');

const WINDOWS: Record<string, TimeWindow> = {
  none: { startsAt: null, endsAt: null },
  both: { startsAt: '2025-11-24T01:00:00.000Z', endsAt: '2025-11-24T02:30:00.000Z' },
  start: { startsAt: '2025-11-24T01:00:00.000Z', endsAt: null },
  end: { startsAt: null, endsAt: '2025-11-24T09:00:00.000Z' },
};

const write = (level: ConfidentialityLevel, window: TimeWindow = WINDOWS.both!, timeZone?: string) =>
  writeInvitation({
    meetingId: ID,
    title: TITLE,
    password: PASSWORD,
    window,
    policy: compilePolicy(level, ORG),
    publicUrl: PUBLIC_URL,
    timeZone,
    now: NOW,
  });

const plainUrl = `${PUBLIC_URL}/m/${ID}`;
const fragmentUrl = `${plainUrl}#pwd=${encodeURIComponent(PASSWORD)}`;

/** Content lines of an .ics, unfolded (RFC 5545 3.1). */
const unfold = (ics: string): string[] => ics.replace(/\r\n /g, '').split('\r\n').filter((l) => l !== '');
const prop = (ics: string, name: string): string | undefined =>
  unfold(ics)
    .find((l) => l.startsWith(`${name}:`))
    ?.slice(name.length + 1);
const unescapeText = (s: string) => s.replace(/\\(.)/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));

/** Words that give away a meeting's level or sensitivity. */
const LEVEL_WORDS = /\b(high|medium|low|confidential|secret|sensitive|private)\b|機密|極秘|重要|秘|高|中|低/i;

function checkIcsShape(ics: string): void {
  assert.ok(ics.endsWith('\r\n'), 'ends with CRLF');
  assert.doesNotMatch(ics.replace(/\r\n/g, ''), /[\r\n]/, 'no bare CR or LF');
  const physical = ics.slice(0, -2).split('\r\n');
  for (const line of physical) {
    assert.ok(Buffer.byteLength(line, 'utf8') <= 75, `line over 75 octets: ${line}`);
    assert.ok(!Buffer.from(line, 'utf8').toString('utf8').includes('\ufffd'), 'no split UTF-8 sequence');
  }
  const lines = unfold(ics);
  assert.equal(lines[0], 'BEGIN:VCALENDAR');
  assert.equal(lines.at(-1), 'END:VCALENDAR');
  assert.ok(lines.includes('VERSION:2.0'));
  assert.ok(lines.includes('BEGIN:VEVENT') && lines.includes('END:VEVENT'));
  assert.equal(prop(ics, 'UID'), `${ID}@kaigi`);
  assert.equal(prop(ics, 'DTSTAMP'), '20251120T081742Z');
  assert.match(prop(ics, 'DTSTART') ?? '', /^\d{8}T\d{6}Z$/);
  assert.match(prop(ics, 'DTEND') ?? '', /^\d{8}T\d{6}Z$/);
  assert.ok(prop(ics, 'PRODID'));
  // Unescaped , ; or newline inside a TEXT value would break it apart.
  for (const name of ['SUMMARY', 'DESCRIPTION', 'LOCATION']) {
    assert.doesNotMatch(prop(ics, name) ?? '', /(^|[^\\])(\\\\)*[,;]/, `${name} has an unescaped , or ;`);
  }
}

for (const level of ['high', 'medium', 'low'] as const) {
  describe(`invitation, ${level}`, () => {
    for (const [windowName, window] of Object.entries(WINDOWS)) {
      it(`(${windowName} window) matches the schema, with a neutral subject in both languages`, () => {
        const inv = write(level, window);
        assert.ok(Invitation.safeParse(inv).success);
        assert.equal(inv.level, level);
        assert.equal(inv.meetingId, ID);
        for (const lang of ['en', 'ja'] as const) {
          const { subject } = inv[lang];
          assert.ok(!subject.includes(TITLE) && !subject.includes('Falcon') && !subject.includes('Merger'), `${lang} subject has the title`);
          assert.doesNotMatch(subject, LEVEL_WORDS, `${lang} subject: ${subject}`);
          assert.ok(!subject.includes(PASSWORD) && !subject.includes(ID), `${lang} subject has secrets`);
        }
        // Same subject whatever the level: it cannot tell one from another.
        for (const other of ['high', 'medium', 'low'] as const) {
          assert.equal(write(other, window).en.subject, inv.en.subject);
          assert.equal(write(other, window).ja.subject, inv.ja.subject);
        }
        checkIcsShape(inv.ics);
        assert.equal(unescapeText(prop(inv.ics, 'SUMMARY') ?? ''), inv.en.subject);
        assert.equal(unescapeText(prop(inv.ics, 'DESCRIPTION') ?? ''), inv.en.body);
      });
    }

    it('gives the password on its own, with the meeting ID, for another channel', () => {
      const inv = write(level);
      assert.ok(inv.en.passwordMessage.includes(`Password: ${PASSWORD}`));
      assert.ok(inv.en.passwordMessage.includes(`Meeting ID: ${ID}`));
      assert.match(inv.en.passwordMessage, /different channel than the invitation/);
      assert.ok(inv.ja.passwordMessage.includes(`パスワード：${PASSWORD}`));
      assert.ok(inv.ja.passwordMessage.includes(`会議ID：${ID}`));
      assert.match(inv.ja.passwordMessage, /別の経路/);
      for (const lang of ['en', 'ja'] as const) {
        assert.ok(!inv[lang].passwordMessage.includes(TITLE), 'no title next to the password');
        assert.ok(!inv[lang].passwordMessage.includes('http'), 'no link next to the password');
      }
    });

    it('says the browser is enough, a waiting room is used, and not to forward', () => {
      const inv = write(level);
      assert.match(inv.en.body, /Nothing to install/);
      assert.match(inv.en.body, /waiting room/);
      assert.match(inv.en.body, /do not forward/);
      assert.match(inv.ja.body, /インストールは不要/);
      assert.match(inv.ja.body, /待機室/);
      assert.match(inv.ja.body, /転送/);
    });

    if (level === 'high') {
      it('keeps the password and the title out of everything but the password message (G2)', () => {
        for (const window of Object.values(WINDOWS)) {
          const inv = write(level, window);
          const everywhere = [inv.en.subject, inv.en.body, inv.ja.subject, inv.ja.body, inv.ics, unfold(inv.ics).join('\n')];
          for (const text of everywhere) {
            for (const secret of [PASSWORD, escapeIcsText(PASSWORD), encodeURIComponent(PASSWORD), 'odd', 'chars+9']) {
              assert.ok(!text.includes(secret), `password (${secret}) leaked into: ${text.slice(0, 80)}`);
            }
            assert.ok(!text.includes('Falcon') && !text.includes('極秘'), 'title leaked');
            assert.ok(!text.includes('#'), 'a fragment in the link');
          }
          assert.ok(inv.en.body.includes(plainUrl) && inv.ja.body.includes(plainUrl));
          assert.ok(inv.en.body.includes(`Meeting ID: ${ID}`) && inv.ja.body.includes(`会議ID：${ID}`));
          assert.match(inv.en.body, /sent to you separately/);
          assert.match(inv.ja.body, /別途お送りします/);
          assert.equal(prop(inv.ics, 'URL'), plainUrl);
          for (const lang of ['en', 'ja'] as const) assert.ok(inv[lang].passwordMessage.includes(PASSWORD));
        }
      });
    } else {
      it('puts the password in the link fragment and gives the ID + password pair (G1, KU)', () => {
        const inv = write(level);
        for (const lang of ['en', 'ja'] as const) {
          assert.ok(inv[lang].body.includes(fragmentUrl), `${lang} body has the link with #pwd=`);
          assert.ok(inv[lang].body.includes(plainUrl), `${lang} body has the link to type on another device`);
          assert.ok(inv[lang].body.includes(TITLE), `${lang} body names the meeting`);
        }
        assert.ok(inv.en.body.includes(`Meeting ID: ${ID}\nPassword: ${PASSWORD}`));
        assert.ok(inv.ja.body.includes(`会議ID：${ID}\nパスワード：${PASSWORD}`));
        assert.equal(prop(inv.ics, 'URL'), fragmentUrl);
        assert.ok(prop(inv.ics, 'DESCRIPTION')?.includes(`Password: ${escapeIcsText(PASSWORD)}`));
      });
    }
  });
}

describe('invitation times', () => {
  it('writes the start in the requested zone, in both languages', () => {
    const inv = write('medium', WINDOWS.both, 'Asia/Tokyo');
    assert.equal(inv.timeZone, 'Asia/Tokyo');
    assert.equal(inv.en.subject, 'Web meeting invitation (Nov 24, 10:00)');
    assert.equal(inv.ja.subject, 'Web会議のご案内（11月24日 10:00）');
    assert.ok(inv.en.body.includes('Date and time: Mon, Nov 24, 2025, 10:00–11:30 (Asia/Tokyo, UTC+9)'));
    assert.ok(inv.ja.body.includes('日時：2025年11月24日（月）10:00～11:30（日本時間）'));
  });

  it('defaults to UTC and leaves the time out of the subject without a start', () => {
    const utc = write('low', WINDOWS.both);
    assert.equal(utc.timeZone, 'UTC');
    assert.equal(utc.en.subject, 'Web meeting invitation (Nov 24, 01:00)');
    assert.ok(utc.en.body.includes('(UTC)'));
    assert.equal(write('low', WINDOWS.none).en.subject, 'Web meeting invitation');
    assert.equal(write('low', WINDOWS.none).ja.subject, 'Web会議のご案内');
    assert.equal(write('low', WINDOWS.end).en.subject, 'Web meeting invitation');
    assert.doesNotMatch(write('low', WINDOWS.none).en.body, /Date and time|Starts|Open until/);
    assert.ok(write('low', WINDOWS.end, 'Asia/Tokyo').ja.body.includes('参加期限：2025年11月24日（月）18:00まで（日本時間）'));
  });

  it('puts the window in the .ics in UTC, or a placeholder hour without one', () => {
    const both = write('low', WINDOWS.both, 'Asia/Tokyo').ics;
    assert.equal(prop(both, 'DTSTART'), '20251124T010000Z');
    assert.equal(prop(both, 'DTEND'), '20251124T023000Z');
    const start = write('low', WINDOWS.start).ics;
    assert.equal(prop(start, 'DTSTART'), '20251124T010000Z');
    assert.equal(prop(start, 'DTEND'), '20251124T020000Z');
    // No window: the next full hour after NOW (08:17Z), for one hour.
    const none = write('low', WINDOWS.none).ics;
    assert.equal(prop(none, 'DTSTART'), '20251120T090000Z');
    assert.equal(prop(none, 'DTEND'), '20251120T100000Z');
    const end = write('low', WINDOWS.end).ics;
    assert.equal(prop(end, 'DTSTART'), '20251120T090000Z');
    assert.equal(prop(end, 'DTEND'), '20251124T090000Z');
  });
});

describe('iCalendar text', () => {
  it('escapes backslash, semicolon, comma and newlines', () => {
    assert.equal(escapeIcsText('a\\b;c,d\ne\r\nf'), 'a\\\\b\\;c\\,d\\ne\\nf');
  });

  it('folds at 75 octets without splitting a character', () => {
    const long = `DESCRIPTION:${'あ'.repeat(60)}${'x'.repeat(100)}😀😀😀`;
    const folded = foldIcsLine(long);
    const parts = folded.split('\r\n');
    assert.ok(parts.length > 2);
    for (const [i, p] of parts.entries()) {
      assert.ok(Buffer.byteLength(p) <= 75, `part ${i}: ${Buffer.byteLength(p)} octets`);
      if (i > 0) assert.ok(p.startsWith(' '));
    }
    assert.equal(folded.replace(/\r\n /g, ''), long);
    assert.equal(foldIcsLine('SHORT:x'), 'SHORT:x');
    // An escape stays whole: no line ends in the backslash of \, (some apps unfold badly).
    for (let pad = 0; pad < 4; pad++) {
      const escaped = `DESCRIPTION:${'y'.repeat(pad)}${escapeIcsText('a,b;c\\d\n'.repeat(20))}`;
      const lines = foldIcsLine(escaped).split('\r\n');
      for (const l of lines.slice(0, -1)) assert.doesNotMatch(l, /(^|[^\\])(\\\\)*\\$/, `split escape: ${l}`);
      assert.equal(lines.join('\r\n').replace(/\r\n /g, ''), escaped);
    }
  });
});
