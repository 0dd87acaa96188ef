import { z } from 'zod';
import { ParticipantId } from './ids.js';

// Media signalling (A1, A2, A6, C1, C2). Each participant has two transports to the SFU: a send
// transport (the browser offers, the server answers) and a receive transport (the server offers,
// the browser answers). SDP is bounded: a real offer is a few kilobytes.

export const MediaSource = z.enum(['microphone', 'camera', 'screen']);
export type MediaSource = z.infer<typeof MediaSource>;

/** The kind of track each source must be. */
export const SOURCE_KIND: Record<MediaSource, 'audio' | 'video'> = {
  microphone: 'audio',
  camera: 'video',
  screen: 'video',
};

export const Sdp = z.string().min(10).max(64 * 1024);
export const Mid = z.string().regex(/^[A-Za-z0-9_-]{1,16}$/);

/** What participants (not hosts) may do: publish each source, and chat; hosts always may (C1, C2). */
export const MediaPermissions = z
  .object({
    microphone: z.boolean(),
    camera: z.boolean(),
    screen: z.boolean(),
    chat: z.boolean(),
    /** Share files in the meeting (A4). */
    files: z.boolean(),
  })
  .strict();
export type MediaPermissions = z.infer<typeof MediaPermissions>;

export const DEFAULT_MEDIA_PERMISSIONS: MediaPermissions = { microphone: true, camera: true, screen: false, chat: true, files: true };

export const PublishedTrack = z.object({ mid: Mid, source: MediaSource }).strict();

/** A track the receive transport carries: whose, which source, on which mid. */
export const RemoteTrack = z.object({
  mid: Mid,
  participantId: ParticipantId,
  source: MediaSource,
  kind: z.enum(['audio', 'video']),
});
export type RemoteTrack = z.infer<typeof RemoteTrack>;

/** Simulcast layers of a camera, lowest first: quarter, half and full resolution. */
export const SIMULCAST_RIDS = ['q', 'h', 'f'] as const;

export const ConnectionQuality = z.enum(['good', 'fair', 'poor', 'lost']);
export type ConnectionQuality = z.infer<typeof ConnectionQuality>;
