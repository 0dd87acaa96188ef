import type { ConnectionQuality, MediaSource, RemoteTrack } from '@kaigi/protocol';
import type { Producer } from './Producer.js';
import type { RouterObserver } from './RouterObserver.js';

export interface PublishRequest {
  sdp: string;
  tracks: { mid: string; source: MediaSource }[];
}

export interface RouterSignals {
  subscribeOffer(participantId: string, offer: { sdp: string; tracks: RemoteTrack[] }): void;
  /** Who publishes what changed. */
  producersChanged(): void;
  /**
   * The Router was rebuilt (its media worker died): these participants' transports are gone and
   * they should publish again now (sfu/worker/RouterProxy.rehome).
   */
  mediaRestart?(participantIds: string[]): void;
}

/** A tile a subscriber shows (its simulcast layer choice follows it). */
export interface VideoPreference {
  participantId: string;
  source: MediaSource;
  maxHeight: number;
}

/**
 * What the meeting layer (Room, Checks, RoomRecording, the media handlers) uses of a meeting's
 * media plane (issue 15 item 3). Implemented by Router (in this thread: KAIGI_MEDIA_WORKERS=0,
 * unit tests) and by RouterProxy (the Router lives in a media worker). Answers that cross a
 * thread are async (publish, subscribeAnswer); the sync reads (publishing, loudest,
 * connectionQuality, partnerOf) come from state the worker pushes, on change and on its tick.
 */
export interface RouterPort {
  readonly closed: boolean;
  readonly observer: RouterObserver;
  publish(participantId: string, req: PublishRequest): Promise<string>;
  subscribe(participantId: string): void;
  subscribeAnswer(participantId: string, sdp: string): boolean | Promise<boolean>;
  resubscribe(participantId: string): void;
  setVideoPreferences(participantId: string, tiles: VideoPreference[]): void;
  pair(isolated: string, partner: string): void;
  unpair(participantId: string, sync?: boolean): void;
  partnerOf(participantId: string): string | undefined;
  closeProducer(participantId: string, source: MediaSource): boolean;
  closeParticipant(participantId: string): void;
  publishing(): Map<string, MediaSource[]>;
  /** Live producers in this thread, for the server recorder; a proxy has none (see RouterFactory). */
  allProducers(): IterableIterator<Producer>;
  connectionQuality(now?: number): Map<string, ConnectionQuality | null>;
  loudest(): string | null;
  close(): void;
}
