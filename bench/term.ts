// A terminal for the benchmark: a program on a real pty, with the terminal it
// draws on emulated by our TermModel (as in the e2e harness), plus what
// timing needs: the arrival time of every chunk, and waits that resolve in
// the parse callback of the chunk that made the screen match — not on a
// polling tick.
//
// Two times come back from a wait. `arrived`: when the bytes that completed
// the match reached the terminal (read from the pty). `visible`: when the
// emulator had parsed them. xterm headless may start a parse on a timer tick
// (≥ 1 ms in Node), a delay no real terminal has, so latencies use
// `arrived`; throughput uses `visible`, which includes the parse work a
// terminal must do for everything it is sent.

import { performance } from 'node:perf_hooks';
import { spawnPty, type Pty, type PtyExit } from '../src/mux/pty.js';
import { TermModel } from '../src/mux/term.js';
import { baseEnv } from '../test/helpers/term.js';

export interface BenchTermOptions {
  cols: number;
  rows: number;
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/** What a wait saw: see the file comment. */
export interface Seen {
  arrived: number; // performance.now() ms
  visible: number; // performance.now() ms
  /** The fallback poll found the match, not a chunk's parse callback (times less exact). */
  polled: boolean;
}

interface Watcher {
  pred: (t: BenchTerm) => boolean;
  /** Check only once this text has arrived in the raw bytes (cheap prefilter). */
  hint: Buffer | undefined;
  hintSeen: boolean;
  carry: Buffer;
  resolve: (s: Seen) => void;
}

/** Stop reading the pty while this much waits to be parsed, as a real terminal falls behind… */
const PARSE_HIGH_WATER = 4 << 20; // bytes
/** …and read again below this. */
const PARSE_LOW_WATER = 1 << 20; // bytes
/** A wait also checks the screen this often, in case a hint is drawn split up. */
const FALLBACK_POLL = 200; // ms

/** One program on a pty, its terminal emulated. */
export class BenchTerm {
  readonly pty: Pty;
  readonly model: TermModel;
  readonly exited: Promise<PtyExit>;
  exit: PtyExit | undefined;
  /** Bytes the program wrote to its terminal. */
  bytes = 0;
  /** Arrival time of the last chunk parsed, and when its parse finished. */
  private lastArrived = 0;
  private lastParsed = 0;
  private readonly watchers = new Set<Watcher>();
  private paused = false;
  private emulating = true;
  private closed = false;

  constructor(file: string, args: string[], opts: BenchTermOptions) {
    this.model = new TermModel({ cols: opts.cols, rows: opts.rows, scrollback: 200 });
    this.pty = spawnPty({
      file,
      args,
      cwd: opts.cwd ?? process.cwd(),
      env: baseEnv(opts.env),
      cols: opts.cols,
      rows: opts.rows,
    });
    this.model.onReply.on((r) => this.pty.write(r));
    this.pty.onData((d) => this.receive(d));
    this.exited = new Promise((resolve) => {
      this.pty.onExit((e) => {
        this.exit = e;
        resolve(e);
      });
    });
  }

  get pid(): number {
    return this.pty.pid;
  }

  /**
   * Stop emulating: read and count the bytes but parse nothing (a terminal
   * infinitely fast). For the user's side when only the helper's is timed;
   * the screen is stale from then on, and queries go unanswered.
   */
  sink(): void {
    this.emulating = false;
  }

  private receive(d: Uint8Array): void {
    const arrived = performance.now();
    this.bytes += d.length;
    for (const w of this.watchers) {
      if (w.hint && !w.hintSeen) {
        const b = Buffer.concat([w.carry, Buffer.from(d.buffer, d.byteOffset, d.byteLength)]);
        if (b.includes(w.hint)) w.hintSeen = true;
        else w.carry = b.subarray(Math.max(0, b.length - w.hint.length + 1));
      }
    }
    if (!this.emulating) return;
    this.model.write(d, () => this.parsed(arrived));
    if (!this.paused && this.model.pending > PARSE_HIGH_WATER) {
      this.paused = true;
      this.pty.pause();
    }
  }

  private parsed(arrived: number): void {
    this.lastArrived = arrived;
    this.lastParsed = performance.now();
    if (this.paused && this.model.pending < PARSE_LOW_WATER) {
      this.paused = false;
      this.pty.resume();
    }
    for (const w of this.watchers) {
      if (w.hint && !w.hintSeen) continue;
      if (w.pred(this)) {
        this.watchers.delete(w);
        w.resolve({ arrived, visible: this.lastParsed, polled: false });
      }
    }
  }

  /** Write to the terminal as typed keys; returns when (performance.now()). */
  type(s: string | Uint8Array): number {
    const t = performance.now();
    this.pty.write(s);
    return t;
  }

  /**
   * Resolve when `pred` holds for the screen, checked after each chunk is
   * parsed (once `hint` has arrived, when given). Rejects after `timeout` ms
   * with the screen in the message, or resolves `undefined` if `soft`.
   */
  when(pred: (t: BenchTerm) => boolean, opts: { hint?: string; timeout?: number; what?: string; soft?: true }): Promise<Seen | undefined> {
    const timeout = opts.timeout ?? 15000;
    return new Promise((resolve, reject) => {
      const w: Watcher = {
        pred,
        hint: opts.hint ? Buffer.from(opts.hint) : undefined,
        hintSeen: false,
        carry: Buffer.alloc(0),
        resolve: (s) => {
          clearTimeout(timer);
          clearInterval(poll);
          resolve(s);
        },
      };
      const timer = setTimeout(() => {
        this.watchers.delete(w);
        clearInterval(poll);
        if (opts.soft) resolve(undefined);
        else reject(new Error(`timed out after ${timeout} ms waiting for ${opts.what ?? 'the screen'}; screen:\n${this.text()}\n---`));
      }, timeout);
      // Fallback: the screen may match although the hint never arrived whole.
      const poll = setInterval(() => {
        if (this.model.pending === 0 && this.emulating && pred(this)) {
          this.watchers.delete(w);
          w.resolve({ arrived: this.lastArrived, visible: this.lastParsed, polled: true });
        }
      }, FALLBACK_POLL);
      if (!opts.hint && this.model.pending === 0 && pred(this)) {
        const now = performance.now();
        w.resolve({ arrived: now, visible: now, polled: false });
        return;
      }
      this.watchers.add(w);
    });
  }

  /** Wait for a regular expression on the screen (lines joined by \n). */
  async waitText(re: RegExp, what: string, timeout = 15000): Promise<void> {
    await this.when((t) => re.test(t.text()), { what, timeout });
  }

  /** One screen row, trailing blanks trimmed. */
  line(y: number): string {
    return this.model.lineText(y).trimEnd();
  }

  lines(): string[] {
    return Array.from({ length: this.model.rows }, (_, y) => this.line(y));
  }

  text(): string {
    return this.lines().join('\n');
  }

  /** Stop the program (SIGHUP, as when a terminal closes; then SIGKILL) and free the emulator. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.watchers) w.resolve({ arrived: NaN, visible: NaN, polled: true });
    this.watchers.clear();
    if (!this.exit) {
      this.pty.kill('SIGHUP');
      const gone = await Promise.race([this.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 1500))]);
      if (!gone) {
        this.pty.kill('SIGKILL');
        await Promise.race([this.exited, new Promise((r) => setTimeout(r, 1500))]);
      }
    }
    this.model.dispose();
  }
}
