// Test build only (see flag.ts). The e2e known-plaintext check (e2e/tests/e2ee.browser.test.ts)
// has every browser append a random marker to each plaintext before encryption: the marker must
// never show in a packet the SFU forwards, and a member's keys must find it inside the frames.
// The production FrameCryptor and the production worker's messages know nothing of it.
import { clearPrefixLength, FrameCryptor, type CryptorFrame, type CryptorStats, type DecryptedFrame } from '../e2ee/FrameCryptor.js';

/** The worker message that sets (or, with null, clears) the marker; it carries no id and gets no answer. */
export const SET_MARKER = 'kaigiTest.setMarker';
const MAX_MARKER_BYTES = 64;

export interface SetMarkerMessage {
  type: typeof SET_MARKER;
  marker: Uint8Array | null;
}

/** Checked by hand rather than with a zod schema: a schema built at module level would be kept in a production bundle. */
export function isSetMarkerMessage(data: unknown): data is SetMarkerMessage {
  if (typeof data !== 'object' || data === null) return false;
  const m = data as Partial<SetMarkerMessage>;
  const marker = m.marker;
  return m.type === SET_MARKER && (marker === null || (marker instanceof Uint8Array && marker.length > 0 && marker.length <= MAX_MARKER_BYTES));
}

export class MarkingFrameCryptor extends FrameCryptor {
  private marker: Uint8Array | null = null;
  private markerSeen = 0;

  /** Appended to each plaintext before encryption; stripped (and counted) after decryption. */
  setMarker(marker: Uint8Array | null): void {
    this.marker = marker && marker.length > 0 ? new Uint8Array(marker) : null;
  }

  /**
   * The plaintext is the frame after its clear prefix, so bytes added at the frame's end are the
   * plaintext's last bytes. A frame no longer than its prefix stays as it is, for the production
   * cryptor to drop: the marker must not make it long enough to send.
   */
  override async encrypt(frame: CryptorFrame): Promise<ArrayBuffer | null> {
    const m = this.marker;
    const length = frame.data.byteLength;
    if (!m || length <= clearPrefixLength(frame.kind, frame.keyFrame)) return super.encrypt(frame);
    const data = new Uint8Array(length + m.length);
    data.set(new Uint8Array(frame.data));
    data.set(m, length);
    return super.encrypt({ ...frame, data: data.buffer });
  }

  override async decrypt(frame: CryptorFrame): Promise<DecryptedFrame | null> {
    const out = await super.decrypt(frame);
    const m = this.marker;
    if (!out || !m) return out;
    const data = new Uint8Array(out.data);
    const at = data.length - m.length;
    if (at < clearPrefixLength(frame.kind, frame.keyFrame) || !m.every((b, i) => data[at + i] === b)) return out;
    this.markerSeen++;
    return { ...out, data: out.data.slice(0, at) };
  }

  override stats(): CryptorStats & { markerSeen: number } {
    return { ...super.stats(), markerSeen: this.markerSeen };
  }
}

/** The test worker's own message: handled (true) or not one of them (false, the worker parses it). */
export function handleTestMessage(cryptor: FrameCryptor, data: unknown): boolean {
  if (!isSetMarkerMessage(data) || !(cryptor instanceof MarkingFrameCryptor)) return false;
  cryptor.setMarker(data.marker);
  return true;
}
