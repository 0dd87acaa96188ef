// Size and rate limits, checked at the boundary by the server and respected by the client.
export const LIMITS = {
  /** Largest signalling message the server parses, in bytes (media messages carrying SDP: 96 KiB). */
  signalingMessageBytes: 8 * 1024,
  mediaMessageBytes: 96 * 1024,
  /** Larger frames close the socket (WebSocket close 1009). */
  signalingFrameBytes: 128 * 1024,
  /** Largest HTTP JSON body of the routes that need it (meeting rules with domain and group lists, passkeys), in bytes. */
  httpBodyBytes: 64 * 1024,
  displayNameMax: 64,
  meetingTitleMax: 200,
  usernameMin: 1,
  usernameMax: 64,
  userPasswordMin: 12,
  userPasswordMax: 1024,
  /** Signalling messages per second, sustained, per connection. */
  signalingRatePerSecond: 20,
  signalingBurst: 60,
  /** Longest MLS message (base64 characters): a Welcome with the ratchet tree for ~200 members. */
  mlsMessageChars: 120_000,
  /** Longest chat message, in characters, and its MLS ciphertext in base64 characters. */
  chatTextMax: 4000,
  chatCiphertextChars: 24_000,
  /** Largest HTTP JSON body of every other route, in bytes: a sign-in or a code is far smaller (H4). */
  httpSmallBodyBytes: 16 * 1024,
} as const;
