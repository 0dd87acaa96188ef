import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  fromBase64Url,
  openRecordingEnvelope,
  readRecordingEnvelope,
  recordingKeyId,
  RecordingEnvelopeError,
  RecordingSealer,
  toBase64Url,
  type RecordingEnvelopeErrorCode,
} from '../src/index.js';

const EC = { name: 'ECDH', namedCurve: 'P-256' } as const;
const pair = async (extractable = false) => (await crypto.subtle.generateKey(EC, extractable, ['deriveBits'])) as CryptoKeyPair;
const enc = (s: string) => new TextEncoder().encode(s);
const META = { meetingId: 'm_test', part: 1, mimeType: 'video/webm;codecs=vp8,opus', startedAt: '2026-11-23T01:02:03.000Z' };

async function seal(chunks: Uint8Array[], recipients: { role: 'host' | 'escrow'; publicKey: CryptoKey | Uint8Array }[]) {
  const sealer = await RecordingSealer.create({ ...META, recipients });
  const parts = [sealer.head];
  for (const [i, c] of chunks.entries()) parts.push(await sealer.seal(c, i === chunks.length - 1));
  return Buffer.concat(parts);
}

async function code(p: Promise<unknown>): Promise<RecordingEnvelopeErrorCode> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RecordingEnvelopeError) return e.code;
    throw e;
  }
  throw new Error('expected a RecordingEnvelopeError');
}

describe('recording envelope', () => {
  it('round-trips for the host and for escrow, and the ciphertext hides the plaintext', async () => {
    const host = await pair();
    const escrow = await pair(true);
    const escrowSpki = new Uint8Array(await crypto.subtle.exportKey('spki', escrow.publicKey));
    const marker = enc('PLAINTEXT-MARKER-0123456789');
    const chunks = [enc('\x1a\x45\xdf\xa3 webm start '), marker, new Uint8Array(100_000).fill(7), new Uint8Array(0)];
    const bytes = await seal(chunks, [
      { role: 'host', publicKey: host.publicKey },
      { role: 'escrow', publicKey: escrowSpki },
    ]);
    assert.equal(bytes.indexOf(Buffer.from(marker)), -1);
    assert.equal(bytes.indexOf(Buffer.from([0x1a, 0x45, 0xdf, 0xa3])), -1);
    const want = Buffer.concat(chunks);
    const byHost = await openRecordingEnvelope(bytes, host.privateKey);
    assert.equal(byHost.recipient.role, 'host');
    assert.equal(byHost.recipient.keyId, await recordingKeyId(host.publicKey));
    assert.deepEqual(Buffer.from(byHost.data), want);
    const byEscrow = await openRecordingEnvelope(bytes, escrow.privateKey, await recordingKeyId(escrowSpki));
    assert.equal(byEscrow.recipient.role, 'escrow');
    assert.deepEqual(Buffer.from(byEscrow.data), want);
    const layout = readRecordingEnvelope(bytes);
    assert.equal(layout.records.length, 4);
    assert.deepEqual(layout.header.recipients.map((r) => r.role), ['host', 'escrow']);
  });

  it('refuses another key, edits, reordering, truncation and plaintext', async () => {
    const host = await pair();
    const bytes = await seal([enc('one'), enc('two'), enc('three')], [{ role: 'host', publicKey: host.publicKey }]);
    assert.equal(await code(openRecordingEnvelope(bytes, (await pair()).privateKey)), 'NO_KEY');

    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 3]! ^= 1;
    assert.equal(await code(openRecordingEnvelope(flipped, host.privateKey)), 'DAMAGED');

    const { records, headerBytes } = readRecordingEnvelope(bytes);
    const [a, b, c] = records as [(typeof records)[0], (typeof records)[0], (typeof records)[0]];
    const frame = (r: typeof a) => bytes.subarray(r.offset - 4, r.offset + r.length);
    const head = bytes.subarray(0, a.offset - 4);
    const swapped = Buffer.concat([head, frame(b), frame(a), frame(c)]);
    assert.equal(await code(openRecordingEnvelope(swapped, host.privateKey)), 'DAMAGED');

    // Dropping the final record, or cutting a record short, is seen without any key.
    assert.equal(await code(openRecordingEnvelope(Buffer.concat([head, frame(a), frame(b)]), host.privateKey)), 'TRUNCATED');
    assert.equal(await code(openRecordingEnvelope(bytes.subarray(0, bytes.length - 5), host.privateKey)), 'TRUNCATED');
    // A final bit moved onto an earlier record: framing says data follows the final record.
    assert.throws(() => readRecordingEnvelope(Buffer.concat([head, frame(c), frame(a)])), RecordingEnvelopeError);

    // The header is bound to every record: changing the part number breaks them all.
    const edited = JSON.parse(new TextDecoder().decode(headerBytes));
    edited.part = 2;
    const json = enc(JSON.stringify(edited));
    const len = Buffer.alloc(4);
    len.writeUInt32BE(json.length);
    const rehead = Buffer.concat([bytes.subarray(0, 6), len, json, bytes.subarray(a.offset - 4)]);
    assert.equal(await code(openRecordingEnvelope(rehead, host.privateKey)), 'DAMAGED');

    assert.throws(() => readRecordingEnvelope(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 1, 2, 3, 4, 5, 6])), (e: unknown) => e instanceof RecordingEnvelopeError && e.code === 'NOT_AN_ENVELOPE');
  });

  it('needs the host among the recipients and refuses a non-P-256 key', async () => {
    const escrow = await pair();
    await assert.rejects(RecordingSealer.create({ ...META, recipients: [{ role: 'escrow', publicKey: escrow.publicKey }] }), RecordingEnvelopeError);
    const rsa = (await crypto.subtle.generateKey(
      { name: 'RSA-OAEP', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['encrypt', 'decrypt'],
    )) as CryptoKeyPair;
    const spki = new Uint8Array(await crypto.subtle.exportKey('spki', rsa.publicKey));
    assert.equal(await code(RecordingSealer.create({ ...META, recipients: [{ role: 'host', publicKey: spki }] })), 'INVALID_INPUT');
  });

  it('base64url round-trips every length', () => {
    for (let n = 0; n < 70; n++) {
      const b = crypto.getRandomValues(new Uint8Array(n));
      const s = toBase64Url(b);
      assert.equal(s, Buffer.from(b).toString('base64url'));
      assert.deepEqual(fromBase64Url(s), b);
    }
    assert.throws(() => fromBase64Url('a+b'));
  });
});
