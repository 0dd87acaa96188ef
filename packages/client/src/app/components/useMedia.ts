import { useSyncExternalStore } from 'react';
import type { MediaController } from '../../media/MediaController';
import type { MediaSnapshot } from '../../media/mediaTypes';

/** The media controller's current snapshot; re-renders on every change. */
export function useMediaSnapshot(media: MediaController): MediaSnapshot {
  return useSyncExternalStore(media.subscribe, media.getSnapshot);
}
