// A message channel over one byte stream (TLS socket now, Unix socket later):
// frames out, checked messages in, keepalives, and one close with a reason.

import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { encodeFrame, compressedFrame, FrameDecoder, PREAUTH_MAX_FRAME } from './frame.js';
import { Deflater, COMPRESS_MIN } from './compress.js';
import { ProtocolError, type Bye } from './messages.js';
import { Emitter } from '../lib/event.js';
import { printable } from '../lib/printable.js';

/** Send a keepalive after this long without sending anything. */
export const KEEPALIVE_INTERVAL = 7000; // ms
/** Declare the peer gone after this long without receiving anything. */
export const PEER_TIMEOUT = 10000; // ms
/** A batch of frames is written at once when it reaches this size. */
const FLUSH_AT = 256 << 10; // bytes

export interface LinkOptions<In> {
  /** Checks each decoded frame (parseShareMessage or parseViewMessage). */
  parse: (v: unknown) => In | undefined;
  /** Frame size limit to start with (raise it with setMaxFrame after hello). */
  maxFrame?: number;
  /**
   * Compress frames after the hellos when the peer's hello says `z: true`
   * (ours must say so too). Off, frames go as they are.
   */
  compression?: boolean;
}

export interface LinkClose {
  /** For the person: why the connection ended. */
  reason: string;
  /** True when this side closed it (close/destroy), false when the peer or the network did. */
  byUs: boolean;
  /**
   * Who ended it: this side, the peer on purpose (it said bye), or the
   * network (reset, silence, a close without goodbye) — only the last is
   * worth re-dialling.
   */
  by: 'us' | 'peer' | 'network';
}

/** Framed, checked messages over a stream. */
export class Link<In extends { t: string }, Out extends { t: string }> {
  readonly onMessage = new Emitter<In>();
  readonly onClose = new Emitter<LinkClose>();
  private readonly decoder: FrameDecoder<In>;
  private closed = false;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Set once our hello is out: every later frame joins the history. */
  private deflater: Deflater | undefined;
  /** The peer's hello agreed to compression. */
  private compressOut = false;
  private readonly compression: boolean;
  private sentAt = Date.now();
  private receivedAt = Date.now();
  private keepAliveTimer: NodeJS.Timeout | undefined;
  /** Bytes of frames handed to the stream (for measurements). */
  bytesSent = 0;
  bytesReceived = 0;

