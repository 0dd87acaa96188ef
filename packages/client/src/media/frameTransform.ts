// A hook through which end-to-end encryption sees every encoded frame: the media layer calls it
// for each sender and receiver it creates and knows nothing about keys.

export interface FrameTransform {
  /** RTCPeerConnection settings the transform needs (encodedInsertableStreams for the fallback). */
  readonly pcConfig: Partial<RTCConfiguration> & { encodedInsertableStreams?: boolean };
  sender(sender: RTCRtpSender, kind: 'audio' | 'video'): void;
  receiver(receiver: RTCRtpReceiver, kind: 'audio' | 'video'): void;
}

export type FrameTransformSource = () => FrameTransform | null;
