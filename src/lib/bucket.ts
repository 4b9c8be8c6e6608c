// A token bucket: up to `burst` at once, refilled at `rate` per second. Used
// to tell a flood from an echo or a screenful (session pacing, model parsing).

export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly burst: number,
    private readonly rate: number, // per second
    private readonly now: () => number = Date.now,
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
   * Take `n` whatever the bucket holds (it may go into debt, which the rate
   * pays off first); false while it is in debt.
   */
  charge(n: number): boolean {
    this.top();
    this.tokens -= n;
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
