// A fake pty for fast tests: echoes what is written, as a terminal in raw
// mode with echo on would, and exits when it reads `exit\r`.

import { Emitter, type Disposable } from '../lib/event.js';
import type { Pty, PtyExit, PtySpawnOptions, PtyFactory } from './pty.js';

let nextPid = 100000;

/** An in-memory pty that echoes its input back as output. */
export class EchoPty implements Pty {
  readonly pid = nextPid++;
  readonly process = 'echo';
  cols: number;
  rows: number;
  readonly written: Uint8Array[] = [];
  private readonly data = new Emitter<Uint8Array>();
  private readonly exit = new Emitter<PtyExit>();
  private line = '';
  private exited = false;

  constructor(opts: Pick<PtySpawnOptions, 'cols' | 'rows'>) {
    this.cols = opts.cols;
    this.rows = opts.rows;
  }

  write(d: Uint8Array | string): void {
    if (this.exited) return;
    const bytes = typeof d === 'string' ? new TextEncoder().encode(d) : d;
    this.written.push(bytes);
    queueMicrotask(() => this.data.fire(bytes));
    this.line += new TextDecoder().decode(bytes);
    if (this.line.includes('exit\r')) this.end(0);
    if (this.line.length > 64) this.line = this.line.slice(-8);
  }

  /** Output as if the program wrote it. */
  emit(d: string | Uint8Array): void {
    this.data.fire(typeof d === 'string' ? new TextEncoder().encode(d) : d);
  }

  resize(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
  }

  pause(): void {}
  resume(): void {}

  kill(): void {
    this.end(0, 15);
  }

  end(exitCode: number, signal?: number): void {
    if (this.exited) return;
    this.exited = true;
    queueMicrotask(() => this.exit.fire(signal ? { exitCode, signal } : { exitCode }));
  }

  onData(fn: (data: Uint8Array) => void): Disposable {
    return this.data.on(fn);
  }

  onExit(fn: (e: PtyExit) => void): Disposable {
    return this.exit.on(fn);
  }
}

/** A factory that records the echo ptys it makes. */
export function echoPtyFactory(made: EchoPty[] = []): PtyFactory {
  return (opts) => {
    const p = new EchoPty(opts);
    made.push(p);
    return p;
  };
}
