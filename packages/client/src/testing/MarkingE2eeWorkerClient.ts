// Test build only (see flag.ts): the page's side of the plaintext marker (MarkingFrameCryptor.ts).
import { E2eeWorkerClient } from '../e2ee/E2eeWorkerClient';
import { SET_MARKER, type SetMarkerMessage } from './MarkingFrameCryptor';

export class MarkingE2eeWorkerClient extends E2eeWorkerClient {
  /** Bytes appended to every sent plaintext and looked for (and stripped) on every received one. */
  async setMarker(marker: Uint8Array | null): Promise<void> {
    const msg: SetMarkerMessage = { type: SET_MARKER, marker };
    this.worker.postMessage(msg);
    // The worker handles the marker as the message arrives and answers requests in order: once
    // a later request is answered, the marker is in place.
    await this.stats();
  }
}
