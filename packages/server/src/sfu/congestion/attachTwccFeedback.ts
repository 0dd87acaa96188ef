// Hooks TwccFeedback to a werift RTCPeerConnection that receives a browser's media.
//
// werift 0.24.4's own receiver-side TWCC (ReceiverTWCC) produces feedback that Chromium's
// congestion controller cannot use: one generator per m-line although the sequence numbers are
// transport-wide (the other m-line's packets become "received" statuses without deltas), no
// 32-bit padding (the RTCP length field cuts off the last deltas), and the first delta relative
// to the previous feedback's last arrival instead of the reference time. Chromium then drops
// most messages and mistakes the rest for queueing delay, so the publisher sits near 100 kbps.
// So we turn it off and feed our own generator, one per DTLS transport.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { RTCDtlsTransport, RTCPeerConnection, RTCRtpReceiver, RtcpPacket, RtpPacket } from 'werift';
import { TwccFeedback } from './TwccFeedback.js';

export const TRANSPORT_WIDE_CC_URI = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';

export interface TwccAttachOptions {
  /** How often feedback is sent while packets arrive; libwebrtc's receivers use 50-250 ms. */
  intervalMs?: number;
}

export interface TwccAttachment {
  /** Stops sending feedback (werift's own stays off). */
  stop(): void;
}

interface TransportState {
  readonly feedback: TwccFeedback;
  /** Arrival of the latest raw datagram, taken before SRTP decryption. */
  raw: { ssrc: number; seq: number; us: number } | undefined;
}

const nowUs = (): number => performance.now() * 1000;

/**
 * Sends transport-wide congestion-control feedback for all media `pc` receives. Call it right
 * after creating the peer connection (before negotiation), once per publishing transport.
 * The SDP must still negotiate the transport-cc header extension and rtcp-fb transport-cc.
 */
export function attachTwccFeedback(pc: RTCPeerConnection, options: TwccAttachOptions = {}): TwccAttachment {
  const senderSsrc = randomBytes(4).readUInt32BE(0);
  const transports = new Map<RTCDtlsTransport, TransportState>();
  const hookedConnections = new WeakSet<object>();
  const unsubscribers: (() => void)[] = [];
  let stopped = false;

  const onRtp = (state: TransportState, rtp: RtpPacket): void => {
    const raw = state.raw;
    const ssrc = rtp.header.ssrc;
    const arrivalUs = raw && raw.ssrc === ssrc && raw.seq === rtp.header.sequenceNumber ? raw.us : nowUs();
    const extIdUri = pc.extIdUriMap;
    for (const ext of rtp.header.extensions) {
      if (extIdUri[ext.id] === TRANSPORT_WIDE_CC_URI && ext.payload.length >= 2) {
        state.feedback.onPacket(ext.payload.readUInt16BE(0), arrivalUs, ssrc);
        return;
      }
    }
  };

  const hookTransport = (dtls: RTCDtlsTransport): void => {
    let state = transports.get(dtls);
    if (!state) {
      const created: TransportState = { feedback: new TwccFeedback({ senderSsrc }), raw: undefined };
      state = created;
      transports.set(dtls, created);
      const sub = dtls.onRtp.subscribe((rtp) => onRtp(created, rtp));
      unsubscribers.push(() => sub.unSubscribe());
    }
    // The arrival time is best taken from the datagram itself: subscribed before werift's SRTP
    // handler (which subscribes once DTLS is up), this runs first. The header is in the clear.
    const connection = dtls.iceTransport.connection;
    if (hookedConnections.has(connection)) return;
    hookedConnections.add(connection);
    const s = state;
    const sub = connection.onData.subscribe((data: Buffer) => {
      // RTP, not RTCP (PT 192-223 collides with RTCP): version 2, at least a fixed header.
      if (data.length < 12 || data[0]! >> 6 !== 2 || (data[1]! >= 192 && data[1]! <= 223)) return;
      s.raw = { ssrc: data.readUInt32BE(8), seq: data.readUInt16BE(2), us: nowUs() };
    });
    unsubscribers.push(() => sub.unSubscribe());
  };

  const disableWeriftTwcc = (receiver: RTCRtpReceiver): void => {
    // An own property shadows the prototype getter, so werift never creates its ReceiverTWCC;
    // rtcp-fb transport-cc stays in the SDP because the codec parameters are untouched.
    if (!Object.prototype.hasOwnProperty.call(receiver, 'twccEnabled')) {
      Object.defineProperty(receiver, 'twccEnabled', { get: () => undefined, configurable: true });
    }
    if (receiver.receiverTWCC) {
      receiver.receiverTWCC.twccRunning = false;
      receiver.receiverTWCC = undefined;
    }
  };

  const scan = (): void => {
    if (stopped) return;
    for (const transceiver of pc.getTransceivers()) {
      disableWeriftTwcc(transceiver.receiver);
      if (transceiver.dtlsTransport) hookTransport(transceiver.dtlsTransport);
    }
    for (const dtls of pc.dtlsTransports) hookTransport(dtls);
  };

  const flush = (): void => {
    scan();
    for (const [dtls, state] of transports) {
      if (!state.feedback.hasPending || dtls.state !== 'connected' || !dtls.srtpStarted) continue;
      const packets = state.feedback.buildFeedback().map((buf) => ({ serialize: () => buf }) as unknown as RtcpPacket);
      // sendRtcp only concatenates serialize() results before SRTCP protection.
      dtls.sendRtcp(packets).catch(() => undefined);
    }
  };

  for (const event of [pc.onTransceiverAdded, pc.signalingStateChange, pc.connectionStateChange] as const) {
    const sub = (event as { subscribe: (f: () => void) => { unSubscribe: () => void } }).subscribe(() => {
      scan();
      if (pc.connectionState === 'closed') attachment.stop();
    });
    unsubscribers.push(() => sub.unSubscribe());
  }
  const timer = setInterval(flush, options.intervalMs ?? 50);
  timer.unref();
  scan();

  const attachment: TwccAttachment = {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
      transports.clear();
    },
  };
  return attachment;
}
