// The keys a real DTLS handshake exports (Transport.srtpKeys(), werift's DTLS, AEAD_AES_128_GCM)
// drive Kaigi's contexts the right way round: what the peer's werift SRTP/SRTCP session sends,
// SrtpReceiveContext(remote) opens; what SrtpSendContext(local) seals, the peer opens.
// Issue 15 item 2, D5. Real ICE/DTLS on 127.0.0.1, as test/sfu/router.test.ts does.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, type RTCDtlsTransport } from 'werift';
import { Transport } from '../../../src/sfu/Transport.js';
import { SrtpReceiveContext, SrtpSendContext } from '../../../src/sfu/srtp/SrtpContext.js';
import type { SrtpMasterKeys } from '../../../src/sfu/srtp/types.js';

const TIMEOUT_MS = 10_000;

let server: Transport;
let client: RTCPeerConnection;
let keys: { local: SrtpMasterKeys; remote: SrtpMasterKeys };
let peerDtls: RTCDtlsTransport;

/** Resolves when `check` holds, polling on the event loop; fails after TIMEOUT_MS. */
async function until<T>(what: string, check: () => T | null | undefined): Promise<T> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

before(async () => {
  server = new Transport('alice', 'send', { ip: '127.0.0.1' });
  client = new RTCPeerConnection({
    iceUseIpv6: false,
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
    iceAdditionalHostAddresses: ['127.0.0.1'],
    bundlePolicy: 'max-bundle',
    codecs: { audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 })] },
  });
  client.addTransceiver(new MediaStreamTrack({ kind: 'audio' }), { direction: 'sendonly' });
  await client.setLocalDescription(await client.createOffer());
  await server.pc.setRemoteDescription({ type: 'offer', sdp: client.localDescription!.sdp });
  server.preferDtlsServer();
  await server.pc.setLocalDescription(await server.pc.createAnswer());
  await client.setRemoteDescription({ type: 'answer', sdp: await server.localSdp() });
  keys = await until('DTLS with AEAD_AES_128_GCM', () => server.srtpKeys());
  peerDtls = await until('the peer DTLS up', () => {
    const d = client.dtlsTransports[0];
    return d && d.state === 'connected' && d.srtpStarted ? d : null;
  });
});

after(async () => {
  server.close();
  await client.close();
});

function rtp(seq: number): Buffer {
  const payload = Buffer.alloc(160, seq & 0xff);
  const header = Buffer.from([0x80, 111, seq >> 8, seq & 0xff, 0, 0, 1, 0, 0xab, 0xcd, 0xef, 0x01]);
  return Buffer.concat([header, payload]);
}

test('the peer seals RTP and RTCP, SrtpReceiveContext(remote) opens them', () => {
  const rx = new SrtpReceiveContext(keys.remote);
  for (const seq of [65535, 0, 1]) {
    const plain = rtp(seq);
    const header = RtpHeader.deSerialize(plain);
    const wire = Buffer.from(peerDtls.srtp.encrypt(plain.subarray(header.payloadOffset), header));
    const n = rx.unprotectRtp(wire, wire.length);
    assert.equal(wire.subarray(0, n).toString('hex'), plain.toString('hex'), `seq ${seq}`);
  }
  const report = Buffer.from([0x80, 201, 0, 1, 0, 0, 0, 9]);
  const srtcp = Buffer.from(peerDtls.srtcp.encrypt(report));
  const m = rx.unprotectRtcp(srtcp, srtcp.length);
  assert.equal(srtcp.subarray(0, m).toString('hex'), report.toString('hex'));
});

test('SrtpSendContext(local) seals RTP and RTCP, the peer opens them', () => {
  const tx = new SrtpSendContext(keys.local);
  const plain = rtp(4242);
  const buf = Buffer.alloc(plain.length + 16);
  plain.copy(buf);
  const n = tx.protectRtp(buf, plain.length);
  assert.equal(peerDtls.srtp.decrypt(buf.subarray(0, n)).toString('hex'), plain.toString('hex'));
  const report = Buffer.from([0x80, 201, 0, 1, 0, 0, 0, 7]);
  const rbuf = Buffer.alloc(report.length + 20);
  report.copy(rbuf);
  const m = tx.protectRtcp(rbuf, report.length);
  assert.equal(peerDtls.srtcp.decrypt(rbuf.subarray(0, m)).toString('hex'), report.toString('hex'));
});

test('the wrong direction fails: local keys do not open what the peer sends', () => {
  const rx = new SrtpReceiveContext(keys.local);
  const plain = rtp(7);
  const header = RtpHeader.deSerialize(plain);
  const wire = Buffer.from(peerDtls.srtp.encrypt(plain.subarray(header.payloadOffset), header));
  assert.equal(rx.unprotectRtp(wire, wire.length), -1);
});
