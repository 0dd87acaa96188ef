// Micro-benchmark of one SRTP protectRtp of a 1200-byte RTP packet (issue 15 item 2, A6):
// Kaigi's SrtpSendContext on the native AES-GCM addon and on node:crypto, and werift's
// SrtpSession.encrypt (the path every forwarded packet takes today). Prints µs per packet and
// packets per CPU-second side by side. Run after `npm run -s build`:
//   node --import tsx e2e/bench/srtp/run.ts [packets]
import { randomBytes } from 'node:crypto';
import { RtpHeader, SrtpSession } from 'werift';
import {
  type AesGcm,
  aesGcmImplementation,
  describeAesGcm,
  createNativeAesGcm,
  createNodeAesGcm,
  nativeAesGcmLoadError,
} from '@kaigi/server/sfu/srtp/aesGcm';
import { SrtpReceiveContext, SrtpSendContext } from '@kaigi/server/sfu/srtp/SrtpContext';

const PACKET = 1200;
const TAG = 16;
const HEADER = 20; // 12 + one 8-byte header extension block, as Kaigi forwards
const N = Number(process.argv[2] ?? 200_000);
const ROUNDS = 3;

const master = { key: randomBytes(16), salt: randomBytes(12) };

function plainPacket(): Buffer {
  const buf = Buffer.alloc(PACKET + TAG);
  // SSRC 0xdeadbeef: like most random SSRCs, too large for a V8 small integer.
  buf.set([0x90, 0x60, 0, 1, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef, 0xbe, 0xde, 0, 1, 0x10, 0x2a, 0, 0]);
  randomBytes(PACKET - HEADER).copy(buf, HEADER);
  return buf;
}

/** A bare native seal of the same packet: what the context adds on top of OpenSSL and N-API. */
function bareSeal(): (i: number) => void {
  const gcm = createNativeAesGcm(randomBytes(16));
  if (!gcm) throw new Error('native AES-GCM not available');
  const buf = plainPacket();
  const iv = Buffer.alloc(12);
  return (i) => {
    iv.writeUInt32BE(i, 8);
    gcm.seal(iv, buf, HEADER, PACKET);
  };
}

/** CPU µs per call of fn over N calls; the best of ROUNDS rounds (the machine is shared). */
function measure(fn: (i: number) => void): number {
  for (let i = 0; i < 5_000; i++) fn(i); // warm-up: JIT and OpenSSL
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.cpuUsage();
    for (let i = 0; i < N; i++) fn(i);
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / N);
  }
  return best;
}

/** Kaigi's send context on the given AES-GCM (a factory that gives null means the addon is missing). */
function kaigi(factory: (key: Buffer) => AesGcm | null): (i: number) => void {
  const tx = new SrtpSendContext(master, (k) => {
    const gcm = factory(k);
    if (!gcm) throw new Error('AES-GCM implementation not available');
    return gcm;
  });
  const buf = plainPacket();
  return (i) => {
    // Sealing the previous round's ciphertext again costs the same as sealing plaintext.
    buf.writeUInt16BE(i & 0xffff, 2);
    tx.protectRtp(buf, PACKET);
  };
}

/** Seal then open with the native AES-GCM: what a forwarded packet costs on the way in and out. */
function kaigiRoundTrip(): (i: number) => void {
  const tx = new SrtpSendContext(master);
  const rx = new SrtpReceiveContext(master);
  const buf = plainPacket();
  let sent = 0; // across rounds: the receiver refuses a sequence number it has seen (replay)
  return () => {
    buf.writeUInt16BE(sent++ & 0xffff, 2);
    if (rx.unprotectRtp(buf, tx.protectRtp(buf, PACKET)) !== PACKET) throw new Error('round trip failed');
  };
}

function werift(): (i: number) => void {
  const session = new SrtpSession({
    keys: { localMasterKey: master.key, localMasterSalt: master.salt, remoteMasterKey: master.key, remoteMasterSalt: master.salt },
    profile: 0x0007,
  });
  const plain = plainPacket().subarray(0, PACKET);
  const header = RtpHeader.deSerialize(plain);
  const payload = plain.subarray(header.payloadOffset);
  return (i) => {
    header.sequenceNumber = i & 0xffff;
    session.encrypt(payload, header);
  };
}

function selfCheck(): void {
  // What is measured must be right: our packet decrypts with our receive context.
  const tx = new SrtpSendContext(master);
  const rx = new SrtpReceiveContext(master);
  const buf = plainPacket();
  const copy = Buffer.from(buf.subarray(0, PACKET));
  const n = tx.protectRtp(buf, PACKET);
  if (rx.unprotectRtp(buf, n) !== PACKET || !buf.subarray(0, PACKET).equals(copy)) throw new Error('SRTP self-check failed');
}

async function main(): Promise<void> {
  selfCheck();
  const rows: [string, number][] = [];
  if (createNativeAesGcm(randomBytes(16))) {
    rows.push(['kaigi SrtpSendContext, native AES-GCM', measure(kaigi(createNativeAesGcm))]);
    rows.push(['  of which the bare native seal', measure(bareSeal())]);
    rows.push(['kaigi protect + unprotect, native', measure(kaigiRoundTrip())]);
  } else console.log(`native AES-GCM not available: ${nativeAesGcmLoadError() ?? ''}`);
  rows.push(['kaigi SrtpSendContext, node:crypto', measure(kaigi(createNodeAesGcm))]);
  rows.push(['werift SrtpSession.encrypt', measure(werift())]);
  console.log(`SRTP protect, ${PACKET}-byte RTP packet, AEAD_AES_128_GCM, ${N} packets x ${ROUNDS} rounds (best), node ${process.version}`);
  console.log(`createAesGcm picks ${aesGcmImplementation()}: ${describeAesGcm()}`);
  for (const [name, us] of rows) {
    console.log(`  ${name.padEnd(40)} ${us.toFixed(2).padStart(6)} µs/packet  ${Math.round(1e6 / us).toLocaleString('en').padStart(9)} packets/CPU-s`);
  }
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (first && last && rows.length > 2) console.log(`  ratio werift / ${first[0]}: ${(last[1] / first[1]).toFixed(1)}x`);
}

await main();
