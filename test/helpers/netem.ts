// A link emulator in user space (this kernel has no netem): a TCP proxy on
// 127.0.0.1 that forwards each connection to a target through an emulated
// link per direction — one-way delay, a rate limit (serialisation at so many
// bytes/s) and a drop-tail bottleneck queue of so many bytes. It counts the
// bytes each way and can reset every connection (`cut`), freeze the path
// (`freeze`/`thaw`: a dead peer), stop accepting and accept again on the same
// port (`stopAccepting`/`startAccepting`), for reconnect and keepalive tests.
//
//   const link = await Netem.start({ target: { port }, link: { delayMs: 50, rate: 125000, queue: 65536 } });
//   dial 127.0.0.1:link.port instead of port; link.stats(); link.cut(); await link.close();
//
// How the queue works, and why it is not really drop-tail. A netem qdisc
// drops packets that find the queue full and TCP retransmits them. A proxy
// sees a byte stream, not packets: dropping bytes would corrupt it. So when
// the queue holds `queue` bytes or more the proxy stops reading from the
// sending socket, and TCP's flow control pushes back on the sender. The queue
// may overshoot by the one read that crossed the limit (≤ 64 KiB).
//
// What that means for measurements: bytes the sender has written but the
// proxy has not read wait in the kernel's loopback socket buffers (the
// sender's send buffer and the proxy's receive buffer), invisible to the
// link. Linux sizes a loopback send buffer from a 64 KiB MSS and grows it to
// `net.ipv4.tcp_wmem` max (4 MiB here), where a real 1 Mbit/s path would
// hold roughly a congestion window (~100–300 KiB). So a sender that writes
// as fast as the socket accepts (a raw pipe such as socat) builds a far
// larger hidden backlog behind this emulator than on a real slow link; a
// sender that bounds its unacknowledged bytes (SPEC §3) is unaffected.
// `Netem.stats()` shows what the link itself holds (queued, on the wire).

import net from 'node:net';
import { performance } from 'node:perf_hooks';

/** One direction of the emulated link. */
export interface LinkOptions {
  /** One-way delay added to every byte, ms (default 0). */
  delayMs?: number;
  /** Serialisation rate, bytes per second (default Infinity: no limit). 1 Mbit/s is 125000. */
  rate?: number;
  /** Bottleneck queue, bytes: reading from the sender stops while it is this full (default 64 KiB). */
  queue?: number;
}

export interface NetemOptions {
  /** Where connections are forwarded. */
  target: { host?: string; port: number };
  /** Address and port to listen on (default 127.0.0.1, port 0: any free port). */
  host?: string;
  port?: number;
  /** Both directions, unless overridden by `forward`/`reverse`. */
  link?: LinkOptions;
  /** Client → target (e.g. share → listen: the session's output). */
  forward?: LinkOptions;
  /** Target → client (e.g. listen → share: keystrokes and acknowledgements). */
  reverse?: LinkOptions;
}

/** Byte counts for one direction, summed over all connections. */
export interface DirectionStats {
  /** Bytes read from the sending socket. */
  received: number;
  /** Bytes written to the receiving socket (after queue, rate and delay). */
  delivered: number;
  /** Bytes waiting in the bottleneck queue now. */
  queued: number;
  /** Bytes serialised but still within their delay now. */
  onWire: number;
  /** The most the queue has held since the counters were reset. */
  maxQueued: number;
}

export interface NetemStats {
  forward: DirectionStats;
  reverse: DirectionStats;
  /** Connections open now, and accepted since the counters were reset. */
  open: number;
  accepted: number;
}

/** Bytes serialised as one unit: the link's packet size (payload only, headers not counted). */
const PACKET = 1500; // bytes
/** Writes to a receiver that has this much unwritten stop the link (a closed receive window). */
const RECEIVER_HIGH_WATER = 64 << 10; // bytes
const DEFAULT_QUEUE = 64 << 10; // bytes

interface Counters {
  received: number;
  delivered: number;
  maxQueued: number;
}

/** The emulated link one way of one connection: queue → serialiser → delay line → receiver. */
class Direction {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private readonly wire: { at: number; data: Buffer }[] = [];
  private wireBytes = 0;
  /** When the serialiser finishes the last packet it took (performance.now() ms). */
  private nextFree = 0;
  private timer: NodeJS.Timeout | undefined;
  private pausedByUs = false;
  private receiverBlocked = false;
  private ended = false;
  private closed = false;

