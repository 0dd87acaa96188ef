import { useEffect, useRef, useSyncExternalStore, type RefObject } from 'react';
import type { MediaController } from '../../media/MediaController';
import type { MediaSnapshot } from '../../media/mediaTypes';

/** The media controller's current snapshot; re-renders on every change. */
export function useMediaSnapshot(media: MediaController): MediaSnapshot {
  return useSyncExternalStore(media.subscribe, media.getSnapshot);
}

/** A ref for a <video> or <audio> element that plays `stream`; null takes the stream off it. */
export function useStreamElement<T extends HTMLMediaElement>(stream: MediaStream | null): RefObject<T | null> {
  const ref = useRef<T>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (!stream) {
      el.srcObject = null;
      return;
    }
    if (el.srcObject !== stream) el.srcObject = stream;
    el.play().catch(() => undefined); // autoplay refused: the element shows its own play control
  }, [stream]);
  return ref;
}
