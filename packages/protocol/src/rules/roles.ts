import type { Role } from '../signaling.js';

/**
 * Hosts and co-hosts: who runs the meeting (C1). They may always publish and chat, and they count
 * as "the host is here" (C4). The server enforces this; the client only greys out controls by it.
 */
export const runsMeeting = (role: Role | null | undefined): boolean => role === 'host' || role === 'cohost';
