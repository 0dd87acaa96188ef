// The contract between the media plane's packet path and the sockets under it (issue 15).

/** Where one Transport's packets leave: the peer's selected ICE address, on the node's media port. */
export interface DatagramOut {
  /**
   * Sends buf[0, length) as one datagram. The bytes are sent or copied before this returns, so
   * the caller may reuse `buf` at once.
   */
  send(buf: Buffer, length: number): void;
}
