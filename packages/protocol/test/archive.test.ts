import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ARCHIVE_HEADER_BYTES,
  ARCHIVE_LIMITS,
  ArchiveError,
  entryNameProblem,
  openArchive,
  readArchiveHeader,
  sealArchive,
  toEntryName,
  type ArchiveErrorCode,
} from '../src/index.js';

// 100 000 iterations (the least an opener accepts) keeps these tests fast.
const FAST = { iterations: 100_000 };
const PASS = 'correct horse battery staple';
const META = { meetingId: '0123456789abcdef', title: 'Board meeting — 取締役会', createdAt: '2025-01-02T03:04:05.000Z' };
const enc = (s: string) => new TextEncoder().encode(s);

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

async function rejectsWith(p: Promise<unknown>, code: ArchiveErrorCode | ArchiveErrorCode[], message?: RegExp): Promise<ArchiveError> {
  const codes = Array.isArray(code) ? code : [code];
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ArchiveError, `expected ArchiveError, got ${String(err)}`);
    assert.ok(codes.includes(err.code), `expected ${codes.join('|')}, got ${err.code}: ${err.message}`);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected ArchiveError ${codes.join('|')}, but it resolved`);
}

/**
 * Builds an archive by hand from the layout documented in archive.ts, independently of
 * sealArchive, so the tests can hand the opener payloads sealArchive would never write.
 */
async function sealRaw(passphrase: string, payload: Uint8Array, iterations = 100_000, version = 1): Promise<Uint8Array> {
  const header = new Uint8Array(41);
  header.set(enc('KAIGIARC'), 0);
  header[8] = version;
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  header.set(salt, 9);
  new DataView(header.buffer).setUint32(25, iterations);
  header.set(nonce, 29);
  const base = await crypto.subtle.importKey('raw', enc(passphrase), 'PBKDF2', false, ['deriveKey']);
  const key = await crypto.subtle.deriveKey(
    { name: 'PBKDF2', salt, iterations, hash: 'SHA-256' },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt'],
  );
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: header }, key, payload as Uint8Array<ArrayBuffer>));
  const out = new Uint8Array(41 + ct.length);
  out.set(header);
  out.set(ct, 41);
  return out;
}

async function sha256Hex(data: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));
  return [...d].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A payload: u32 manifest length, manifest JSON, then the entry bytes. */
function payloadOf(manifest: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const m = enc(JSON.stringify(manifest));
  const out = new Uint8Array(4 + m.length + data.length);
  new DataView(out.buffer).setUint32(0, m.length);
  out.set(m, 4);
  out.set(data, 4 + m.length);
  return out;
}

describe('export archive (E5)', () => {
  const binary = randomBytes(200_000);
  const entries = [
    { name: 'chat.json', kind: 'chat', data: enc(JSON.stringify([{ from: 'Aiko', text: 'こんにちは' }])) },
    { name: 'recording-1.webm', kind: 'recording', data: binary },
    { name: 'empty.txt', kind: 'file', data: new Uint8Array(0) },
    { name: 'Résumé 履歴書.pdf', kind: 'file', data: enc('%PDF-1.7 fake') },
    { name: 'audit.jsonl', kind: 'audit', data: enc('{"kind":"meeting.ended"}\n') },
  ];

  it('round-trips several entries, binary and text, including an empty one', async () => {
    const sealed = await sealArchive(PASS, META, entries, FAST);
    assert.deepEqual(readArchiveHeader(sealed), { version: 1, iterations: 100_000 });
    const opened = await openArchive(PASS, sealed);
    assert.equal(opened.manifest.version, 1);
    assert.equal(opened.manifest.meetingId, META.meetingId);
    assert.equal(opened.manifest.title, META.title);
    assert.equal(opened.manifest.createdAt, META.createdAt);
    assert.equal(opened.entries.length, entries.length);
    for (const [i, e] of entries.entries()) {
      const got = opened.entries[i]!;
      assert.equal(got.name, e.name);
      assert.equal(got.kind, e.kind);
      assert.deepEqual(got.data, e.data);
      const info = opened.manifest.entries[i]!;
      assert.deepEqual(info, { name: e.name, size: e.data.length, sha256: await sha256Hex(e.data), kind: e.kind });
    }
    // Header layout as documented: 41 header bytes, then payload + 16-byte tag.
    assert.equal(new TextDecoder().decode(sealed.subarray(0, 8)), 'KAIGIARC');
    assert.equal(sealed[8], 1);
    assert.ok(sealed.length > ARCHIVE_HEADER_BYTES + 16 + binary.length);
  });

  it('uses 600 000 iterations by default and a fresh salt and nonce every time', async () => {
    const a = await sealArchive(PASS, META, [], {});
    assert.equal(readArchiveHeader(a).iterations, 600_000);
    const b = await sealArchive(PASS, META, [], FAST);
    const c = await sealArchive(PASS, META, [], FAST);
    assert.notDeepEqual(b.subarray(9, 25), c.subarray(9, 25), 'salt');
    assert.notDeepEqual(b.subarray(29, 41), c.subarray(29, 41), 'nonce');
    assert.deepEqual((await openArchive(PASS, a)).entries, []);
  });

  it('opens from a view into a larger buffer (as a Node Buffer or a file slice is)', async () => {
    const sealed = await sealArchive(PASS, META, entries.slice(0, 1), FAST);
    const big = new Uint8Array(sealed.length + 20);
    big.set(sealed, 7);
    const opened = await openArchive(PASS, big.subarray(7, 7 + sealed.length));
    assert.deepEqual(opened.entries[0]!.data, entries[0]!.data);
  });

  it('treats the passphrase in NFC, so a decomposed spelling opens the archive too', async () => {
    const composed = 'パスワードは秘密です。é-é'; // contains U+00E9
    const sealed = await sealArchive(composed, META, entries.slice(0, 1), FAST);
    await openArchive(composed.normalize('NFD'), sealed);
  });

  it('does not open with a wrong passphrase', async () => {
    const sealed = await sealArchive(PASS, META, entries, FAST);
    await rejectsWith(openArchive('correct horse battery stapl', sealed), 'DAMAGED', /^wrong passphrase or damaged archive$/);
    await rejectsWith(openArchive('', sealed), 'DAMAGED');
    await rejectsWith(openArchive(PASS + ' ', sealed), 'DAMAGED');
  });

  it('fails when any single byte is changed: magic, version, salt, iteration count, nonce, ciphertext, tag', async () => {
    const sealed = await sealArchive(PASS, META, entries.slice(0, 3), FAST);
    const n = sealed.length;
    const positions = new Set<number>([
      0, 7, // magic
      8, // version
      9, 17, 24, // salt
      25, 26, 27, 28, // iteration count
      29, 35, 40, // nonce
      41, 42, 45, 60, 100, // start of ciphertext: manifest length and manifest
      n - 17, // last ciphertext byte
      n - 16, n - 9, n - 1, // tag
    ]);
    // Fill up to 50 with positions spread over the ciphertext and tag.
    for (let k = 1; positions.size < 50; k++) positions.add(41 + ((k * 7919) % (n - 41)));
    let i = 0;
    for (const pos of positions) {
      for (const mask of [[0x01, 0x80, 0xff][i++ % 3]!]) {
        assert.ok(pos < n);
        const bad = sealed.slice();
        bad[pos]! ^= mask;
        assert.notEqual(bad[pos], sealed[pos]);
        const err = await rejectsWith(openArchive(PASS, bad), ['NOT_ARCHIVE', 'UNSUPPORTED_VERSION', 'DAMAGED', 'REFUSED']);
        if (pos < 8) assert.equal(err.code, 'NOT_ARCHIVE');
        else if (pos === 8) assert.equal(err.code, 'UNSUPPORTED_VERSION');
        else if (pos < 25 || pos >= 29) assert.equal(err.code, 'DAMAGED', `byte ${pos}`);
      }
    }
    // The untouched file still opens.
    await openArchive(PASS, sealed);
  });

  it('never lets a marker from an entry appear in the sealed bytes', async () => {
    const marker = 'KAIGI-MARKER-7f3a9c2e-do-not-leak';
    const sealed = await sealArchive(
      PASS,
      { ...META, title: `title ${marker}` },
      [
        { name: 'notes.txt', kind: 'file', data: enc(`before ${marker} after `.repeat(100)) },
        { name: `name-${marker}.txt`, kind: 'file', data: enc('x') },
      ],
      FAST,
    );
    const asLatin1 = Array.from(sealed, (b) => String.fromCharCode(b)).join('');
    assert.ok(!asLatin1.includes(marker), 'marker found in the sealed bytes');
    assert.ok(!asLatin1.includes('notes.txt'), 'an entry name is in the clear');
    assert.ok(!asLatin1.includes(PASS), 'the passphrase is in the clear');
  });

  it('refuses truncated files and files that are not archives', async () => {
    const sealed = await sealArchive(PASS, META, entries.slice(0, 2), FAST);
    await rejectsWith(openArchive(PASS, new Uint8Array(0)), 'NOT_ARCHIVE', /^not a Kaigi archive$/);
    await rejectsWith(openArchive(PASS, enc('PK\u0003\u0004 a zip file, not ours')), 'NOT_ARCHIVE');
    await rejectsWith(openArchive(PASS, sealed.subarray(0, 5)), 'NOT_ARCHIVE');
    for (const len of [8, 9, 30, ARCHIVE_HEADER_BYTES, ARCHIVE_HEADER_BYTES + 15, ARCHIVE_HEADER_BYTES + 16, sealed.length - 1, sealed.length - 16]) {
      await rejectsWith(openArchive(PASS, sealed.subarray(0, len)), 'DAMAGED', /damaged/);
    }
    const longer = new Uint8Array(sealed.length + 1);
    longer.set(sealed);
    await rejectsWith(openArchive(PASS, longer), 'DAMAGED');
  });

  it('refuses an unknown version before deriving a key', async () => {
    const v2 = await sealRaw(PASS, payloadOf({ version: 1, ...META, entries: [] }), 100_000, 2);
    await rejectsWith(openArchive(PASS, v2), 'UNSUPPORTED_VERSION', /^unsupported version$/);
    const m2 = await sealRaw(PASS, payloadOf({ version: 2, ...META, entries: [] }));
    await rejectsWith(openArchive(PASS, m2), 'UNSUPPORTED_VERSION');
  });

  it('refuses an iteration count outside 100 000 … 10 000 000 without doing the work', async () => {
    const sealed = await sealArchive(PASS, META, [], FAST);
    for (const iterations of [0, 1, 99_999, 10_000_001, 0xffffffff]) {
      const bad = sealed.slice();
      new DataView(bad.buffer).setUint32(25, iterations);
      const t0 = performance.now();
      await rejectsWith(openArchive(PASS, bad), 'REFUSED', /iteration count/);
      assert.ok(performance.now() - t0 < 1000, 'refused before any key derivation');
    }
    await rejectsWith(sealArchive(PASS, META, [], { iterations: 1000 }), 'INVALID_INPUT');
    await rejectsWith(sealArchive(PASS, META, [], { iterations: 20_000_000 }), 'INVALID_INPUT');
  });

  it('refuses hostile manifests that pass authentication (made by someone with the passphrase)', async () => {
    const data = enc('owned');
    const sha = await sha256Hex(data);
    const entry = (over: Record<string, unknown>) => ({ version: 1, ...META, entries: [{ name: 'x', size: 5, sha256: sha, kind: 'file', ...over }] });
    const cases: [string, Uint8Array, ArchiveErrorCode, RegExp?][] = [
      ['"../x"', payloadOf(entry({ name: '../x' }), data), 'REFUSED', /"\.\.\/x"/],
      ['".."', payloadOf(entry({ name: '..' }), data), 'REFUSED'],
      ['"."', payloadOf(entry({ name: '.' }), data), 'REFUSED'],
      ['absolute path', payloadOf(entry({ name: '/etc/passwd' }), data), 'REFUSED'],
      ['backslash', payloadOf(entry({ name: '..\\..\\x' }), data), 'REFUSED'],
      ['windows drive', payloadOf(entry({ name: 'C:x' }), data), 'REFUSED'],
      ['NUL', payloadOf(entry({ name: 'a\u0000b' }), data), 'REFUSED'],
      ['newline', payloadOf(entry({ name: 'a\nb' }), data), 'REFUSED'],
      ['bidi override', payloadOf(entry({ name: 'invoice\u202Efdp.exe' }), data), 'REFUSED'],
      ['not NFC', payloadOf(entry({ name: 'Re\u0301sume\u0301' }), data), 'REFUSED', /NFC/],
      ['201 characters', payloadOf(entry({ name: 'a'.repeat(201) }), data), 'REFUSED'],
      ['empty name', payloadOf(entry({ name: '' }), data), 'REFUSED'],
      ['size beyond the data', payloadOf(entry({ size: 6 }), data), 'REFUSED', /add up/],
      ['size short of the data', payloadOf(entry({ size: 4 }), data), 'REFUSED', /add up/],
      ['huge size', payloadOf(entry({ size: 2 ** 53 }), data), 'REFUSED'],
      ['negative size', payloadOf(entry({ size: -1 }), data), 'REFUSED'],
      ['fractional size', payloadOf(entry({ size: 2.5 }), data), 'REFUSED'],
      ['bad checksum format', payloadOf(entry({ sha256: 'zz' }), data), 'REFUSED'],
      ['checksum mismatch', payloadOf(entry({ sha256: 'a'.repeat(64) }), data), 'CHECKSUM_MISMATCH', /^entry checksum mismatch/],
      ['bad kind', payloadOf(entry({ kind: '' }), data), 'REFUSED'],
      [
        'duplicate names ignoring case',
        payloadOf({ version: 1, ...META, entries: [{ name: 'A.txt', size: 5, sha256: sha, kind: 'file' }, { name: 'a.txt', size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', kind: 'file' }] }, data),
        'REFUSED',
      ],
      ['no entry list', payloadOf({ version: 1, ...META }), 'REFUSED'],
      ['title with escape codes', payloadOf({ version: 1, ...META, title: '\u001b[2Jgotcha', entries: [] }), 'REFUSED'],
      ['manifest not JSON', (() => { const p = payloadOf({ padding: 'xxxx' }); p.set(enc('{nope'), 4); return p; })(), 'REFUSED'],
      ['manifest not UTF-8', (() => { const p = payloadOf({ padding: 'xxxx' }); p.set([0xff, 0xfe], 6); return p; })(), 'REFUSED'],
      ['manifest an array', payloadOf([1, 2]), 'REFUSED'],
      ['manifest length beyond the payload', (() => { const p = payloadOf({ version: 1, ...META, entries: [] }); new DataView(p.buffer).setUint32(0, 0xfffffff0); return p; })(), 'REFUSED'],
      ['payload shorter than a length', new Uint8Array(2), 'REFUSED'],
    ];
    for (const [label, payload, code, message] of cases) {
      const file = await sealRaw(PASS, payload);
      const err = await rejectsWith(openArchive(PASS, file), code, message).catch((e: unknown) => {
        throw new Error(`${label}: ${String(e)}`);
      });
      assert.ok(err, label);
    }
    // The hand-built layout itself is right: a valid one opens.
    const ok = await openArchive(PASS, await sealRaw(PASS, payloadOf(entry({}), data)));
    assert.deepEqual(ok.entries[0]!.data, data);
  });

  it('caps the number of entries', async () => {
    const many = Array.from({ length: ARCHIVE_LIMITS.maxEntries + 1 }, (_, i) => ({ name: `e${i}`, size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', kind: 'file' }));
    await rejectsWith(openArchive(PASS, await sealRaw(PASS, payloadOf({ version: 1, ...META, entries: many }))), 'REFUSED', /entries/);
  });

  it('refuses on sealing: a short passphrase, unsafe names, duplicates, bad kinds', async () => {
    await rejectsWith(sealArchive('short pass', META, [], FAST), 'WEAK_PASSPHRASE', /at least 12 characters/);
    await rejectsWith(sealArchive('１２３４５６７８９０１', META, [], FAST), 'WEAK_PASSPHRASE'); // 11 characters
    await sealArchive('🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑', META, [], FAST); // 12 characters (24 UTF-16 units)
    const one = (name: string, kind = 'file') => [{ name, kind, data: enc('x') }];
    for (const name of ['../x', 'a/b', 'a\\b', '..', '.', '', 'x'.repeat(201), 'Re\u0301sume\u0301', ' lead', 'trail ', 'a\tb']) {
      await rejectsWith(sealArchive(PASS, META, one(name), FAST), 'INVALID_INPUT');
    }
    await sealArchive(PASS, META, one('x'.repeat(200)), FAST);
    await rejectsWith(sealArchive(PASS, META, [...one('a.txt'), ...one('A.TXT')], FAST), 'INVALID_INPUT', /two entries/);
    await rejectsWith(sealArchive(PASS, META, one('a.txt', 'has space'), FAST), 'INVALID_INPUT');
    await rejectsWith(sealArchive(PASS, { ...META, title: 'x\u0007' }, [], FAST), 'INVALID_INPUT');
  });

  it('turns any file name into a valid entry name', () => {
    for (const raw of ['../../etc/passwd', 'C:\\Users\\x\\a.txt', 'Re\u0301sume\u0301.pdf', '..', '.', '', '  ', 'a\u0000b', 'invoice\u202Efdp.exe', 'x'.repeat(300), '😀'.repeat(150), '\uD800bad', 'v1..2.txt']) {
      const name = toEntryName(raw);
      assert.equal(entryNameProblem(name), null, `${JSON.stringify(raw)} → ${JSON.stringify(name)}`);
    }
    assert.equal(toEntryName('report.pdf'), 'report.pdf');
    assert.equal(toEntryName('Re\u0301sume\u0301.pdf'), 'Résumé.pdf');
    assert.equal(toEntryName('', 'file-1'), 'file-1');
  });
});
