/** An immutable snapshot with change listeners, for React's useSyncExternalStore. */
export class Store<T extends object> {
  private listeners = new Set<() => void>();

  constructor(protected snap: T) {}

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getSnapshot = (): T => this.snap;

  protected update(patch: Partial<T>): void {
    this.snap = { ...this.snap, ...patch };
    for (const fn of [...this.listeners]) fn();
  }
}
