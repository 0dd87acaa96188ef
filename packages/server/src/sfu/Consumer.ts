import type { RTCRtpTransceiver, RtpPacket } from 'werift';
import { Emitter } from './Emitter.js';
import type { Producer, RtpSink } from './Producer.js';

/**
 * One Producer forwarded to one subscriber, on a transceiver of the subscriber's recv
 * Transport. Each packet is sent as its own copy: werift's sender rewrites SSRC, payload type,
 * sequence numbers and header extensions in place.
 */
export class Consumer extends Emitter<{ close: [] }> implements RtpSink {
  private _closed = false;
  private readonly stopPli: () => void;

  constructor(
    readonly producer: Producer,
    readonly transceiver: RTCRtpTransceiver,
  ) {
    super();
    producer.addSink(this);
    producer.on('close', () => this.close());
    const sub = transceiver.sender.onPictureLossIndication.subscribe(() => producer.requestKeyframe());
    this.stopPli = () => sub.unSubscribe();
  }

  get closed(): boolean {
    return this._closed;
  }

  get mid(): string | null {
    return this.transceiver.mid;
  }

  send(rtp: RtpPacket): void {
    const copy = rtp.clone();
    // The publisher's extension IDs mean nothing on this transport; the sender adds its own.
    copy.header.extensions = [];
    void this.transceiver.sender.sendRtp(copy).catch(() => undefined);
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    this.producer.removeSink(this);
    this.stopPli();
    this.emit('close');
    this.removeAllListeners();
  }
}