  constructor(
    readonly stream: Duplex,
    opts: LinkOptions<In>,
  ) {
    this.compression = opts.compression ?? false;
    // Keystrokes and their echoes are tiny writes: Nagle's algorithm with the
    // peer's delayed ACKs would hold each for up to 40 ms.
    (stream as Partial<Socket>).setNoDelay?.(true);
    this.decoder = new FrameDecoder(opts.parse, opts.maxFrame ?? PREAUTH_MAX_FRAME, { compression: this.compression });
    stream.on('data', (chunk: Buffer) => this.receive(chunk));
    stream.on('error', (e: NodeJS.ErrnoException) => this.finish(describeSocketError(e), 'network'));
    stream.on('end', () => this.finish('the connection was closed by the peer', 'network'));
    stream.on('close', () => this.finish('the connection was closed', 'network'));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Bytes queued in this process for the stream (not the kernel's or the network's). */
  get writableLength(): number {
    return this.stream.writableLength;
  }

  /** Raise or lower the frame size limit (after a valid hello). */
  setMaxFrame(bytes: number): void {
    this.decoder.maxFrame = bytes;
  }

  /**
   * Queue a message; false when the stream's own buffer is full (flow
   * control proper is by the viewer's acknowledgements, see mux/flow.ts).
   * Messages sent in one turn of the event loop go out as one write (and,
   * when large enough and agreed, one compressed frame).
   */
  send(msg: Out): boolean {
    if (this.closed) return false;
    const frame = encodeFrame(msg);
    this.sentAt = Date.now();
    if (msg.t === 'hello') {
      // The hello goes alone and uncompressed; the history starts after it.
      this.flush();
      this.write(frame);
      if (this.compression) this.deflater = new Deflater();
      return !this.stream.writableNeedDrain;
    }
    // After this turn of the event loop, so that output read in one poll (several
    // pty reads) goes out as one batch: one compressed frame, one TLS record.
    if (this.pending.length === 0) setImmediate(() => this.flush());
    this.pending.push(frame);
    this.pendingBytes += frame.length;
    if (this.pendingBytes >= FLUSH_AT) this.flush();
    return !this.stream.writableNeedDrain;
  }

  /** Write out the queued frames now. */
  flush(): void {
    if (this.pending.length === 0 || this.stream.destroyed) {
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    const batch = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (this.deflater && this.compressOut && batch.length >= COMPRESS_MIN) {
      this.write(compressedFrame(this.deflater.compress(batch)));
    } else {
      this.deflater?.note(batch);
      this.write(batch);
    }
  }

  private write(bytes: Uint8Array): void {
    this.bytesSent += bytes.length;
    this.stream.write(bytes);
  }

  /**
   * Keep the connection provably alive: send a keepalive when we have been
   * quiet, and close when the peer has been silent for PEER_TIMEOUT.
   */
  startKeepAlive(): void {
    if (this.keepAliveTimer || this.closed) return;
    const tick = Math.min(1000, KEEPALIVE_INTERVAL / 4);
    this.keepAliveTimer = setInterval(() => {
      const now = Date.now();
      if (now - this.receivedAt > PEER_TIMEOUT) {
        this.finish(`the peer stopped answering (nothing for ${Math.round(PEER_TIMEOUT / 1000)} s)`, 'network');
        this.stream.destroy();
        return;
      }
      if (now - this.sentAt >= KEEPALIVE_INTERVAL) this.send({ t: 'ka' } as Out);
    }, tick);
    this.keepAliveTimer.unref();
  }

  /**
   * Say goodbye with a reason, then close. Resolves once the goodbye has
   * been handed to the network (or after a second): a process about to exit
   * must wait for it, or the peer sees a dropped connection instead.
   */
  close(reason: string, farewell?: Out): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (farewell) this.send(farewell);
    else this.send({ t: 'bye', reason } satisfies Bye as unknown as Out);
    this.flush();
    this.finish(reason, 'us');
    const flushed = new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, 1000);
      this.stream.once('finish', done);
      this.stream.once('close', done);
      if (this.stream.writableFinished || this.stream.destroyed) done();
    });
    this.stream.end();
    // A peer that never reads must not keep the socket open forever.
    setTimeout(() => this.stream.destroy(), 2000).unref();
    return flushed;
  }

  /** Close at once without a goodbye (protocol violations, dead peers). */
  destroy(reason: string): void {
    this.finish(reason, 'us');
    this.stream.destroy();
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    this.receivedAt = Date.now();
    this.bytesReceived += chunk.length;
    let msgs: In[];
    try {
      msgs = this.decoder.push(chunk);
    } catch (e) {
      const why = e instanceof ProtocolError ? e.message : String(e);
      this.destroy(`protocol error from the peer: ${why}`);
      return;
    }
    for (const m of msgs) {
      if (this.closed) return;
      if (m.t === 'ka') continue;
      if (m.t === 'hello' && this.compression && (m as { z?: unknown }).z === true) this.compressOut = true;
      if (m.t === 'bye') {
        // The peer is leaving on purpose: its reason is the one to show.
        const reason = (m as unknown as Bye).reason;
        this.finish(printable(reason, 200), 'peer');
        this.stream.end();
        return;
      }
      this.onMessage.fire(m);
    }
  }

  private finish(reason: string, by: LinkClose['by']): void {
    if (this.closed) return;
    this.closed = true;
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.onClose.fire({ reason, byUs: by === 'us', by });
    this.onMessage.clear();
  }
}

/** A socket error in words for the person. */
export function describeSocketError(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ECONNRESET':
      return 'the connection was reset';
    case 'EPIPE':
      return 'the connection was closed while sending';
    case 'ETIMEDOUT':
      return 'the connection timed out';
    default:
      return `connection error: ${e.message}`;
  }
}
