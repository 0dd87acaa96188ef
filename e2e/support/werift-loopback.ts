// A Chromium page publishing its fake camera straight to an in-process werift peer over
// loopback, with no Kaigi server in between: the smallest setup that shows what the
// publisher's congestion controller does with our RTCP feedback.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import {
  RTCPeerConnection as WeriftPeerConnection,
  RTCRtpCodecParameters,
  useAbsSendTime,
  useNACK,
  usePLI,
  useSdesMid,
  useTransportWideCC,
  useTWCC,
} from 'werift';

/** A blank page on http://127.0.0.1 (a secure context, so getUserMedia works). */
export async function serveBlankPage(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>congestion</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The SFU-side peer: VP8 + opus, transport-cc negotiated, loopback-only ICE. */
export function createWeriftReceiver(): WeriftPeerConnection {
  return new WeriftPeerConnection({
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    codecs: {
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/VP8',
          clockRate: 90000,
          rtcpFeedback: [useNACK(), usePLI(), useTWCC()],
        }),
      ],
      audio: [
        new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, rtcpFeedback: [useTWCC()] }),
      ],
    },
    headerExtensions: {
      video: [useSdesMid(), useTransportWideCC(), useAbsSendTime()],
      audio: [useSdesMid(), useTransportWideCC()],
    },
  });
}

/** Starts publishing camera (1280x720) and microphone from the page; returns the offer SDP. */
export async function createPublisherOffer(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { exact: 1280 }, height: { exact: 720 }, frameRate: 30 },
      audio: true,
    });
    const pc = new RTCPeerConnection();
    for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    (globalThis as unknown as { pub: RTCPeerConnection }).pub = pc;
    await pc.setLocalDescription(await pc.createOffer());
    // No trickle: wait for the host candidates to be in the SDP.
    if (pc.iceGatheringState !== 'complete') {
      await new Promise<void>((resolve) => {
        pc.addEventListener('icegatheringstatechange', () => {
          if (pc.iceGatheringState === 'complete') resolve();
        });
      });
    }
    return pc.localDescription!.sdp;
  });
}

/** werift answers the page's offer; the page applies the answer. */
export async function answerOffer(page: Page, receiver: WeriftPeerConnection, offerSdp: string): Promise<void> {
  await receiver.setRemoteDescription({ type: 'offer', sdp: offerSdp });
  await receiver.setLocalDescription(await receiver.createAnswer());
  if (receiver.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) => {
      const sub = receiver.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') {
          sub.unSubscribe();
          resolve();
        }
      });
    });
  }
  const answer = receiver.localDescription!.sdp;
  await page.evaluate(async (sdp) => {
    const pc = (globalThis as unknown as { pub: RTCPeerConnection }).pub;
    await pc.setRemoteDescription({ type: 'answer', sdp });
  }, answer);
}

export interface SendSample {
  /** seconds since the first sample */
  t: number;
  bytesSent: number;
  frameWidth: number;
  frameHeight: number;
  /** the publisher's bandwidth estimate, from the selected candidate pair */
  availableOutgoingBitrate: number;
  /** the encoder's target (what the congestion controller allocates to this stream) */
  targetBitrate: number;
  framesPerSecond: number;
  qualityLimitationReason: string;
}

/** One getStats() snapshot of the page's video outbound-rtp. */
export async function sampleSend(page: Page): Promise<Omit<SendSample, 't'> & { timestamp: number }> {
  return page.evaluate(async () => {
    const pc = (globalThis as unknown as { pub: RTCPeerConnection }).pub;
    const report = await pc.getStats();
    let bytesSent = 0;
    let frameWidth = 0;
    let frameHeight = 0;
    let availableOutgoingBitrate = 0;
    let targetBitrate = 0;
    let framesPerSecond = 0;
    let qualityLimitationReason = '';
    let timestamp = performance.now();
    report.forEach((stats: RTCStats) => {
      const s = stats as unknown as Record<string, unknown>;
      if (s.type === 'outbound-rtp' && s.kind === 'video') {
        bytesSent = Number(s.bytesSent ?? 0);
        frameWidth = Number(s.frameWidth ?? 0);
        frameHeight = Number(s.frameHeight ?? 0);
        timestamp = Number(s.timestamp);
        targetBitrate = Number(s.targetBitrate ?? 0);
        framesPerSecond = Number(s.framesPerSecond ?? 0);
        qualityLimitationReason = String(s.qualityLimitationReason ?? '');
      }
      if (s.type === 'candidate-pair' && s.nominated && s.availableOutgoingBitrate !== undefined) {
        availableOutgoingBitrate = Number(s.availableOutgoingBitrate);
      }
    });
    return { bytesSent, frameWidth, frameHeight, availableOutgoingBitrate, targetBitrate, framesPerSecond, qualityLimitationReason, timestamp };
  });
}
