import type { VideoTile } from './mediaTypes';

const DELAY_MS = 250;

/** Sends the grid's tile sizes to the SFU, debounced and only when they changed. */
export class VideoPreferences {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private sent = '';

  constructor(private readonly send: (tiles: VideoTile[]) => Promise<void>) {}

  set(tiles: VideoTile[], enabled: () => boolean): void {
    const key = JSON.stringify(tiles);
    if (key === this.sent) return;
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!enabled()) return;
      this.sent = key;
      this.send(tiles).catch(() => {
        this.sent = '';
      });
    }, DELAY_MS);
  }

  /** The SFU forgot them (new transports): the next call sends again. */
  forget(): void {
    this.sent = '';
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
