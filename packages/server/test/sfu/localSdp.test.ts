// What the SFU's descriptions say about SSRCs (issue 15): only the m-sections it sends on carry
// a=ssrc lines; a receive-only section with werift's sender SSRC and its RTX pair made
// @roamhq/wrtc's libwebrtc refuse the whole answer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RTCPeerConnection, MediaStreamTrack } from 'werift';
import { peerConfig } from '../../src/sfu/MediaConfig.js';
import { withoutUnsentSsrcs, withTrackIds } from '../../src/sfu/Transport.js';

const CRLF = '\r\n';

describe('withoutUnsentSsrcs', () => {
  it('drops a=ssrc and a=ssrc-group from recvonly and inactive sections and keeps them where the SFU sends', () => {
    const sdp = [
      'v=0',
      'a=group:BUNDLE 0 1 2',
      'm=video 9 UDP/TLS/RTP/SAVPF 96 97',
      'a=mid:0',
      'a=recvonly',
      'a=ssrc-group:FID 11 12',
      'a=ssrc:11 cname:x',
      'a=ssrc:12 cname:x',
      'm=audio 9 UDP/TLS/RTP/SAVPF 111',
      'a=mid:1',
      'a=inactive',
      'a=ssrc:13 cname:x',
      'm=video 9 UDP/TLS/RTP/SAVPF 96 97',
      'a=mid:2',
      'a=sendonly',
      'a=ssrc-group:FID 21 22',
      'a=ssrc:21 cname:x',
      'a=ssrc:22 cname:x',
      '',
    ].join(CRLF);
    const out = withoutUnsentSsrcs(sdp).split(CRLF);
    assert.deepEqual(
      out.filter((l) => l.startsWith('a=ssrc')),
      ['a=ssrc-group:FID 21 22', 'a=ssrc:21 cname:x', 'a=ssrc:22 cname:x'],
    );
    assert.equal(out.filter((l) => l.startsWith('m=')).length, 3);
    assert.ok(out.includes('a=recvonly') && out.includes('a=inactive') && out.includes('a=sendonly'));
  });

  it("werift's real answer to a sending peer's video offer (RTX negotiated) keeps no SSRC of its own", async () => {
    const config = peerConfig({ ip: '127.0.0.1' });
    const client = new RTCPeerConnection({ codecs: config.codecs, headerExtensions: config.headerExtensions });
    const server = new RTCPeerConnection(config);
    try {
      client.addTransceiver(new MediaStreamTrack({ kind: 'video' }), { direction: 'sendonly' });
      await client.setLocalDescription(await client.createOffer());
      await server.setRemoteDescription(client.localDescription!);
      await server.setLocalDescription(await server.createAnswer());
      const raw = server.localDescription!.sdp;
      assert.match(raw, /a=ssrc-group:FID/, 'werift wrote its sender SSRC and RTX pair (the case this guards)');
      assert.doesNotMatch(withoutUnsentSsrcs(raw), /a=ssrc/);
    } finally {
      await Promise.all([client.close(), server.close()]);
    }
  });
});

describe('withTrackIds', () => {
  it('gives each sending section without an msid one track id, and leaves the others alone', () => {
    const sdp = ['v=0', 'm=video 9 X 96 97', 'a=mid:3', 'a=sendonly', 'a=ssrc:1 cname:x', 'm=audio 9 X 111', 'a=mid:4', 'a=recvonly', 'm=audio 9 X 111', 'a=mid:5', 'a=sendonly', 'a=msid:s t', ''].join(CRLF);
    const out = withTrackIds(sdp).split(CRLF);
    assert.deepEqual(out.filter((l) => l.startsWith('a=msid')), ['a=msid:- kaigi-3', 'a=msid:s t']);
    assert.equal(out[out.indexOf('a=mid:3') + 1], 'a=msid:- kaigi-3');
  });
});
