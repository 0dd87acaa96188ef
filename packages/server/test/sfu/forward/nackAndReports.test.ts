// NACK → retransmission through a Consumer on the fast path, its rate limit, the sender reports
// (parsed back with werift's RtcpPacketConverter) and the RTT from a receiver report (issue 15).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  GenericNack,
  RtcpPacketConverter,
  RtcpReceiverInfo,
  RtcpRrPacket,
  RtcpSourceDescriptionPacket,
  RtcpSrPacket,
  RtcpTransportLayerFeedback,
  RtpHeader,
  RtpPacket,
  type RtcpPacket,
} from 'werift';
import { Consumer } from '../../../src/sfu/Consumer.js';
import { Downlink, DownlinkSlot, type DownlinkTransport } from '../../../src/sfu/forward/Downlink.js';
import { OutboundStream } from '../../../src/sfu/forward/OutboundStream.js';
import { PacketHistory } from '../../../src/sfu/forward/PacketHistory.js';
import { RETRANSMIT_BURST } from '../../../src/sfu/forward/RetransmitBudget.js';
import { compactNtp, RttEstimator, writeSenderReport } from '../../../src/sfu/forward/senderReport.js';
import type { Producer } from '../../../src/sfu/Producer.js';
import type { SrtpProtector } from '../../../src/sfu/srtp/types.js';

const SSRC = 0x01020304;
const RTX_SSRC = 0x0a0b0c0d;

/** Seals nothing: the datagrams are the plain RTP/RTCP the path wrote, to read back. */
const clearProtector: SrtpProtector = { protectRtp: (_b, n) => n, protectRtcp: (_b, n) => n };

function fakes(rtxPayloadType: number | undefined, protector: SrtpProtector = clearProtector) {
  const sent: Buffer[] = [];
  const keyframeRequests: (number | undefined)[] = [];
  const history = new PacketHistory(128);
  let rtcpHandler: ((p: RtcpPacket) => void) | null = null;
  const producer = {
    kind: 'video',
    source: 'camera',
    participantId: 'p_alice',
    addSink: () => undefined,
    removeSink: () => undefined,
    on: () => () => undefined,
    requestKeyframe: (layer?: number) => keyframeRequests.push(layer),
    history: () => history,
  } as unknown as Producer;
  const none = { subscribe: () => ({ unSubscribe: () => undefined }) };
  const sender = {
    ssrc: SSRC,
    rtxSsrc: RTX_SSRC,
    rtxPayloadType,
    codec: { payloadType: 96, clockRate: 90_000 },
    headerExtensions: [{ id: 4, uri: 'urn:ietf:params:rtp-hdrext:sdes:mid' }],
    mid: '1',
    cname: 'sfu-cname',
    senderBWE: { sentInfos: {}, rtpPacketSent: () => undefined },
    onPictureLossIndication: none,
    onRtcp: { subscribe: (fn: (p: RtcpPacket) => void) => ((rtcpHandler = fn), { unSubscribe: () => undefined }) },
    sendRtp: () => assert.fail('werift’s sender must send nothing on the fast path'),
  };
  const transport: DownlinkTransport = {
    pc: { connectionState: 'connected' },
    closed: false,
    srtpKeys: () => ({ local: { key: Buffer.alloc(16), salt: Buffer.alloc(12) }, remote: { key: Buffer.alloc(16), salt: Buffer.alloc(12) } }),
    datagramOut: () => ({ send: (buf, n) => sent.push(Buffer.from(buf.subarray(0, n))) }),
    on: () => () => undefined,
  };
  const slot = new DownlinkSlot(transport, () => protector);
  const consumer = new Consumer(producer, { sender, mid: '1' } as never, 'p_bob', false, null, slot);
  const rtcp = (p: RtcpPacket) => rtcpHandler?.(p);
  return { consumer, history, sent, slot, rtcp, keyframeRequests };
}

/** A keyframe start (VP8 descriptor S=1, PID 0; P=0) so the consumer switches at once. */
function vp8(seq: number, ts: number): RtpPacket {
  return new RtpPacket(new RtpHeader({ sequenceNumber: seq, timestamp: ts, payloadType: 100, ssrc: 0x99 }), Buffer.from([0x10, 0x00, 0x9d, 0x01, seq & 0xff]));
}

