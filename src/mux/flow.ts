// Flow control for one viewer's output stream, after mosh's SSP: what is in
// flight is known from the viewer's acknowledgements (bytes it has taken in
// and parsed), not from socket buffers, which hide the kernel's and the slow
// link's queues. In-flight bytes are kept near one round trip's worth of the
// delivery rate, so a flood never builds a backlog of stale output: once the
// window is full, raw output is skipped and the viewer later gets the current
// screen instead.

/** Never bound in-flight bytes below this (covers start-up and tiny RTTs). */
export const MIN_WINDOW = 16 << 10; // bytes
/** Never let more than this be in flight, whatever the estimate. */
export const MAX_WINDOW = 4 << 20; // bytes
/** Window before the first measurement. */
export const INITIAL_WINDOW = 64 << 10; // bytes
/**
 * How many round trips' worth of the delivery rate may be in flight. More
 * than one, or the rate could never be seen to exceed what the window lets
 * through (BBR's gain); not much more, because whatever is in flight when the
 * helper presses Ctrl-C must drain before the fresh prompt can show.
 */
const RTT_MULTIPLE = 2;
/** How long a delivery-rate sample stays the maximum (BBR keeps ~10 RTTs). */
const RATE_WINDOW = 2000; // ms
/** Sends remembered for RTT samples; older ones are merged. */
const MAX_HISTORY = 4096;

interface Sent {
  end: number; // stream offset after this send
  at: number; // ms
  ackedThen: number; // bytes acknowledged when this was sent
  ackedAt: number; // when that acknowledgement came (or the send, if later)
}

/** Bookkeeping of bytes sent, acknowledged, and the window between them. */
export class FlowControl {
  private sent = 0; // bytes handed to the transport
  private acked = 0; // bytes the viewer said it has processed
  private readonly history: Sent[] = [];
  // The smallest RTT seen on this connection. It is never allowed to rise:
  // samples taken while our own data queues on the link include that queue,
  // and a window sized from them would keep the queue — and grow it.
  private minRtt = Infinity; // ms
  private bestRate = 0; // bytes per ms
  private bestRateAt = 0;
  private lastAck = { n: 0, at: 0 };

  constructor(private readonly now: () => number = Date.now) {}

  /** Bytes sent and not yet acknowledged. */
  get inFlight(): number {
    return this.sent - this.acked;
  }

  /** The smallest round trip seen recently, in ms (Infinity before any). */
  get rtt(): number {
    return this.minRtt;
  }

  /** How many bytes may be in flight now. */
  get window(): number {
    if (!Number.isFinite(this.minRtt) || this.bestRate === 0) return INITIAL_WINDOW;
    const bdp = this.bestRate * Math.max(this.minRtt, 1) * RTT_MULTIPLE;
    return Math.min(MAX_WINDOW, Math.max(MIN_WINDOW, Math.round(bdp)));
  }

  /** True when `bytes` more fit in the window. */
  canSend(bytes = 0): boolean {
    return this.inFlight + bytes <= this.window || this.inFlight === 0;
  }

  /** Record bytes handed to the transport. */
  onSend(bytes: number): void {
    if (bytes <= 0) return;
    this.sent += bytes;
    const at = this.now();
    this.history.push({ end: this.sent, at, ackedThen: this.acked, ackedAt: Math.max(this.lastAck.at, at) });
    if (this.history.length > MAX_HISTORY) {
      // Merge the two oldest: their RTT sample will be a little long, never short.
      const [a, b] = this.history.splice(0, 2) as [Sent, Sent];
      this.history.unshift({ ...a, end: b.end });
    }
  }

  /** The viewer has processed the stream up to offset `n`. */
  onAck(n: number): void {
    if (!(n > this.acked) || n > this.sent) return; // stale, duplicate, or impossible
    const now = this.now();
    // RTT: from the send that completed this offset to now.
    let last: Sent | undefined;
    while (this.history.length > 0 && this.history[0]!.end <= n) last = this.history.shift();
    if (last) {
      this.minRtt = Math.min(this.minRtt, now - last.at);
      // Delivery rate, as BBR samples it: bytes acknowledged since that send
      // went out, over the time since the acknowledgement before it. The
      // interval spans about a round trip, so bursts of acknowledgements (a
      // viewer parsing a big batch) do not read as a fast link.
      const dt = now - last.ackedAt;
      if (dt > 0) {
        const rate = (n - last.ackedThen) / dt;
        if (rate >= this.bestRate || now - this.bestRateAt > RATE_WINDOW) {
          this.bestRate = rate;
          this.bestRateAt = now;
        }
      }
    }
    this.lastAck = { n, at: now };
    this.acked = n;
  }

  /** Forget the stream (a new connection starts counting from zero). */
  reset(): void {
    this.sent = 0;
    this.acked = 0;
    this.history.length = 0;
    this.lastAck = { n: 0, at: 0 };
    this.minRtt = Infinity;
    this.bestRate = 0;
  }
}
