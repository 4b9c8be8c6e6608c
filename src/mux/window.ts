// A window: one program on a pty and the terminal model that parses every
// byte it writes. The model answers the program's terminal queries.

import type { Pty, PtyExit, PtyFactory } from './pty.js';
import { TermModel, type StreamItem } from './term.js';
import { Emitter, type Disposable } from '../lib/event.js';
import { trace } from '../lib/debug.js';

/**
 * Stop reading the program once this much output waits to be parsed (up to
 * 100 ms of parsing; a flood of plain text is mostly skipped, see stale.ts)…
 */
const PARSE_HIGH_WATER = 2 << 20; // bytes
/** …and read again when the backlog is down to this. */
const PARSE_LOW_WATER = 256 << 10; // bytes

export interface WindowOptions {
  id: number;
  index: number;
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  cols: number;
  rows: number;
  scrollback: number; // lines
  spawn: PtyFactory;
}

/** One program, its pty and its model. */
export class Window {
  readonly id: number;
  index: number;
  /** Set by `rename-window`; otherwise the name follows the foreground program. */
  private fixedName: string | undefined;
  private programName: string;
  readonly model: TermModel;
  readonly pty: Pty;
  /** Each output chunk or resize, as the model receives it, in the same order. */
  readonly onStream = new Emitter<StreamItem>();
  readonly onExit = new Emitter<PtyExit>();
  private paused = false;
  private exited = false;
  private readonly subs: Disposable[] = [];

  constructor(opts: WindowOptions) {
    this.id = opts.id;
    this.index = opts.index;
    this.model = new TermModel({ cols: opts.cols, rows: opts.rows, scrollback: opts.scrollback, skipStale: true });
    this.pty = opts.spawn({
      file: opts.file,
      args: opts.args,
      cwd: opts.cwd,
      env: opts.env,
      cols: opts.cols,
      rows: opts.rows,
    });
    this.programName = baseName(opts.file);
    // A snapshot kept waiting by a sequence the program never finished: CAN
    // ends it, for the model and every live replica alike.
    this.model.breakStall = () => this.output(Uint8Array.of(0x18));
    // Queries (DA, DSR, CPR, DECRQSS) are answered here, never by a viewer.
    this.subs.push(this.model.onReply.on((r) => this.pty.write(r)));
    this.subs.push(this.pty.onData((d) => this.output(d)));
    this.subs.push(
      this.pty.onExit((e) => {
        this.exited = true;
        // Let the model finish parsing what the program wrote last.
        this.model.flush(() => this.onExit.fire(e));
      }),
    );
  }

  /** The name shown in the status bar. */
  get name(): string {
    return this.fixedName ?? this.programName;
  }

  get hasExited(): boolean {
    return this.exited;
  }

  /** Give the window a fixed name; an empty name goes back to following the program. */
  rename(name: string): void {
    this.fixedName = name === '' ? undefined : name;
  }

  /** Re-read the foreground program's name; true if the shown name changed. */
  refreshName(): boolean {
    if (this.fixedName !== undefined || this.exited) return false;
    const p = this.pty.process;
    if (!p || p === this.programName) return false;
    this.programName = baseName(p);
    return true;
  }

  /** Keystrokes for the program. */
  input(data: Uint8Array | string): void {
    if (!this.exited) this.pty.write(data);
  }

  /** Resize the pty and, in stream order, the model. */
  resize(cols: number, rows: number): void {
    if (cols === this.model.cols && rows === this.model.rows) return;
    if (!this.exited) this.pty.resize(cols, rows);
    // Clients first: the model may apply it (and take a snapshot) at once.
    this.onStream.fire({ cols, rows });
    this.model.resize(cols, rows);
  }

  private chunks = 0;

  private output(data: Uint8Array): void {
    if (trace && ++this.chunks % 256 === 0) trace(`output chunk ${this.chunks} ${data.length} bytes, parse backlog ${this.model.pending}, skipped ${this.model.skipped}, parsed ${this.model.parsedBytes}, paused ${this.paused}`);
    // Clients first: the model may parse it at once, and a snapshot taken
    // then includes it; a client that gets that snapshot must not get it again.
    this.onStream.fire(data);
    this.model.write(data, () => {
      if (this.paused && this.model.pending <= PARSE_LOW_WATER) {
        this.paused = false;
        this.pty.resume();
      }
    });
    // Backpressure to the program, as a slow real terminal would apply.
    if (!this.paused && this.model.pending > PARSE_HIGH_WATER) {
      this.paused = true;
      this.pty.pause();
    }
  }

  /** Kill the program (SIGHUP, as a terminal closing would). */
  kill(): void {
    this.pty.kill('SIGHUP');
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.subs.length = 0;
    this.onStream.clear();
    this.onExit.clear();
    this.model.dispose();
  }
}

function baseName(file: string): string {
  const i = file.lastIndexOf('/');
  return i >= 0 ? file.slice(i + 1) : file;
}
