// Warming the output path. V8 runs new code in its interpreter and compiles
// the hot parts on other threads; a program's first flood (`cat` of a big
// file) is read, scanned, skipped and drawn by cold code while the compiler
// takes a core from the program and the kernel. Measured: a 16 MiB flood's
// first MiB took 130–190 ms, each later one 35 ms.
//
// So once a session has been quiet for a moment, 1 MiB of synthetic
// coloured output goes through a private copy of the same path: a session
// of its own with one window whose "program" is a generator, the user's kind
// of viewer drawing into nothing, and a helper's kind of client whose events
// are framed and compressed as a link does, then dropped. Nothing of it
// reaches a terminal, a pty or the network, and it runs in small turns of
// the event loop (16 KiB each), so a keystroke meanwhile waits one turn at
// most. It costs about 0.25 s of CPU once, and 1–2 MB of resident memory
// for the compiled code; in an interleaved A/B of the 16 MiB flood, share's
// CPU during the flood fell by 15% (bench/ab.ts).

import { Session, type ClientEvent } from './session.js';
import type { Pty, PtyExit, PtyFactory } from './pty.js';
import { Emitter, type Disposable } from '../lib/event.js';
import { idleClock } from '../lib/bucket.js';
import { Viewer } from '../view/viewer.js';
import type { Caps } from '../view/caps.js';
import type { Layout } from '../proto/messages.js';
import { encodeFrame } from '../proto/frame.js';
import { Deflater, COMPRESS_MIN } from '../proto/compress.js';

/** Synthetic output in all (bytes)… */
export const WARM_BYTES = 1 << 20; // bytes
/** …in chunks as a pty read gives them… */
const CHUNK = 4096;
/** …this many per turn of the event loop. */
const CHUNKS_PER_TURN = 4;
/** Warm once the session has been quiet this long… */
const QUIET_FOR = 1000; // ms
/** …looking this often… */
const QUIET_POLL = 250; // ms
/** …quiet meaning no output and the event loop idle at least this share of the time. */
const QUIET_IDLE = 0.9;

export interface WarmOptions {
  cols: number;
  rows: number;
  scrollback: number;
  caps: Caps;
  bytes?: number;
}

export interface WarmResult {
  bytes: number;
  ms: number;
  /** Bytes the private viewer and client were given (for tests: the path ran). */
  drawn: number;
  framed: number;
  /** Output the model skipped as stale, and snapshots the helper's client was sent. */
  skipped: number;
  frames: number;
}

/** A pty whose program is a generator of coloured text. */
class WarmPty implements Pty {
  readonly pid = -1;
  readonly process = 'warm';
  private readonly data = new Emitter<Uint8Array>();
  private readonly exit = new Emitter<PtyExit>();
  paused = false;
  write(): void {}
  resize(): void {}
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  kill(): void {}
  emit(d: Uint8Array): void {
    this.data.fire(d);
  }
  onData(fn: (data: Uint8Array) => void): Disposable {
    return this.data.on(fn);
  }
  onExit(fn: (e: PtyExit) => void): Disposable {
    return this.exit.on(fn);
  }
}

const WORDS = 'build compile link error warning note request response session window buffer render frame socket packet header payload offset length timeout retry cache index table column deploy commit branch merge module package import export function return value'.split(' ');

/** Lines of coloured text, as logs, builds and `ls --color` print, up to `bytes`. */
export function warmText(bytes: number): Uint8Array {
  let seed = 0x2545f491;
  const next = (n: number): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const parts: string[] = [];
  let size = 0;
  let line = 0;
  while (size < bytes) {
    const words: string[] = [];
    for (let i = 0, n = 3 + next(12); i < n; i++) words.push(WORDS[next(WORDS.length)]!);
    let s: string;
    switch (line++ % 4) {
      case 0:
        s = `\x1b[2m${String(line).padStart(6, '0')}\x1b[0m \x1b[${31 + next(7)}m${words[0]!.toUpperCase()}\x1b[0m ${words.join(' ')} \x1b[4m${words[1]}/${words[2]}.ts:${next(999)}\x1b[24m`;
        break;
      case 1:
        s = `\x1b[1;34m${words[0]}\x1b[0m  \x1b[38;5;${next(256)}m${words.slice(1).join('  ')}\x1b[m`;
        break;
      case 2:
        s = `\x1b[38;2;${next(256)};${next(256)};${next(256)}m${words.join(' ')}\x1b[0m\x1b[K`;
        break;
      default:
        s = `${words.join(' ')}\t${next(100000)}`;
    }
    s += '\r\n';
    parts.push(s);
    size += s.length;
  }
  return Buffer.from(parts.join(''), 'utf8');
}

/**
 * Run synthetic output through a private session, viewer and client; resolves
 * when it has been read, parsed or skipped, drawn and framed. `stop()` ends
 * it early (the person started typing, the session ended).
 */
