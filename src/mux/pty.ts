// A pseudo-terminal and the program in it, behind a small interface: node-pty
// in the product, an echo pty in fast tests (STYLE §6).

import { createRequire } from 'node:module';
import fs from 'node:fs';
import type { Disposable } from '../lib/event.js';

export interface PtyExit {
  exitCode: number;
  signal?: number;
}

/** A program running on a pseudo-terminal. */
export interface Pty {
  readonly pid: number;
  /** Name of the program in the foreground (for window names). */
  readonly process: string;
  write(data: Uint8Array | string): void;
  resize(cols: number, rows: number): void;
  /** Stop reading the program's output (it blocks once the kernel buffer fills). */
  pause(): void;
  resume(): void;
  kill(signal?: string): void;
  onData(fn: (data: Uint8Array) => void): Disposable;
  onExit(fn: (e: PtyExit) => void): Disposable;
}

export interface PtySpawnOptions {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  cols: number;
  rows: number;
}

export type PtyFactory = (opts: PtySpawnOptions) => Pty;

/** Start a program on a real pseudo-terminal (node-pty), reading raw bytes. */
export const spawnPty: PtyFactory = (opts) => new NodePty(opts);

// node-pty is loaded when the first pty is spawned: `--help` never pays for it.
const require = createRequire(import.meta.url);

type NodePtyModule = typeof import('node-pty');
let nodePty: NodePtyModule | undefined;

/** A write the program took nothing of is retried after this long at first, doubling up to WRITE_RETRY_MAX. */
const WRITE_RETRY_MIN = 1; // ms
const WRITE_RETRY_MAX = 32; // ms

/** What node-pty keeps of the pty that its typings do not show. */
interface NodePtyInternals {
  /** The master side (non-blocking: node-pty sets O_NONBLOCK). */
  readonly fd: number;
  /** The stream reading it; destroyed once the pty is closed (and its fd with it). */
  readonly _socket: { readonly destroyed: boolean };
}

class NodePty implements Pty {
  private readonly p: import('node-pty').IPty;
  /** Bytes the program had no room for yet, in order. */
  private queue: Buffer[] = [];
  /** Milliseconds to the next retry while the program takes nothing; 0 after progress. */
  private retryDelay = 0;

  constructor(opts: PtySpawnOptions) {
    nodePty ??= require('node-pty') as NodePtyModule;
    this.p = nodePty.spawn(opts.file, opts.args, {
      name: opts.env.TERM ?? 'xterm-256color',
      cols: opts.cols,
      rows: opts.rows,
      cwd: opts.cwd,
      env: opts.env,
      encoding: null, // raw bytes: the model decodes UTF-8 across chunk boundaries itself
    });
  }

  get pid(): number {
    return this.p.pid;
  }

  get process(): string {
    try {
      return this.p.process;
    } catch {
      return ''; // the program is gone
    }
  }

  /**
   * Write to the master side at once, on this thread. (node-pty writes on
   * the thread pool: a wake-up of a worker and a wake-up back per
   * keystroke, ~0.1-0.2 ms of every echo.) The fd is non-blocking; what
   * does not fit waits, in order, and is retried — soon while the program
   * takes some, backing off while it takes nothing (a paste into a busy
   * program must not spin a CPU).
   */
  write(data: Uint8Array | string): void {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (buf.length === 0) return;
    if (this.queue.length > 0) {
      // A copy: the caller may reuse its buffer before it is written.
      this.queue.push(typeof data === 'string' ? buf : Buffer.from(buf));
      return;
    }
    const n = this.writeSome(buf);
    if (n < buf.length) {
      this.queue.push(Buffer.from(buf.subarray(n)));
      this.retry(n > 0);
    }
  }

  /** Write what fits of `buf`; the count written (all of it once the pty is gone). */
  private writeSome(buf: Buffer): number {
    const p = this.p as unknown as NodePtyInternals;
    // A closed pty's fd number may already belong to something else.
    if (p._socket.destroyed) return buf.length;
    try {
      return fs.writeSync(p.fd, buf);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return 0;
      // EIO, EBADF: the program is gone; its exit event follows.
      return buf.length;
    }
  }

  private flushQueue(): void {
    let progress = false;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const n = this.writeSome(head);
      if (n > 0) progress = true;
      if (n < head.length) {
        this.queue[0] = head.subarray(n);
        this.retry(progress);
        return;
      }
      this.queue.shift();
    }
  }

  /**
   * Try again: next turn of the event loop while the program takes some
   * (a paste goes as fast as it reads), backing off while it takes none.
   * The timer does not keep the process alive: the pty's reading does,
   * as long as the program runs.
   */
  private retry(progress: boolean): void {
    if (progress) {
      this.retryDelay = 0;
      setImmediate(() => this.flushQueue());
      return;
    }
    this.retryDelay = Math.min(WRITE_RETRY_MAX, Math.max(WRITE_RETRY_MIN, this.retryDelay * 2));
    setTimeout(() => this.flushQueue(), this.retryDelay).unref();
  }

  resize(cols: number, rows: number): void {
    try {
      this.p.resize(cols, rows);
    } catch {
      // The pty is closing (EBADF/EIO): its exit event follows.
    }
  }

  pause(): void {
    this.p.pause();
  }

  resume(): void {
    this.p.resume();
  }

  kill(signal?: string): void {
    try {
      this.p.kill(signal);
    } catch {
      // Already gone.
    }
  }

  onData(fn: (data: Uint8Array) => void): Disposable {
    // With encoding null node-pty hands out Buffers despite its string typing.
    return this.p.onData((d) => fn(d as unknown as Uint8Array));
  }

  onExit(fn: (e: PtyExit) => void): Disposable {
    return this.p.onExit((e) => fn(e.signal ? { exitCode: e.exitCode, signal: e.signal } : { exitCode: e.exitCode }));
  }
}