function publish(f: ReturnType<typeof fakes>, from: number, count: number): void {
  for (let i = 0; i < count; i++) {
    const p = vp8(from + i, i * 3000);
    f.history.put(p);
    f.consumer.send(p, 0);
  }
}

const nack = (lost: number[], mediaSourceSsrc = SSRC) => new RtcpTransportLayerFeedback({ feedback: new GenericNack({ senderSsrc: 1, mediaSourceSsrc, lost }) });

describe('Consumer on the fast path: NACK answering', () => {
  it('resends lost packets as RTX with the right OSN and an increasing RTX sequence', () => {
    const f = fakes(97);
    publish(f, 5000, 20);
    assert.equal(f.sent.length, 20, 'forwarded on the fast path');
    const firstOut = f.sent[0]!.readUInt16BE(2);
    f.sent.length = 0;
    f.rtcp(nack([firstOut + 3, firstOut + 7]));
    assert.equal(f.sent.length, 2);
    const [a, b] = f.sent.map((d) => RtpPacket.deSerialize(d)) as [RtpPacket, RtpPacket];
    assert.equal(a.header.ssrc, RTX_SSRC);
    assert.equal(a.header.payloadType, 97);
    assert.equal(b.header.sequenceNumber, (a.header.sequenceNumber + 1) & 0xffff);
    assert.equal(a.payload.readUInt16BE(0), (firstOut + 3) & 0xffff, 'OSN: the subscriber’s lost number');
    assert.equal(a.payload[2 + 4], (5000 + 3) & 0xff, 'the original payload follows');
    f.consumer.close();
    f.slot.downlink()?.close();
  });

  it('resends the original packet when RTX was not negotiated; ignores unknown, too old and other SSRCs', () => {
    const f = fakes(undefined);
    publish(f, 100, 10);
    const originals = f.sent.map((d) => Buffer.from(d));
    f.sent.length = 0;
    const first = originals[0]!.readUInt16BE(2);
    f.rtcp(nack([first + 4]));
    assert.deepEqual(f.sent, [originals[4]]);
    f.sent.length = 0;
    f.rtcp(nack([first + 50, first - 1, first + 20_000]));
    f.rtcp(nack([first + 4], 0x5555));
    assert.equal(f.sent.length, 0);
    publish(f, 110, 200); // the 128-packet history forgets the first ones
    f.sent.length = 0;
    f.rtcp(nack([first + 4]));
    assert.equal(f.sent.length, 0, 'too old');
    f.consumer.close();
    f.slot.downlink()?.close();
  });

  it('a NACK flood gets at most the retransmission budget', () => {
    const f = fakes(97);
    publish(f, 0, 100);
    const first = f.sent[0]!.readUInt16BE(2);
    f.sent.length = 0;
    const all = Array.from({ length: 100 }, (_, i) => (first + i) & 0xffff);
    for (let i = 0; i < 50; i++) f.rtcp(nack(all));
    assert.ok(f.sent.length <= RETRANSMIT_BURST + 2, `${f.sent.length} retransmissions for 5000 asked`);
    assert.ok(f.sent.length >= RETRANSMIT_BURST - 1);
    f.consumer.close();
    f.slot.downlink()?.close();
  });
});

describe('Consumer on the fast path: start and failures', () => {
  it('asks for a keyframe when the path comes up with nothing forwarded yet, at most every 250 ms', () => {
    const f = fakes(97);
    const delta = (seq: number) => new RtpPacket(new RtpHeader({ sequenceNumber: seq, timestamp: seq, ssrc: 0x99 }), Buffer.from([0x10, 0x01 /* P=1: an interframe */, 0x9d, 0x01, 0x2a]));
    for (let i = 0; i < 20; i++) f.consumer.send(delta(i), 0);
    assert.deepEqual(f.keyframeRequests, [0], 'one request for the target layer');
    assert.equal(f.sent.length, 0, 'nothing forwarded before a keyframe');
    publish(f, 20, 1);
    assert.equal(f.sent.length, 1);
    for (let i = 0; i < 5; i++) f.consumer.send(delta(21 + i), 1);
    assert.deepEqual(f.keyframeRequests, [0], 'a consumer already forwarding waits for the layer selector');
    f.consumer.close();
    f.slot.downlink()?.close();
  });

  it('a protector that throws costs the packet, not the fan-out: dropped and counted', () => {
    const throwing: SrtpProtector = {
      protectRtp: () => {
        throw new RangeError('no room');
      },
      protectRtcp: () => {
        throw new RangeError('no room');
      },
    };
    const f = fakes(97, throwing);
    assert.doesNotThrow(() => publish(f, 0, 3));
    assert.equal(f.sent.length, 0);
    assert.equal(f.slot.downlink()?.dropped, 3);
    f.consumer.close();
    f.slot.downlink()?.close();
  });
});

