// The process's own terminal: raw mode, size, writes with backpressure, and
// putting it back as it was on exit, SIGTERM, SIGHUP or a crash; a terminal
// that goes away (hangup) ends things as SIGHUP does.

import fs from 'node:fs';
import tty, { type ReadStream, type WriteStream } from 'node:tty';
import { Viewer, prefixKeyName, type ViewerOptions } from './viewer.js';
import { detectCaps } from './caps.js';
import type { Disposable } from '../lib/event.js';

/** Bytes that undo a viewer's changes, for the exit handler (last one wins). */
let restoreBytes: (() => string) | undefined;
let rawStdin: ReadStream | undefined;

/*
 * What Renderer.stop() sends, for when a broken viewer cannot say: SGR 0,
 * application cursor and keypad off, bracketed paste, mouse reporting and
 * focus events off, autowrap on, cursor shown, alternate screen left. Only
 * used if stop() itself throws.
 */
const FALLBACK_RESTORE =
  '\x18\x1b[0m\x1b[?1l\x1b>\x1b[?2004l' +
  [9, 1000, 1002, 1003, 1005, 1006, 1015, 1016, 1004].map((n) => `\x1b[?${n}l`).join('') +
  '\x1b[?7h\x1b[?25h\x1b[?1049l';

/** Which of fds 0–2 were terminals when we started (see releaseVanishedTerminal). */
const STARTED_ON_TTY = [0, 1, 2].map((fd) => tty.isatty(fd));

function restoreNow(): void {
  const fn = restoreBytes;
  restoreBytes = undefined;
  if (fn) {
    let bytes: string;
    try {
      bytes = fn();
    } catch {
      bytes = FALLBACK_RESTORE; // a crash inside the viewer must not keep the terminal broken
    }
    try {
      fs.writeSync(1, bytes);
    } catch {
      // The terminal is gone (hangup): nothing to restore.
    }
  }
  if (rawStdin) {
    try {
      rawStdin.setRawMode(false);
    } catch {
      // Same.
    }
    rawStdin = undefined;
  }
}

/**
 * Node resets its stdio terminals' settings at exit and aborts when the
 * terminal has gone away (nodejs/node#51519, fixed by #58200 in later
 * releases; Node 20.20 still aborts): exit status 134, and maybe a core
 * dump, each time someone closes a terminal window during a session. A
 * descriptor that was a terminal at start and is none now has been hung up;
 * closing it leaves Node nothing to reset.
 */
function releaseVanishedTerminal(): void {
  for (const fd of [0, 1, 2]) {
    if (!STARTED_ON_TTY[fd] || tty.isatty(fd)) continue;
    try {
      fs.closeSync(fd);
    } catch {
      // Already closed.
    }
  }
}

process.on('exit', () => {
  restoreNow();
  releaseVanishedTerminal();
});

/*
 * A terminal that fails reads or writes (EIO) or reaches the end of input
 * has been hung up, but a SIGHUP may never come (the kernel sends it to the
 * session leader, and only some shells pass it on), so act as if it had:
 * share and listen end on SIGHUP. Once is enough.
 */
let hungUp = false;
function hangUp(): void {
  if (hungUp) return;
  hungUp = true;
  process.emit('SIGHUP', 'SIGHUP');
}

/* Streams given an 'error' listener, which stays: a stream that failed may
 * report again, and an unhandled 'error' would be taken for a crash. */
const watched = new WeakSet<NodeJS.EventEmitter>();
function watchErrors(s: NodeJS.EventEmitter): void {
  if (watched.has(s)) return;
  watched.add(s);
  s.on('error', hangUp);
}

/** Put the terminal back now, if a viewer has it (for fatal errors). */
export function restoreTerminal(): void {
  restoreNow();
}

/** True when both stdin and stdout are terminals. */
export function haveTerminal(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}

/** The terminal's size, with a sane default when it reports none. */
export function terminalSize(out: WriteStream = process.stdout): { cols: number; rows: number } {
  return { cols: out.columns || 80, rows: out.rows || 24 };
}

/**
 * Hand the terminal to a viewer: raw mode, keystrokes to it, resizes and
 * drains to it. Disposing (or exiting) puts the terminal back.
 */
export function bindTerminal(viewer: Viewer, input: ReadStream = process.stdin, output: WriteStream = process.stdout): Disposable {
  input.setRawMode(true);
  rawStdin = input;
  const onData = (d: Buffer): void => viewer.input(d);
  const onResize = (): void => {
    const s = terminalSize(output);
    viewer.resize(s.cols, s.rows);
  };
  const onDrain = (): void => viewer.drain();
  const onCont = (): void => {
    // Back from a suspend: the terminal may have been used by something else.
    input.setRawMode(true);
    viewer.redraw();
  };
  const onEnd = (): void => hangUp();
  input.on('data', onData);
  input.on('end', onEnd);
  watchErrors(input);
  input.resume();
  output.on('resize', onResize);
  output.on('drain', onDrain);
  watchErrors(output);
  process.on('SIGCONT', onCont);
  // Test-only fault injection, read here and nowhere else: with
  // SHARETERM_TEST_FAULT=throw-on-SIGUSR2, SIGUSR2 makes an event callback
  // throw while a viewer owns the terminal, as a bug would, so the tests
  // (test/terminals/restore.test.ts) can check the terminal is put back
  // after an internal crash. Without the variable nothing is installed.
  const onFault = (): void => {
    throw new Error('test fault injected by SHARETERM_TEST_FAULT');
  };
  const faulty = process.env.SHARETERM_TEST_FAULT === 'throw-on-SIGUSR2';
  if (faulty) process.on('SIGUSR2', onFault);
  restoreBytes = () => viewer.stop();
  viewer.start();
  let done = false;
  return {
    dispose(): void {
      if (done) return;
      done = true;
      input.off('data', onData);
      input.off('end', onEnd);
      input.pause();
      output.off('resize', onResize);
      output.off('drain', onDrain);
      process.off('SIGCONT', onCont);
      if (faulty) process.off('SIGUSR2', onFault);
      restoreNow();
    },
  };
}

/** A viewer that draws on this process's terminal: its size, its capabilities, stdout. */
export function terminalViewer(opts: Pick<ViewerOptions, 'role' | 'prefix' | 'model' | 'host'>): Viewer {
  const size = terminalSize();
  return new Viewer({
    ...opts,
    prefixName: prefixKeyName(opts.prefix),
    caps: detectCaps(),
    write: (s) => process.stdout.write(s),
    cols: size.cols,
    rows: size.rows,
  });
}
