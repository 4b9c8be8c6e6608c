// A token bucket: up to `burst` at once, refilled at `rate` per second. Used
// to tell a flood from an echo or a screenful (session pacing, model parsing).

import { performance } from 'node:perf_hooks';

/**
 * Milliseconds this process's event loop has spent waiting for something to
 * happen: a clock that stands still while the process is busy. A budget for
 * output refilled by it measures the output's rate against the time the
 * process was free to take more, not against the time it took: a program
 * that writes faster than it is read blocks on the pty, so output comes no
 * faster than this process reads it; while the code that reads is still
 * cold (a flood's first ~100 KB run at well under 1 MiB/s) a wall clock
 * would refill the budget as fast as it is spent, and the flood would be
 * handled as an echo, parsed byte by byte, until the code warmed up. An
 * echo or a screenful still arrives after idle time, and finds it full.
 */
export function idleClock(): number {
  // (What eventLoopUtilization().idle reads, without the object it makes.)
  return performance.nodeTiming.idleTime;
}

export class TokenBucket {
  private tokens: number;
  private at: number;

  /**
   * `maxDebt`: how far charge() may take the bucket below empty. A flood
   * charged in full would owe its whole size, and be paid off at `rate` long
   * after it ended.
   */
  constructor(
    private readonly burst: number,
    private readonly rate: number, // per second
    private readonly now: () => number = Date.now,
    private readonly maxDebt = Infinity,
  ) {
    this.tokens = burst;
    this.at = now();
  }

  /** Take `n` if the bucket holds that much now; false (nothing taken) otherwise. */
  take(n: number): boolean {
    this.top();
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /**
   * Take `n` whatever the bucket holds (it may go into debt, up to
   * `maxDebt`, which the rate pays off first); false while it is in debt.
   */
  charge(n: number): boolean {
    this.top();
    this.tokens = Math.max(-this.maxDebt, this.tokens - n);
    return this.tokens >= 0;
  }

  private top(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.rate) / 1000);
    this.at = now;
  }

  /** Full again, from now. */
  refill(): void {
    this.tokens = this.burst;
    this.at = this.now();
  }
}
