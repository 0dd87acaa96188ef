// Test build only (see flag.ts).
import { SignalingClient } from '../session/SignalingClient';

export class TestSignalingClient extends SignalingClient {
  /** Closes the socket as a network drop would; the client reconnects and resumes its place. */
  dropConnection(): void {
    this.ws?.close();
  }
}