export function warmOutputPath(opts: WarmOptions): { done: Promise<WarmResult>; stop: () => void } {
  const t0 = performance.now();
  const text = warmText(opts.bytes ?? WARM_BYTES);
  let pty: WarmPty | undefined;
  const spawn: PtyFactory = () => (pty = new WarmPty());
  const session = new Session({ name: 'warm', file: 'warm', args: [], cwd: '/', env: {}, cols: opts.cols, rows: opts.rows, scrollback: opts.scrollback, spawn });
  let drawn = 0;
  let framed = 0;
  let frames = 0;
  let skipped = 0;
  let stopped = false;
  const viewer = new Viewer({
    role: 'owner',
    prefix: 2,
    prefixName: 'C-b',
    caps: opts.caps,
    write: (s) => {
      drawn += s.length;
      return true;
    },
    host: { input: () => {}, command: () => {}, detach: () => {}, resize: () => {} },
    model: (id) => session.window(id)?.model,
    cols: opts.cols,
    rows: opts.rows + 1,
  });
  session.start();
  viewer.start();
  session.attach(
    {
      send: (ev: ClientEvent) => {
        if (ev.t === 'layout') viewer.setLayout(ev as Layout);
      },
      close: () => {},
    },
    { name: 'warm', role: 'owner', canWrite: true, lockedReadOnly: false, cols: opts.cols, rows: opts.rows + 1, local: true },
  );
  // The helper's kind of client: framed and compressed as a link does, acknowledged at once.
  const deflater = new Deflater();
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let sent = 0;
  const helper = session.attach(
    {
      send: (ev: ClientEvent) => {
        const frame = encodeFrame(ev);
        pending.push(frame);
        pendingBytes += frame.length;
        if (ev.t === 'out' || ev.t === 'snap') sent += ev.data.length;
        if (ev.t === 'snap') frames++;
      },
      close: () => {},
    },
    { name: 'warm', role: 'helper', canWrite: false, lockedReadOnly: true, cols: opts.cols, rows: opts.rows + 1, local: false },
  );
  const flush = (): void => {
    if (pending.length === 0) return;
    const batch = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    if (batch.length >= COMPRESS_MIN) framed += deflater.compress(batch).length;
    else deflater.note(batch);
    helper.ack(sent);
  };

  let resolve!: (r: WarmResult) => void;
  const done = new Promise<WarmResult>((r) => (resolve = r));
  let at = 0;
  const finish = (): void => {
    flush();
    skipped = session.activeWindow?.model.skipped ?? 0;
    session.end('warmed');
    viewer.stop();
    resolve({ bytes: at, ms: performance.now() - t0, drawn, framed, skipped, frames });
  };
  const turn = (): void => {
    if (stopped || session.isEnded) return finish();
    if (!pty!.paused) {
      for (let k = 0; k < CHUNKS_PER_TURN && at < text.length; k++, at += CHUNK) pty!.emit(text.subarray(at, at + CHUNK));
    }
    flush();
    const model = session.activeWindow?.model;
    if (at >= text.length && model && model.pending === 0) {
      // The last paced frame and the viewer's last draw, then done.
      setTimeout(finish, 50);
      return;
    }
    setImmediate(turn);
  };
  setImmediate(turn);
  return {
    done,
    stop: () => {
      stopped = true;
    },
  };
}

/**
 * Warm the output path once `session` has been quiet for QUIET_FOR (nobody
 * typing, no output, the process idle): a person asking for help rarely
 * floods the terminal in the first second. Disposing cancels it, and stops
 * a warm-up under way.
 */
export function warmWhenQuiet(session: Session, opts: WarmOptions & { quietFor?: number; done?: (r: WarmResult) => void }): Disposable {
  const quietFor = opts.quietFor ?? QUIET_FOR;
  const written = (): number => session.listWindows().reduce((n, w) => n + w.model.written, 0);
  let lastWritten = written();
  let lastIdle = idleClock();
  let lastAt = performance.now();
  let quietSince = lastAt;
  let running: { stop: () => void } | undefined;
  const timer = setInterval(() => {
    const now = performance.now();
    const w = written();
    const idle = idleClock();
    const quiet = w === lastWritten && idle - lastIdle >= QUIET_IDLE * (now - lastAt);
    lastWritten = w;
    lastIdle = idle;
    lastAt = now;
    if (!quiet) {
      quietSince = now;
      return;
    }
    if (now - quietSince < quietFor || session.isEnded) return;
    clearInterval(timer);
    const run = warmOutputPath(opts);
    running = run;
    void run.done.then((r) => {
      running = undefined;
      opts.done?.(r);
    });
  }, Math.min(QUIET_POLL, quietFor));
  timer.unref();
  return {
    dispose(): void {
      clearInterval(timer);
      running?.stop();
    },
  };
}