describe('sender reports and RTT', () => {
  it('writes SR + SDES CNAME that werift parses: NTP/RTP mapping, packet and octet counts', () => {
    const s = new OutboundStream();
    s.configure({ ssrc: SSRC, payloadType: 96, rtxSsrc: 0, rtxPayloadType: -1, midExtensionId: 0, mid: null, clockRate: 90_000 });
    const t0 = Date.UTC(2026, 0, 1);
    const first = vp8(1, 1_000_000);
    s.switchLayer(first, t0);
    for (let i = 0; i < 5; i++) s.accept(vp8(1 + i, 1_000_000), t0);
    const buf = Buffer.alloc(200);
    const n = writeSenderReport(buf, buf.length, s, Buffer.from('sfu-cname'), t0 + 500);
    assert.equal(n % 4, 0);
    const [sr, sdes] = RtcpPacketConverter.deSerialize(buf.subarray(0, n)) as [RtcpSrPacket, RtcpSourceDescriptionPacket];
    assert.equal(sr.type, RtcpSrPacket.type);
    assert.equal(sr.ssrc, SSRC);
    assert.equal(sr.senderInfo.packetCount, 5);
    assert.equal(sr.senderInfo.octetCount, 5 * 5);
    assert.equal(sr.senderInfo.rtpTimestamp, 1_000_000 + 45_000, 'the RTP clock 500 ms after the last packet');
    const ntpSeconds = Number(sr.senderInfo.ntpTimestamp >> 32n);
    const fraction = Number(sr.senderInfo.ntpTimestamp & 0xffff_ffffn);
    assert.equal(ntpSeconds, t0 / 1000 + 2_208_988_800);
    assert.ok(Math.abs(fraction / 2 ** 32 - 0.5) < 1e-6, 'half a second');
    assert.equal(sdes.type, RtcpSourceDescriptionPacket.type);
    assert.equal(sdes.chunks[0]?.source, SSRC);
    assert.equal(sdes.chunks[0]?.items[0]?.text, 'sfu-cname');
  });

  it('works the RTT out of a receiver report that answers one of our SRs (RFC 3550 §6.4.1)', () => {
    const rtt = new RttEstimator();
    const sentAt = 1_700_000_000_000;
    rtt.sentReport(compactNtp(sentAt));
    // The receiver held the SR 250 ms, the round trip took 40 ms more.
    const dlsr = Math.round(0.25 * 65536);
    const got = rtt.received(compactNtp(sentAt), dlsr, sentAt + 290);
    assert.ok(got !== null && Math.abs(got - 0.04) < 0.002, `rtt ${got}`);
    assert.equal(rtt.received(compactNtp(sentAt - 5000), dlsr, sentAt + 300), null, 'an LSR we never sent');
    assert.equal(rtt.received(0, 0, sentAt), null, 'no SR received yet');
  });

  it('a Consumer on the fast path reports that RTT in its ReceiverReport, and its Downlink sends the SRs', async () => {
    const f = fakes(97);
    publish(f, 0, 5);
    const link = f.slot.downlink();
    assert.ok(link instanceof Downlink);
    f.sent.length = 0;
    await waitFor(() => f.sent.length > 0, 3000);
    const [sr] = RtcpPacketConverter.deSerialize(f.sent[0]!) as [RtcpSrPacket];
    assert.equal(sr.type, RtcpSrPacket.type);
    const lsr = Number((sr.senderInfo.ntpTimestamp >> 16n) & 0xffff_ffffn);
    f.rtcp(new RtcpRrPacket({ ssrc: 1, reports: [new RtcpReceiverInfo({ ssrc: SSRC, fractionLost: 0, packetsLost: 0, highestSequence: 4, jitter: 0, lsr, dlsr: 0 })] }));
    const report = f.consumer.receiverReport().report;
    assert.ok(report && report.rttSeconds !== null && report.rttSeconds >= 0 && report.rttSeconds < 3, `rtt ${report?.rttSeconds}`);
    f.consumer.close();
    link.close();
  });
});

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
