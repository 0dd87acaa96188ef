/** Both transports to the SFU: one bundled connection, no STUN/TURN (the SFU is ICE-lite). */
export const PC_CONFIG: RTCConfiguration = { bundlePolicy: 'max-bundle', iceServers: [] };

/** The ICE username fragment of a description, to tell a new remote transport from the old one. */
export function iceUfrag(sdp: string | undefined): string | null {
  if (!sdp) return null;
  return /a=ice-ufrag:(\S+)/.exec(sdp)?.[1] ?? null;
}

/** How long a connection may stay 'disconnected' or 'connecting' before it counts as failed. */
const GRACE_MS: Partial<Record<RTCPeerConnectionState, number>> = { disconnected: 4000, connecting: 6000 };

/**
 * Calls `onFailed` when the connection fails, or stays disconnected (the SFU dropped its side)
 * or connecting (a stalled DTLS handshake) for a few seconds: the browser's own 'failed' comes
 * much later, or never.
 */
export function watchConnection(pc: RTCPeerConnection, onFailed: () => void): void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const check = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    const state = pc.connectionState;
    if (state === 'failed') return onFailed();
    const grace = GRACE_MS[state];
    if (grace === undefined) return;
    timer = setTimeout(() => {
      timer = null;
      if (pc.connectionState === state) onFailed();
    }, grace);
  };
  pc.addEventListener('connectionstatechange', check);
}
