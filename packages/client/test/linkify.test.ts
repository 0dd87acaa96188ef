// Chat links (H4): only http(s) URLs become links; file:, UNC paths, javascript:, data:, smb: and
// look-alikes stay plain text, and the text always comes back unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkify, safeHref, type Segment } from '../src/app/components/linkify.js';

const links = (text: string): string[] =>
  linkify(text).flatMap((s) => (s.type === 'link' ? [s.href] : []));

/** Joining every segment's text gives the input back, and every href is http(s). */
function check(text: string): Segment[] {
  const segs = linkify(text);
  assert.equal(segs.map((s) => s.text).join(''), text);
  for (const s of segs) {
    if (s.type === 'link') assert.match(s.href, /^https?:\/\/[^/\\]/);
    assert.ok(s.text.length > 0, 'no empty segments');
  }
  return segs;
}

const plain = (text: string): void => {
  const segs = check(text);
  assert.deepEqual(segs, text ? [{ type: 'text', text }] : [], `"${text}" stays text`);
};

test('https and http URLs become links', () => {
  assert.deepEqual(check('see https://example.com/a?b=1#c now'), [
    { type: 'text', text: 'see ' },
    { type: 'link', text: 'https://example.com/a?b=1#c', href: 'https://example.com/a?b=1#c' },
    { type: 'text', text: ' now' },
  ]);
  assert.deepEqual(links('http://example.org'), ['http://example.org/']);
  assert.deepEqual(links('two: https://a.example and https://b.example/x'), ['https://a.example/', 'https://b.example/x']);
});

test('mixed-case http schemes are links, with the normalised href', () => {
  assert.deepEqual(links('HTTPS://Example.COM/Path'), ['https://example.com/Path']);
  assert.deepEqual(links('hTtP://example.com'), ['http://example.com/']);
});

test('file: URLs stay text, in any case', () => {
  for (const t of ['file:///c:/x', 'FILE:///c:/x', 'FiLe://server/share/doc.txt', 'file:///etc/passwd', 'open file:c:\\x now']) plain(t);
});

test('UNC paths stay text', () => {
  for (const t of ['\\\\server\\share\\file.docx', '//server/share/file.docx', 'see \\\\10.0.0.1\\c$ now', '\\\\?\\UNC\\server\\share']) plain(t);
});

test('javascript:, data:, smb: and other schemes stay text', () => {
  for (const t of [
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    ' javascript:alert(document.cookie)',
    'data:text/html,<script>alert(1)</script>',
    'DATA:text/html;base64,PHNjcmlwdD4=',
    'smb://server/share',
    'SMB://server/share',
    'vbscript:msgbox(1)',
    'ftp://example.com/file',
    'mailto:a@example.com',
    'ms-word:ofe|u|https//example.com',
    'search-ms:query=x',
    'blob:https://example.com/uuid',
  ]) plain(t);
});

test('a URL hidden behind another scheme does not become a link from its tail', () => {
  for (const t of ['file:http://example.com', 'javascript:http://example.com', 'view-source:https://example.com', 'xhttps://example.com', 'file://https://example.com']) plain(t);
});

test('malformed http URLs stay text', () => {
  for (const t of ['http:///c:/x', 'https:\\\\server\\share', 'http:\\\\server\\share', 'https://', 'https:example.com', 'http:/\\server', 'https://\\\\server\\share']) plain(t);
});

test('URLs with a user name or password stay text', () => {
  plain('https://bank.example@evil.example/login');
  plain('https://user:pass@example.com/');
});

test('Unicode look-alikes of the scheme stay text', () => {
  for (const t of [
    'ｈｔｔｐｓ://example.com', // full-width letters
    'httpѕ://example.com', // Cyrillic dze
    'һttps://example.com', // Cyrillic shha
    'https：//example.com', // full-width colon
    'https:／／example.com', // full-width solidus
    'https:⁄⁄example.com', // fraction slash
    'ｆｉｌｅ:///c:/x',
    'ｊａｖａｓｃｒｉｐｔ:alert(1)',
    'javaѕcript:alert(1)',
  ]) plain(t);
});

test('look-alike letters in the host never give a link that hides its target', () => {
  // Cyrillic а at the start of the host: nothing to link.
  plain('https://аpple.com');
  // Greek omicron glued to the URL: the whole thing stays text.
  plain('https://apple.cοm');
  plain('https://exampleｅ.com');
  assert.deepEqual(links('https://example.com/\u202Egnp.exe'), ['https://example.com/']);
  assert.deepEqual(links('https://example.com\u200B.evil.example'), ['https://example.com/']);
});

test('trailing punctuation and brackets belong to the sentence', () => {
  assert.deepEqual(links('Go to https://example.com.'), ['https://example.com/']);
  assert.deepEqual(links('(https://example.com/a)'), ['https://example.com/a']);
  assert.deepEqual(links('https://en.wikipedia.org/wiki/Foo_(bar)'), ['https://en.wikipedia.org/wiki/Foo_(bar)']);
  assert.deepEqual(links('"https://example.com/x", ok?'), ['https://example.com/x']);
  assert.deepEqual(links('http://[::1]:8080/x'), ['http://[::1]:8080/x']);
  check('https://example.com/?q=a.b!');
});

test('Japanese text around a URL', () => {
  assert.deepEqual(check('詳細はhttps://example.com/docsを見てください。'), [
    { type: 'text', text: '詳細は' },
    { type: 'link', text: 'https://example.com/docs', href: 'https://example.com/docs' },
    { type: 'text', text: 'を見てください。' },
  ]);
  assert.deepEqual(links('「https://example.com」'), ['https://example.com/']);
});

test('markup stays text', () => {
  plain('<a href="javascript:alert(1)">x</a>');
  assert.deepEqual(links('<a href="https://example.com">x</a>'), ['https://example.com/']);
  assert.deepEqual(links('https://example.com/<script>'), ['https://example.com/']);
  plain('<img src=x onerror=alert(1)>');
});

test('safeHref accepts only http(s) with a host', () => {
  assert.equal(safeHref('https://example.com'), 'https://example.com/');
  assert.equal(safeHref('file:///c:/x'), null);
  assert.equal(safeHref('javascript:alert(1)'), null);
  assert.equal(safeHref('//server/share'), null);
  assert.equal(safeHref('http:///c:/x'), null);
  assert.equal(safeHref('https://a@b'), null);
});

test('empty and plain text', () => {
  assert.deepEqual(linkify(''), []);
  plain('hello');
  plain('こんにちは');
});
