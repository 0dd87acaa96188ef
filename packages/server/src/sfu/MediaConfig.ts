import {
  NamedCurveAlgorithm,
  NamedCurveAlgorithmList,
  RTCRtpCodecParameters,
  useAbsSendTime,
  useAudioLevelIndication,
  useRepairedRtpStreamId,
  useSdesMid,
  useSdesRTPStreamId,
  useTransportWideCC,
  type PeerConfig,
} from 'werift';
import type { MediaNetHost } from './net/MediaNetHost.js';

export interface MediaConfig {
  /** The one address the SFU binds and announces as its ICE candidate. */
  ip: string;
  /**
   * The node's one media port (KAIGI_MEDIA_PORT; sfu/net/MediaNet.ts): every Transport's ICE,
   * DTLS and SRTP go through it, and werift opens no socket. The server always sets it; a Router
   * made without it (unit tests of the media plane's logic) lets werift open its own guarded
   * socket per transport instead.
   */
  net?: MediaNetHost;
  /**
   * E2EE meetings: back off a subscriber that keeps asking for keyframes (one without the keys
   * asks after every keyframe). Elsewhere every request is forwarded, at most one per layer per
   * 500 ms, so a receiver that lost packets recovers at once.
   */
  backOffKeyframeRequests?: boolean;
}

// D5: X25519 is not on the CRYPTREC lists. werift, as DTLS server, takes the first curve of
// the browser's list that it knows (Chromium puts X25519 first), so its list is cut down to
// P-256 once, for the whole process. werift's cipher suites are already ECDHE with AES-128-GCM.
for (let i = NamedCurveAlgorithmList.length - 1; i >= 0; i--) {
  if (NamedCurveAlgorithmList[i] !== NamedCurveAlgorithm.secp256r1_23) NamedCurveAlgorithmList.splice(i, 1);
}

export const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';

// Opus and VP8 with the feedback the SFU acts on: NACK (the forwarding fast path answers from
// the layer's history, as RTX; werift's sender on a transport without AES-GCM), PLI (forwarded to the publisher, rate limited), transport-cc (congestion control).
export function peerConfig(cfg: MediaConfig): Partial<PeerConfig> {
  return {
    codecs: {
      audio: [
        new RTCRtpCodecParameters({
          mimeType: 'audio/opus',
          clockRate: 48000,
          channels: 2,
          payloadType: 111,
          parameters: 'minptime=10;useinbandfec=1',
          rtcpFeedback: [{ type: 'transport-cc' }],
        }),
      ],
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/VP8',
          clockRate: 90000,
          payloadType: 96,
          rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }, { type: 'transport-cc' }],
        }),
        // RFC 4588: retransmissions on their own SSRC, so loss statistics and bandwidth probes
        // stay apart from the media (the fast path answers NACKs as RTX, forward/OutboundStream).
        new RTCRtpCodecParameters({ mimeType: 'video/rtx', clockRate: 90000, payloadType: 97, parameters: 'apt=96' }),
      ],
    },
    headerExtensions: {
      audio: [useSdesMid(), useAbsSendTime(), useTransportWideCC(), useAudioLevelIndication()],
      video: [useSdesMid(), useSdesRTPStreamId(), useRepairedRtpStreamId(), useAbsSendTime(), useTransportWideCC()],
    },
    // ICE-lite: the browser does the checks; the SFU learns its address from them, so the
    // browser's candidates (mDNS names included) never need resolving.
    iceLite: true,
    iceUseIpv6: false,
    // werift gathers on every host address it finds (loopback excluded) plus these; Transport
    // strips every other candidate from the SDP, so only the configured address is announced.
    iceInterfaceAddresses: { udp4: cfg.ip },
    iceAdditionalHostAddresses: [cfg.ip],
    bundlePolicy: 'max-bundle',
  };
}