  constructor(
    private readonly from: net.Socket,
    private readonly to: net.Socket,
    private opts: Required<LinkOptions>,
    private readonly counters: Counters,
    private readonly isReady: () => boolean,
    private readonly isFrozen: () => boolean,
  ) {
    from.on('data', (d: Buffer) => this.take(d));
    from.on('end', () => {
      this.ended = true;
      this.pump();
    });
    to.on('drain', () => {
      this.receiverBlocked = false;
      this.pump();
    });
  }

  get queuedBytes(): number {
    return this.queued;
  }

  get onWire(): number {
    return this.wireBytes;
  }

  setOptions(opts: Required<LinkOptions>): void {
    this.opts = opts;
    this.pump();
  }

  private take(d: Buffer): void {
    if (this.closed) return;
    this.counters.received += d.length;
    this.queue.push(d);
    this.queued += d.length;
    if (this.queued > this.counters.maxQueued) this.counters.maxQueued = this.queued;
    if ((this.queued >= this.opts.queue || this.isFrozen()) && !this.pausedByUs) {
      this.pausedByUs = true;
      this.from.pause();
    }
    this.pump();
  }

  /** Move bytes along: serialise what the rate allows, deliver what has done its delay. */
  pump(): void {
    if (this.closed) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.isFrozen()) {
      // A dead path: nothing moves either way until thawed.
      if (!this.pausedByUs) {
        this.pausedByUs = true;
        this.from.pause();
      }
      return;
    }
    const now = performance.now();
    const { rate, delayMs } = this.opts;
    // Serialise. A blocked receiver stops the link, as a closed window would.
    while (this.queued > 0 && !this.receiverBlocked && this.nextFree <= now) {
      const head = this.queue[0]!;
      const n = rate === Infinity ? head.length : Math.min(PACKET, head.length);
      const packet = n === head.length ? head : head.subarray(0, n);
      if (n === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(n);
      this.queued -= n;
      const start = Math.max(this.nextFree, now - 1); // an idle link starts now (1 ms timer slack)
      this.nextFree = rate === Infinity ? now : start + (n / rate) * 1000;
      this.wire.push({ at: this.nextFree + delayMs, data: packet });
      this.wireBytes += n;
    }
    if (this.pausedByUs && this.queued < this.opts.queue) {
      this.pausedByUs = false;
      this.from.resume();
    }
    // Deliver.
    if (this.isReady()) {
      const due: Buffer[] = [];
      while (this.wire.length > 0 && this.wire[0]!.at <= now) {
        const p = this.wire.shift()!;
        this.wireBytes -= p.data.length;
        due.push(p.data);
      }
      if (due.length > 0) {
        const data = due.length === 1 ? due[0]! : Buffer.concat(due);
        this.counters.delivered += data.length;
        if (!this.to.write(data)) this.receiverBlocked = this.to.writableLength >= RECEIVER_HIGH_WATER;
      }
      if (this.ended && this.queued === 0 && this.wire.length === 0) {
        this.to.end();
        return;
      }
    }
    // Wake for the next packet to serialise or deliver.
    let next = Infinity;
    if (this.queued > 0 && !this.receiverBlocked) next = this.nextFree;
    if (this.wire.length > 0 && this.isReady()) next = Math.min(next, this.wire[0]!.at);
    if (next !== Infinity) this.timer = setTimeout(() => this.pump(), Math.max(0, next - performance.now()));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.queued = 0;
    this.wire.length = 0;
    this.wireBytes = 0;
  }
}

interface Conn {
  client: net.Socket;
  upstream: net.Socket;
  forward: Direction;
  reverse: Direction;
}

function resolve(base: LinkOptions | undefined, over: LinkOptions | undefined): Required<LinkOptions> {
  const o = { ...base, ...over };
  return { delayMs: o.delayMs ?? 0, rate: o.rate ?? Infinity, queue: o.queue ?? DEFAULT_QUEUE };
}

function zero(): Counters {
  return { received: 0, delivered: 0, maxQueued: 0 };
}

/**
 * A TCP proxy emulating a link each way. `Netem.start()` listens and returns
 * it; `port` is where to dial instead of the target.
 */
export class Netem {
  private readonly server: net.Server;
  private readonly conns = new Set<Conn>();
  private fwd: Required<LinkOptions>;
  private rev: Required<LinkOptions>;
  private fwdCounters = zero();
  private revCounters = zero();
  private acceptedCount = 0;
  private frozen = false;
  private listening = false;
  private boundPort = 0;

  private constructor(private readonly opts: NetemOptions) {
    this.fwd = resolve(opts.link, opts.forward);
    this.rev = resolve(opts.link, opts.reverse);
    this.server = net.createServer({ noDelay: true }, (c) => this.accept(c));
  }

