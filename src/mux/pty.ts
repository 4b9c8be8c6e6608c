// A pseudo-terminal and the program in it, behind a small interface: node-pty
// in the product, an echo pty in fast tests (STYLE §6).

import { createRequire } from 'node:module';
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

class NodePty implements Pty {
  private readonly p: import('node-pty').IPty;

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

  write(data: Uint8Array | string): void {
    this.p.write(typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
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
