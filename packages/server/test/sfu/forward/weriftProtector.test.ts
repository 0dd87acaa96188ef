// The temporary protector of the fwd branch (forward/weriftProtector.ts) against werift's own SRTP
// and SRTCP receivers: what the fast path seals, werift (and so a peer keyed the same way) opens.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RtcpPacketConverter, RtcpSrPacket, RtpPacket, SrtcpSession, SrtpSession } from 'werift';
import { OutboundStream } from '../../../src/sfu/forward/OutboundStream.js';
import { writeSenderReport } from '../../../src/sfu/forward/senderReport.js';
import { weriftProtector } from '../../../src/sfu/forward/weriftProtector.js';

const local = { key: Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'), salt: Buffer.from('a0a1a2a3a4a5a6a7a8a9aaab', 'hex') };
// The receiver's view: our local keys are its remote ones.
const config = { keys: { localMasterKey: Buffer.alloc(16), localMasterSalt: Buffer.alloc(12), remoteMasterKey: local.key, remoteMasterSalt: local.salt }, profile: 7 };

describe('weriftProtector (temporary, replaced by the srtp context at merge)', () => {
  it('seals RTP that werift opens, across a sequence wrap (rollover counter)', () => {
    const p = weriftProtector(local);
    const rx = new SrtpSession(config);
    const buf = Buffer.alloc(200);
    for (const seq of [65_533, 65_534, 65_535, 0, 1]) {
      buf.fill(0);
      buf[0] = 0x80;
      buf[1] = 96;
      buf.writeUInt16BE(seq, 2);
      buf.writeUInt32BE(1234, 4);
      buf.writeUInt32BE(0xdeadbeef, 8);
      buf.write('media', 12);
      const n = p.protectRtp(buf, 17);
      assert.equal(n, 17 + 16);
      const opened = RtpPacket.deSerialize(rx.decrypt(Buffer.from(buf.subarray(0, n))));
      assert.equal(opened.header.sequenceNumber, seq);
      assert.equal(opened.payload.toString(), 'media');
    }
  });

  it('seals a sender report that werift opens and parses', () => {
    const p = weriftProtector(local);
    const rx = new SrtcpSession(config);
    const s = new OutboundStream();
    s.configure({ ssrc: 42, payloadType: 96, rtxSsrc: 0, rtxPayloadType: -1, midExtensionId: 0, mid: null, clockRate: 48_000 });
    const buf = Buffer.alloc(200);
    const n = writeSenderReport(buf, buf.length, s, Buffer.from('cname'), Date.now());
    const sealed = p.protectRtcp(buf, n);
    assert.equal(sealed, n + 20);
    const [sr] = RtcpPacketConverter.deSerialize(rx.decrypt(Buffer.from(buf.subarray(0, sealed)))) as [RtcpSrPacket];
    assert.equal(sr.type, RtcpSrPacket.type);
    assert.equal(sr.ssrc, 42);
  });
});