  /** Start listening; resolves once the port is known. */
  static async start(opts: NetemOptions): Promise<Netem> {
    const n = new Netem(opts);
    await n.startAccepting();
    return n;
  }

  /** The port to dial instead of the target. */
  get port(): number {
    return this.boundPort;
  }

  /** True while new connections are accepted. */
  get accepting(): boolean {
    return this.listening;
  }

  /** Change the link for connections open now and later. */
  setLink(opts: { link?: LinkOptions; forward?: LinkOptions; reverse?: LinkOptions }): void {
    this.fwd = resolve({ ...this.fwd, ...opts.link }, opts.forward);
    this.rev = resolve({ ...this.rev, ...opts.link }, opts.reverse);
    for (const c of this.conns) {
      c.forward.setOptions(this.fwd);
      c.reverse.setOptions(this.rev);
    }
  }

  /** Byte counts since the last reset, and what the link holds now. */
  stats(): NetemStats {
    let fq = 0;
    let fw = 0;
    let rq = 0;
    let rw = 0;
    for (const c of this.conns) {
      fq += c.forward.queuedBytes;
      fw += c.forward.onWire;
      rq += c.reverse.queuedBytes;
      rw += c.reverse.onWire;
    }
    return {
      forward: { ...this.fwdCounters, queued: fq, onWire: fw },
      reverse: { ...this.revCounters, queued: rq, onWire: rw },
      open: this.conns.size,
      accepted: this.acceptedCount,
    };
  }

  /** Zero the byte counters (connections keep counting into the new ones). */
  resetCounters(): void {
    // Directions hold a reference to the counter objects: zero them in place.
    for (const c of [this.fwdCounters, this.revCounters]) {
      c.received = 0;
      c.delivered = 0;
      c.maxQueued = 0;
    }
    this.acceptedCount = 0;
  }

  /** Reset every open connection at once: both ends see ECONNRESET, as after a NAT or router reboot. */
  cut(): void {
    for (const c of [...this.conns]) this.drop(c, true);
  }

  /**
   * Freeze the path: open connections stay open but no byte moves either way
   * (reading stops, nothing is delivered), as when a peer dies or a cable is
   * pulled; only keepalives notice. New connections are frozen too.
   */
  freeze(): void {
    this.frozen = true;
  }

  /** Let bytes move again; what was held is delivered in order. */
  thaw(): void {
    this.frozen = false;
    for (const c of this.conns) {
      c.forward.pump();
      c.reverse.pump();
    }
  }

  /** Stop accepting: new connections are refused (the port is closed); open ones go on. */
  async stopAccepting(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    // The listening socket closes at once; close()'s callback would also wait
    // for every open connection to end, which is not what stopping means here.
    this.server.close();
    await new Promise<void>((r) => setImmediate(r));
  }

  /** Accept again, on the same port as before (the first call picks it). */
  async startAccepting(): Promise<void> {
    if (this.listening) return;
    const port = this.boundPort || this.opts.port || 0;
    await new Promise<void>((res, rej) => {
      const onError = (e: Error): void => rej(e);
      this.server.once('error', onError);
      this.server.listen({ port, host: this.opts.host ?? '127.0.0.1' }, () => {
        this.server.off('error', onError);
        res();
      });
    });
    this.boundPort = (this.server.address() as net.AddressInfo).port;
    this.listening = true;
  }

  /** Cut every connection and stop listening. Safe to call twice. */
  async close(): Promise<void> {
    this.cut();
    await this.stopAccepting();
  }

  private accept(client: net.Socket): void {
    this.acceptedCount++;
    let ready = false;
    const upstream = net.connect({ host: this.opts.target.host ?? '127.0.0.1', port: this.opts.target.port, noDelay: true });
    const c: Conn = {
      client,
      upstream,
      forward: new Direction(client, upstream, this.fwd, this.fwdCounters, () => ready, () => this.frozen),
      reverse: new Direction(upstream, client, this.rev, this.revCounters, () => ready, () => this.frozen),
    };
    this.conns.add(c);
    upstream.on('connect', () => {
      ready = true;
      c.forward.pump();
      c.reverse.pump();
    });
    for (const s of [client, upstream]) {
      s.on('error', () => this.drop(c));
      s.on('close', () => this.drop(c));
    }
  }

  private drop(c: Conn, reset = false): void {
    if (!this.conns.delete(c)) return;
    c.forward.close();
    c.reverse.close();
    for (const s of [c.client, c.upstream]) {
      // resetAndDestroy needs a connected handle; a connect still pending is just destroyed.
      if (reset && !s.destroyed && !s.connecting) s.resetAndDestroy();
      else s.destroy();
    }
  }
}
