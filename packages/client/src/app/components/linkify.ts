// Links in chat (H4). Only absolute http: and https: URLs written out in full become links; every
// other scheme (file:, smb:, javascript:, data:, ...) and every UNC path (\\server\share,
// //server/share) stays plain text. The caller renders the segments as React text and <a>
// elements; nothing here produces HTML.

export type Segment = { type: 'text'; text: string } | { type: 'link'; text: string; href: string };

// A candidate: "http" or "https" in ASCII letters of any case, "://", then a host that does not
// start with another slash or a backslash (no "http:///c:/x" or "http://\\server"). The body is
// ASCII only: a look-alike letter or an invisible or bidi control ends the URL right there.
// Not preceded by a letter (bar the scripts written without spaces), digit or URL punctuation,
// so "file:http://x" or "view-source:http://" never yields a link from its tail.
const CANDIDATE =
  /(?<!(?![\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}])[\p{L}\p{N}\p{M}/\\:.@_+-])https?:\/\/(?![/\\])[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+/giu;

/** Punctuation that ends a sentence rather than a URL: "see https://example.com." */
const TRAILING = new Set(['.', ',', ';', ':', '!', '?', "'", '*']);
/** Closing brackets end the URL unless they close one opened inside it (Wikipedia, IPv6 hosts). */
const PAIRS: Record<string, string> = { ')': '(', ']': '[' };

/** Letters of the scripts that are written without spaces: text may follow a URL directly. */
const NO_SPACE_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

function count(s: string, c: string): number {
  let n = 0;
  for (const ch of s) if (ch === c) n++;
  return n;
}

function trimTrailing(url: string): string {
  let u = url;
  for (;;) {
    const last = u.at(-1);
    if (last === undefined) return u;
    const open = PAIRS[last];
    if (TRAILING.has(last) || (open !== undefined && count(u, open) < count(u, last))) {
      u = u.slice(0, -1);
      continue;
    }
    return u;
  }
}

/**
 * The link target for a URL written in chat, or null when it must stay text: only http(s) with a
 * host, and without user:password@ (which makes "https://bank.example@evil.example" look like
 * the bank).
 */
export function safeHref(candidate: string): string | null {
  if (!/^https?:\/\/[^/\\]/i.test(candidate)) return null;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (!url.hostname || url.username || url.password) return null;
  return url.href;
}

/** Splits chat text into plain text and http(s) links, in order; joining the texts gives the input back. */
export function linkify(text: string): Segment[] {
  const out: Segment[] = [];
  let plain = '';
  let last = 0;
  for (const m of text.matchAll(CANDIDATE)) {
    const start = m.index;
    const raw = m[0];
    const end = start + raw.length;
    // Glued to a letter of a script that uses spaces ("https://apple.cοm" with a Greek ο, or a
    // full-width letter): the visible text would not be the target. Leave it all as text.
    const nextChar = [...text.slice(end, end + 2)][0] ?? '';
    if (nextChar && /[\p{L}\p{N}\p{M}]/u.test(nextChar) && !NO_SPACE_SCRIPT.test(nextChar)) continue;
    const url = trimTrailing(raw);
    const href = safeHref(url);
    if (href === null) continue;
    plain += text.slice(last, start);
    if (plain) out.push({ type: 'text', text: plain });
    plain = '';
    out.push({ type: 'link', text: url, href });
    last = start + url.length;
  }
  plain += text.slice(last);
  if (plain) out.push({ type: 'text', text: plain });
  return out;
}
