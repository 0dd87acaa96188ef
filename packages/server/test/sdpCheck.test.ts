// D1, D5: descriptions the SFU refuses before werift sees them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sdpRefusal } from '../src/sfu/sdpCheck.js';

const FP = 'a=fingerprint:sha-256 ' + Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(':');

function offer(o: { sessionFp?: string | null; mediaFp?: string | null; extra?: string[] } = {}): string {
  const session = ['v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1'];
  if (o.sessionFp) session.push(o.sessionFp);
  const section = (kind: string, mid: number) => [
    `m=${kind} 9 UDP/TLS/RTP/SAVPF 111`,
    'c=IN IP4 0.0.0.0',
    'a=ice-ufrag:brws',
    'a=ice-pwd:browserpasswordof22chr',
    ...(o.mediaFp === null ? [] : [o.mediaFp ?? FP]),
    'a=setup:actpass',
    `a=mid:${mid}`,
    'a=sendonly',
    'a=rtpmap:111 opus/48000/2',
  ];
  return [...session, ...section('audio', 0), ...section('video', 1), ...(o.extra ?? []), ''].join('\r\n');
}

describe('sdpRefusal (D1, D5)', () => {
  it('accepts a browser-like offer, with the fingerprint per section or once for the session', () => {
    assert.equal(sdpRefusal(offer()), null);
    assert.equal(sdpRefusal(offer({ mediaFp: null, sessionFp: FP })), null);
    assert.equal(sdpRefusal(offer({ mediaFp: FP.replace('sha-256', 'SHA-256') })), null);
  });

  it('refuses a description without a DTLS fingerprint, or with one section left out', () => {
    assert.match(sdpRefusal(offer({ mediaFp: null })) ?? '', /no DTLS fingerprint/);
    const oneMissing = offer().replace(`${FP}\r\na=setup:actpass\r\na=mid:1`, 'a=setup:actpass\r\na=mid:1');
    assert.notEqual(oneMissing, offer());
    assert.match(sdpRefusal(oneMissing) ?? '', /no DTLS fingerprint/);
    assert.match(sdpRefusal('v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n') ?? '', /no DTLS fingerprint/);
  });

  it('refuses weak or malformed fingerprints (D5)', () => {
    const sha1 = 'a=fingerprint:sha-1 ' + Array.from({ length: 20 }, () => 'AB').join(':');
    assert.match(sdpRefusal(offer({ mediaFp: sha1 })) ?? '', /not SHA-256/);
    assert.match(sdpRefusal(offer({ mediaFp: 'a=fingerprint:sha-256 zz' })) ?? '', /malformed/);
    assert.match(sdpRefusal(offer({ mediaFp: 'a=fingerprint:sha-256 AB:CD' })) ?? '', /wrong length/);
  });

  it('refuses data-channel sections', () => {
    const dc = ['m=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0', FP, 'a=mid:2', 'a=sctp-port:5000'];
    assert.match(sdpRefusal(offer({ extra: dc })) ?? '', /Data channels/);
    assert.match(sdpRefusal(offer({ extra: ['m=application 0 UDP/DTLS/SCTP webrtc-datachannel'] })) ?? '', /Data channels/);
  });
});
