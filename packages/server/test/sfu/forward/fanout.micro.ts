// A micro run, not a test (issue 15, item 2): forwarded packets per CPU-second of the SFU's send
// side, werift's RTCRtpSender (today's path) against the fast path, one publisher's packets fanned
// out to N consumers, each sealed with AES-128-GCM and sent as a UDP datagram to a closed port on
// loopback. Receiving and decrypting on the way in are the same for both paths and left out.
//
//   node --import tsx packages/server/test/sfu/forward/fanout.micro.ts [N=40] [packets=3000]
//
// Prints one line per path, and a third for the fast path with neither crypto nor socket (a
// protector that seals nothing, a DatagramOut that drops): the rewrite's own cost. The protector is whatever Subscriber uses by default (the werift-keyed
// adapter on the fwd branch; the srtp engineer's context after the merge: forward/protector.ts).
import { createSocket } from 'node:dgram';
import { RTCDtlsTransport, RTCRtpSender, RtpHeader, RtpPacket, SrtcpSession, SrtpSession } from 'werift';
import { Consumer } from '../../../src/sfu/Consumer.js';
import { DownlinkSlot, type DownlinkTransport } from '../../../src/sfu/forward/Downlink.js';
import { defaultProtectorFactory } from '../../../src/sfu/forward/protector.js';
import type { Producer } from '../../../src/sfu/Producer.js';

const N = Number(process.argv[2] ?? 40);
const PACKETS = Number(process.argv[3] ?? 3000);
const SINK_PORT = 9; // discard: nothing listens, the kernel still sends each datagram
const socket = createSocket('udp4');
const keys = { key: Buffer.alloc(16, 7), salt: Buffer.alloc(12, 3) };
const EXTENSIONS = [
  { id: 1, uri: 'urn:ietf:params:rtp-hdrext:sdes:mid' },
  { id: 4, uri: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time' },
  { id: 5, uri: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01' },
];

const producer = {
  kind: 'video',
  source: 'camera',
  participantId: 'pub',
  addSink: () => undefined,
  removeSink: () => undefined,
  on: () => () => undefined,
  requestKeyframe: () => undefined,
  history: () => null,
} as unknown as Producer;

function send(buf: Buffer): Promise<void> {
  return new Promise((resolve) => socket.send(buf, SINK_PORT, '127.0.0.1', () => resolve()));
}

/** A werift sender on a DTLS transport object that does what RTCDtlsTransport.sendRtp does after the handshake. */
function weriftSender(): RTCRtpSender {
  const sender = new RTCRtpSender('video');
  const config = { keys: { localMasterKey: keys.key, localMasterSalt: keys.salt, remoteMasterKey: keys.key, remoteMasterSalt: keys.salt }, profile: 7 };
  const dtls = Object.create(RTCDtlsTransport.prototype) as Record<string, unknown>;
  Object.assign(dtls, { state: 'connected', transportSequenceNumber: 0, config: {}, bytesSent: 0, packetsSent: 0, srtp: new SrtpSession(config), srtcp: new SrtcpSession(config), iceTransport: { connection: { send } } });
  Object.assign(sender, { dtlsTransport: dtls, codec: { payloadType: 96, clockRate: 90_000 }, headerExtensions: EXTENSIONS, mid: '1', rtcpRunning: true });
  return sender;
}

function fastSlot(bare = false): DownlinkSlot {
  const transport: DownlinkTransport = {
    pc: { connectionState: 'connected' },
    closed: false,
    srtpKeys: () => ({ local: keys, remote: keys }),
    // Transport.datagramOut's copy today: DatagramOut lets the caller reuse its buffer at once.
    datagramOut: () => ({ send: bare ? () => undefined : (buf, n) => void send(Buffer.from(buf.subarray(0, n))) }),
    on: () => () => undefined,
  };
  return new DownlinkSlot(transport, bare ? () => ({ protectRtp: (_b, n) => n + 16, protectRtcp: (_b, n) => n + 20 }) : defaultProtectorFactory);
}

function packets(): RtpPacket[] {
  return Array.from({ length: 100 }, (_, i) => {
    const payload = Buffer.alloc(1100, i);
    payload[0] = 0x10; // VP8 start of a keyframe: a switch point for every consumer
    payload[1] = 0x00;
    const header = new RtpHeader({ sequenceNumber: i, timestamp: i * 3000, payloadType: 100, ssrc: 1, extension: true, extensions: [{ id: 3, payload: Buffer.from([0, 1]) }] });
    return new RtpPacket(header, payload);
  });
}

async function run(name: string, consumers: Consumer[]): Promise<void> {
  const pool = packets();
  // Let the event loop drain every send before reading the CPU clock again.
  await new Promise((r) => setTimeout(r, 50));
  const start = process.cpuUsage();
  const wall = performance.now();
  for (let i = 0; i < PACKETS; i++) {
    const template = pool[i % pool.length]!;
    template.header.sequenceNumber = i & 0xffff;
    template.header.timestamp = (i * 3000) >>> 0;
    for (const c of consumers) c.send(template, 0);
    // Yield now and then so werift's Promises and the socket's callbacks run, as under real load.
    if (i % 50 === 49) await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 200));
  const used = process.cpuUsage(start);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const out = PACKETS * consumers.length;
  console.log(`${name}: ${out} packets out to ${consumers.length} consumers, ${cpuSeconds.toFixed(2)} CPU-s (${((performance.now() - wall) / 1000).toFixed(2)} s wall): ${Math.round(out / cpuSeconds)} packets per CPU-second`);
  for (const c of consumers) c.close();
}

async function main(): Promise<void> {
  const werift = Array.from({ length: N }, () => new Consumer(producer, { sender: weriftSender(), mid: '1' } as never, 'sub'));
  await run('werift RTCRtpSender', werift);
  const fast = Array.from({ length: N }, () => {
    const slot = fastSlot();
    return new Consumer(producer, { sender: weriftSender(), mid: '1' } as never, 'sub', false, null, slot);
  });
  await run('fast path', fast);
  const bare = Array.from({ length: N }, () => new Consumer(producer, { sender: weriftSender(), mid: '1' } as never, 'sub', false, null, fastSlot(true)));
  await run('fast path, no crypto, no socket', bare);
  socket.close();
  process.exit(0);
}

void main();
