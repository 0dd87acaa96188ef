/** A small typed event emitter: the SFU objects' `close` and state events. */
export class Emitter<Events extends Record<string, unknown[]>> {
  private readonly handlers: { [K in keyof Events]?: Set<(...args: Events[K]) => void> } = {};

  on<K extends keyof Events>(event: K, fn: (...args: Events[K]) => void): () => void {
    const set = (this.handlers[event] ??= new Set());
    set.add(fn);
    return () => set.delete(fn);
  }

  /** How many listen to an event: an owner skips building a costly event nobody hears. */
  listenerCount(event: keyof Events): number {
    return this.handlers[event]?.size ?? 0;
  }

  protected emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    for (const fn of [...(this.handlers[event] ?? [])]) fn(...args);
  }

  protected removeAllListeners(): void {
    for (const k of Object.keys(this.handlers)) delete this.handlers[k as keyof Events];
  }
}

/**
 * An object's monitoring channel (mediasoup's `observer`): anyone holding it may listen, the
 * owner emits. A listener that throws is reported as a process warning and never stops the
 * owner's work (the hot path, a close cascade).
 */
export class Observer<Events extends Record<string, unknown[]>> extends Emitter<Events> {
  notify<K extends keyof Events>(event: K, ...args: Events[K]): void {
    try {
      this.emit(event, ...args);
    } catch (err) {
      process.emitWarning(`observer listener for ${String(event)} threw: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
