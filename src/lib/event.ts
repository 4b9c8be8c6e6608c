// Typed events whose subscriptions are disposables (xterm.js Event.ts style):
// every owner disposes what it subscribed, and disposing twice is safe.

export interface Disposable {
  dispose(): void;
}

type Listener<T> = (value: T) => void;

/** A tiny typed event: subscribe returns a disposable; disposing twice is safe. */
export class Emitter<T> {
  // Replaced, never mutated, on subscribe and dispose: fire() runs per pty
  // chunk and per parse, so it iterates without copying, and a listener
  // added or removed while firing takes effect from the next fire.
  private listeners: readonly Listener<T>[] = [];

  on(fn: Listener<T>): Disposable {
    this.listeners = [...this.listeners, fn];
    return {
      dispose: (): void => {
        const i = this.listeners.indexOf(fn);
        if (i >= 0) this.listeners = this.listeners.filter((_, k) => k !== i);
      },
    };
  }

  fire(value: T): void {
    for (const fn of this.listeners) fn(value);
  }

  clear(): void {
    this.listeners = [];
  }
}
