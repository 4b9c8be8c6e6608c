// The process's own terminal: raw mode, size, writes with backpressure, and
// putting it back as it was on exit, SIGTERM, SIGHUP or a crash.

import fs from 'node:fs';
import type { ReadStream, WriteStream } from 'node:tty';
import type { Viewer } from './viewer.js';
import type { Disposable } from '../lib/event.js';

/** Bytes that undo a viewer's changes, for the exit handler (last one wins). */
let restoreBytes: (() => string) | undefined;
let rawStdin: ReadStream | undefined;
let exitHookInstalled = false;

function restoreNow(): void {
  const fn = restoreBytes;
  restoreBytes = undefined;
  if (fn) {
    try {
      fs.writeSync(1, fn());
    } catch {
      // The terminal is gone (SIGHUP): nothing to restore.
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
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', restoreNow);
  }
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
  input.on('data', onData);
  input.resume();
  output.on('resize', onResize);
  output.on('drain', onDrain);
  process.on('SIGCONT', onCont);
  restoreBytes = () => viewer.stop();
  viewer.start();
  let done = false;
  return {
    dispose(): void {
      if (done) return;
      done = true;
      input.off('data', onData);
      input.pause();
      output.off('resize', onResize);
      output.off('drain', onDrain);
      process.off('SIGCONT', onCont);
      restoreNow();
    },
  };
}
