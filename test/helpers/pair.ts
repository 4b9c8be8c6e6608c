// A listener and a share, each the real CLI in its own pty on loopback
// (port 0 per test), connected and showing the same session.

import path from 'node:path';
import { Term, tempDir, type TermOptions } from './term.js';

export interface PairOptions {
  listenArgs?: string[];
  shareArgs?: string[];
  /** The session's program (default: bash without rc files, prompt "$ "). */
  command?: string[];
  user?: TermOptions;
  helper?: TermOptions;
  /** Wait until both sides show the session (default true). */
  waitReady?: boolean;
}

export interface Pair {
  listen: Term;
  share: Term;
  port: number;
  fingerprint: string;
  dir: string;
  close(): Promise<void>;
}

export const BASH = ['bash', '--norc', '--noprofile'];

/** Start `listen` on port 0 and return it with the port and fingerprint it printed. */
export async function startListen(args: string[] = [], opts: TermOptions = {}, dir = tempDir()): Promise<{ listen: Term; port: number; fingerprint: string; dir: string }> {
  const listen = Term.cli(['listen', '-p', '0', '--host', '127.0.0.1', ...args], {
    cols: 100, rows: 30, fill: '·', ...opts,
    env: { XDG_CONFIG_HOME: path.join(dir, 'helper-config'), ...opts.env },
  });
  const screen = await listen.waitFor(/waiting for a share/, 'the listener banner');
  // The banner wraps at the terminal width: join lines before parsing.
  const flat = listen.lines().join('');
  const port = Number(/listening on [^ ]*:(\d+)/.exec(flat)?.[1]);
  const fingerprint = /fingerprint ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})/.exec(flat)?.[1] ?? '';
  if (!port || !fingerprint) throw new Error(`could not read port/fingerprint from:\n${screen}`);
  return { listen, port, fingerprint, dir };
}

/** Start a share of `command` to 127.0.0.1:port. */
export function startShare(port: number, args: string[], command: string[] = BASH, opts: TermOptions = {}, dir = tempDir()): Term {
  return Term.cli(['share', '127.0.0.1', String(port), ...args, '--', ...command], {
    cols: 80, rows: 24, fill: '·', ...opts,
    env: { XDG_CONFIG_HOME: path.join(dir, 'user-config'), ...opts.env },
  });
}

/** A connected pair, ready for typing on either side. */
export async function startPair(o: PairOptions = {}): Promise<Pair> {
  const { listen, port, fingerprint, dir } = await startListen(o.listenArgs, o.helper);
  const share = startShare(port, ['--fingerprint', fingerprint, ...(o.shareArgs ?? [])], o.command ?? BASH, o.user, dir);
  const pair: Pair = {
    listen, share, port, fingerprint, dir,
    async close() {
      await share.close();
      await listen.close();
    },
  };
  if (o.waitReady !== false) {
    try {
      await share.waitFor(/shared with/, 'the share to show it is shared');
      await listen.waitFor(/● connected/, 'the helper to show the session');
    } catch (e) {
      await pair.close();
      throw e;
    }
  }
  return pair;
}
