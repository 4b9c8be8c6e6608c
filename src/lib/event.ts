// Typed events whose subscriptions are disposables (xterm.js Event.ts style):
// every owner disposes what it subscribed, and disposing twice is safe.

export interface Disposable {
  dispose(): void;
}

type Listener<T> = (value: T) => void;

/** A tiny typed event: subscribe returns a disposable; disposing twice is safe. */
export class Emitter<T> {
  private listeners: Listener<T>[] = [];

  on(fn: Listener<T>): Disposable {
    this.listeners.push(fn);
    return {
      dispose: (): void => {
        const i = this.listeners.indexOf(fn);
        if (i >= 0) this.listeners.splice(i, 1);
      },
    };
  }

  fire(value: T): void {
    for (const fn of this.listeners.slice()) fn(value);
  }

  clear(): void {
    this.listeners = [];
  }
}
