// A real terminal for end-to-end tests: runs a command on a real pty and
// emulates the terminal it draws on (xterm headless via our TermModel), so a
// test can read the screen a person would see and every byte sent to it.

import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnPty, type Pty, type PtyExit } from '../../src/mux/pty.js';
import { TermModel } from '../../src/mux/term.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root (tests run from dist/test/helpers). */
export const ROOT = path.resolve(here, '../../..');
/** The real CLI entry point. */
export const BIN = path.join(ROOT, 'bin', 'shareterm.cjs');

export interface TermOptions {
  cols?: number;
  rows?: number;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** A character trimmed from line ends with spaces (a viewer's unused-area marker). */
  fill?: string;
}

/** A minimal, predictable environment for programs under test. */
export function baseEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? os.homedir(),
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    SHELL: '/bin/bash',
    PS1: '$ ',
  };
  // Tracing (src/lib/debug.ts) reaches the programs under test when asked for.
  if (process.env.SHARETERM_DEBUG_LOG) env.SHARETERM_DEBUG_LOG = process.env.SHARETERM_DEBUG_LOG;
  // So do Node options for them alone (e.g. --cpu-prof to profile a run).
  if (process.env.SHARETERM_CHILD_NODE_OPTIONS) env.NODE_OPTIONS = process.env.SHARETERM_CHILD_NODE_OPTIONS;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** A fresh private directory for one test's config and files. */
export function tempDir(prefix = 'shareterm-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

const live = new Set<Term>();

/** Kill every program still running from any Term (for afterEach.always hooks). */
export async function closeAllTerms(): Promise<void> {
  await Promise.all([...live].map((t) => t.close()));
}

/** One program on a pty, with a terminal emulator reading its output. */
export class Term {
  readonly pty: Pty;
  readonly model: TermModel;
  /** Every byte the program wrote to its terminal. */
  readonly raw: Buffer[] = [];
  readonly exited: Promise<PtyExit>;
  exit: PtyExit | undefined;
  private readonly trailing: RegExp;

  constructor(file: string, args: string[], opts: TermOptions = {}) {
    this.trailing = opts.fill ? new RegExp(`[ ${opts.fill}]+$`) : / +$/;
    live.add(this);
    const cols = opts.cols ?? 80;
    const rows = opts.rows ?? 24;
    this.model = new TermModel({ cols, rows, scrollback: 1000 });
    this.pty = spawnPty({
      file,
      args,
      cwd: opts.cwd ?? process.cwd(),
      env: baseEnv(opts.env),
      cols,
      rows,
    });
    // A real terminal answers queries; so does this one.
    this.model.onReply.on((r) => this.pty.write(r));
    this.pty.onData((d) => {
      this.raw.push(Buffer.from(d));
      this.model.write(d);
    });
    this.exited = new Promise((resolve) => {
      this.pty.onExit((e) => {
        this.exit = e;
        resolve(e);
      });
    });
  }

  /** Run the shareterm CLI with these arguments. */
  static cli(args: string[], opts: TermOptions = {}): Term {
    return new Term(process.execPath, [BIN, ...args], opts);
  }

  /**
   * Type `key` and time until bytes containing `echo` (default: the key)
   * reach this terminal — event-driven, not polled, for latency figures.
   */
  echoTime(key: string, echo = key, timeout = 5000): Promise<number> {
    return new Promise((resolve, reject) => {
      let seen = '';
      const start = performance.now();
      const timer = setTimeout(() => {
        sub.dispose();
        reject(new Error(`no echo of ${JSON.stringify(key)} within ${timeout} ms`));
      }, timeout);
      const sub = this.pty.onData((d) => {
        seen += Buffer.from(d).toString('latin1');
        if (seen.includes(echo)) {
          clearTimeout(timer);
          sub.dispose();
          resolve(performance.now() - start);
        }
      });
      this.pty.write(key);
    });
  }

  /** Type (or paste) into the terminal. */
  type(s: string | Uint8Array): void {
    this.pty.write(s);
  }

  /** Resize the terminal (the program gets SIGWINCH). */
  resize(cols: number, rows: number): void {
    this.model.resize(cols, rows);
    this.pty.resize(cols, rows);
  }

  /** Wait until everything received so far has been parsed. */
  async flushed(): Promise<void> {
    await new Promise<void>((r) => this.model.flush(r));
  }

  /** The screen's rows as text, trailing spaces (and fill) trimmed. */
  lines(): string[] {
    return Array.from({ length: this.model.rows }, (_, y) => this.model.lineText(y).replace(this.trailing, ''));
  }

  /** The screen as one string. */
  text(): string {
    return this.lines().join('\n');
  }

  /** All bytes written to the terminal, as a latin1 string (for searching escape sequences). */
  rawText(): string {
    return Buffer.concat(this.raw).toString('latin1');
  }

  /**
   * Wait until the screen satisfies `cond`, or fail showing the screen. A
   * regex may also match the screen with its lines joined, so text wrapped
   * by a narrow terminal still counts.
   */
  async waitFor(cond: RegExp | ((screen: string) => boolean), what = String(cond), timeout = 15000): Promise<string> {
    const test = typeof cond === 'function' ? cond : (s: string): boolean => cond.test(s) || cond.test(this.lines().join(''));
    const end = Date.now() + timeout;
    for (;;) {
      await this.flushed();
      const s = this.text();
      if (test(s)) return s;
      if (Date.now() > end) {
        throw new Error(`timed out after ${timeout} ms waiting for ${what}; screen:\n${s}\n---`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Wait for the program to exit, or fail after `timeout`. */
  async waitExit(timeout = 15000): Promise<PtyExit> {
    let timer: NodeJS.Timeout | undefined;
    const t = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`program did not exit within ${timeout} ms; screen:\n${this.text()}`)), timeout);
    });
    try {
      return await Promise.race([this.exited, t]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kill the program if it is still running and free the emulator. */
  async close(): Promise<void> {
    if (!live.delete(this)) return;
    if (!this.exit) {
      this.pty.kill('SIGKILL');
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, 2000))]);
    }
    this.model.dispose();
  }
}

/** Poll `cond` until true or fail after `timeout` ms. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeout = 15000): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
