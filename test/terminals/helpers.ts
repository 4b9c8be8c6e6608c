// Shared pieces of the terminal-type and terminal-restore tests: a pair that is
// ready as soon as both sides draw the session, the CLI run inside a shell
// that records the tty settings around it, a reader of the cells a viewer
// drew, and a strict scanner of every escape sequence a viewer wrote.

import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { BIN, Term, tempDir, until, type TermOptions } from '../helpers/term.js';
import { BASH } from '../helpers/pair.js';
import { createGrid } from '../../src/mux/grid.js';

/** Environment variables that decide a terminal's type; undefined removes one. */
export type TermEnv = Record<string, string | undefined>;

export interface Started {
  listen: Term;
  share: Term;
  port: number;
  fingerprint: string;
  dir: string;
}

/** Read the port and fingerprint from a listener's banner, once it shows. */
export async function readBanner(listen: Term): Promise<{ port: number; fingerprint: string }> {
  const screen = await listen.waitFor(/waiting for a share/, 'the listener banner');
  const flat = listen.lines().join('');
  const port = Number(/listening on [^ ]*:(\d+)/.exec(flat)?.[1]);
  const fingerprint = /fingerprint ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})/.exec(flat)?.[1] ?? '';
  if (!port || !fingerprint) throw new Error(`could not read port/fingerprint from:\n${screen}`);
  return { port, fingerprint };
}

/**
 * Wait until both sides show the session: the user's side says who is
 * watching (a notice shown at once; the status bar's "shared with" only
 * appears when it expires, 3 s later) and the helper's says connected.
 */
export async function bothAttached(share: Term, listen: Term): Promise<void> {
  await share.waitFor(/is watching|shared with/, 'the user side to show the helper attached');
  await listen.waitFor(/● connected/, 'the helper side to show the session');
}

export interface ListenOpts {
  args?: string[];
  env?: TermEnv;
  /** Run listen inside the recording shell (see Recorded). */
  recorded?: boolean;
  term?: TermOptions;
}

export interface ShareOpts {
  args?: string[];
  env?: TermEnv;
  recorded?: boolean;
  command?: string[];
  term?: TermOptions;
  /**
   * Close the descriptors the share inherits from the test process. node-pty
   * leaks every pty master opened before into later children, and a leaked
   * master keeps a terminal from being hung up (see hangUp).
   */
  closeInherited?: boolean;
}

/** Start a listener (optionally recorded) on port 0 and read its banner. */
export async function listenOn(dir: string, o: ListenOpts = {}): Promise<{ listen: Term; port: number; fingerprint: string }> {
  const args = ['listen', '-p', '0', '--host', '127.0.0.1', ...(o.args ?? [])];
  const opts: TermOptions = { cols: 100, rows: 30, fill: '·', ...o.term, env: { XDG_CONFIG_HOME: path.join(dir, 'helper-config'), ...o.env } };
  const listen = o.recorded ? recorded(path.join(dir, 'listen'), args, opts) : cli(args, opts);
  const { port, fingerprint } = await readBanner(listen);
  return { listen, port, fingerprint };
}

/** Start a share of `command` (default bash) to 127.0.0.1:port. */
export function shareTo(dir: string, port: number, fingerprint: string, o: ShareOpts = {}): Term {
  const args = ['share', '127.0.0.1', String(port), '--fingerprint', fingerprint, ...(o.args ?? []), '--', ...(o.command ?? BASH)];
  const opts: TermOptions = { cols: 80, rows: 24, fill: '·', ...o.term, env: { XDG_CONFIG_HOME: path.join(dir, 'user-config'), ...o.env } };
  if (o.closeInherited) {
    const closeAll = 'for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done; exec "$@"';
    return new Term('bash', ['-c', closeAll, 'close-inherited', process.execPath, BIN, ...args], opts);
  }
  return o.recorded ? recorded(path.join(dir, 'share'), args, opts) : cli(args, opts);
}

/**
 * The CLI in a Term. node-pty always sets TERM in the child's environment,
 * so a test of an absent TERM runs the CLI through `env -u TERM`.
 */
function cli(args: string[], opts: TermOptions): Term {
  return unsetTerm(opts) ? new Term('env', ['-u', 'TERM', process.execPath, BIN, ...args], opts) : Term.cli(args, opts);
}

function unsetTerm(opts: TermOptions): boolean {
  return opts.env !== undefined && 'TERM' in opts.env && opts.env.TERM === undefined;
}

/** A listener and a share, both drawing the session. */
export async function startBoth(listenOpts: ListenOpts = {}, shareOpts: ShareOpts = {}): Promise<Started> {
  const dir = tempDir('shareterm-terminals-');
  const { listen, port, fingerprint } = await listenOn(dir, listenOpts);
  const share = shareTo(dir, port, fingerprint, shareOpts);
  await bothAttached(share, listen);
  return { listen, share, port, fingerprint, dir };
}

// ---- the CLI inside a recording shell --------------------------------------

/*
 * The CLI runs under sh, in the same pty: sh saves `stty -g` before, runs the
 * CLI (through a second sh that writes its pid and then execs it, so the test
 * can signal the CLI itself), then prints the exit status and saves `stty -g`
 * again. Text printed afterwards shows whether the terminal was put back: a
 * plain line (pen reset) and a line longer than the terminal (autowrap on).
 */
const RECORDER = `d=$1; shift
# Ctrl-C and a hangup are for the CLI: the recorder carries on (the CLI gets
# the default actions back when exec'd).
trap : INT HUP
stty -g > "$d/stty.before"
sh -c 'echo $$ > "$0/pid"; exec "$@"' "$d" "$@"
s=$?
echo "$s" > "$d/status"
echo "EXIT=$s"
stty -g > "$d/stty.after"
echo "AFTER-plain"
printf 'WRAP%0196d\\n' 0
echo "RECORDER-DONE"
`;

/** Files a recorded run leaves in its directory. */
export interface RecordFiles {
  dir: string;
  /** The CLI's pid (once it started). */
  pid(): number;
  /** stty -g before the CLI started, and after it exited. */
  sttyBefore(): string;
  sttyAfter(): string;
  /** The CLI's exit status, once it exited (also when the terminal is gone). */
  status(): number | undefined;
}

const recordings = new WeakMap<Term, RecordFiles>();

/** Run the CLI with `args` under the recording shell, in `dir` (created). */
export function recorded(dir: string, args: string[], opts: TermOptions): Term {
  fs.mkdirSync(dir, { recursive: true });
  const script = path.join(dir, 'recorder.sh');
  fs.writeFileSync(script, RECORDER);
  const cmd = [process.execPath, BIN, ...args];
  const term = new Term('/bin/sh', [script, dir, ...(unsetTerm(opts) ? ['env', '-u', 'TERM', ...cmd] : cmd)], opts);
  const read = (f: string): string => fs.readFileSync(path.join(dir, f), 'utf8').trim();
  recordings.set(term, {
    dir,
    pid: () => Number(read('pid')),
    sttyBefore: () => read('stty.before'),
    sttyAfter: () => read('stty.after'),
    status: () => (fs.existsSync(path.join(dir, 'status')) ? Number(read('status')) : undefined),
  });
  return term;
}

/** The recording of a Term started with recorded(). */
export function recordingOf(t: Term): RecordFiles {
  const r = recordings.get(t);
  if (!r) throw new Error('not a recorded Term');
  return r;
}

/** Wait for the recorded CLI to exit; returns its exit status as sh saw it. */
export async function recordedExit(t: Term, timeout = 15000): Promise<number> {
  await t.waitFor(/RECORDER-DONE/, 'the CLI to exit and the recorder to finish', timeout);
  const m = /EXIT=(\d+)/.exec(t.text());
  if (!m) throw new Error(`no exit status on screen:\n${t.text()}`);
  return Number(m[1]);
}

/**
 * The lines the CLI printed after its last escape sequence (when it put the
 * terminal back) and before it exited: its closing message.
 */
export function closingLines(t: Term): string[] {
  const raw = Buffer.concat(t.raw).toString('utf8');
  const end = raw.lastIndexOf('EXIT=');
  if (end < 0) throw new Error('the CLI has not exited');
  const before = raw.slice(0, end);
  let from = 0;
  for (const m of before.matchAll(/\x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]|\x1b[^[]|\x18/g)) from = m.index + m[0].length;
  return before.slice(from).split(/\r?\n/).map((l) => l.replace(/\r/g, '')).filter((l) => l !== '');
}

/**
 * Close the terminal under a Term, as closing a terminal window does: its
 * reads and writes fail (EIO), and the kernel sends SIGHUP to the session
 * leader (here the recorder, which ignores it). node-pty's destroy() closes
 * the pty master (our Pty keeps it private); a copy of the master leaked
 * into a process started later keeps the terminal open (see closeInherited).
 */
export function hangUp(t: Term): void {
  const inner = (t.pty as unknown as { p?: { destroy?: () => void } }).p;
  if (typeof inner?.destroy !== 'function') throw new Error('cannot reach the node-pty terminal to hang it up');
  inner.destroy();
}

/** The tty settings (stty -g) of the terminal the process `pid` has as stdin, now. */
export function sttyOf(pid: number): string {
  const tty = fs.readlinkSync(`/proc/${pid}/fd/0`);
  return execFileSync('stty', ['-g', '-F', tty], { encoding: 'utf8' }).trim();
}

/** Wait until the recorded CLI has written its pid, and return it. */
export async function pidOf(t: Term): Promise<number> {
  const r = recordingOf(t);
  await until(() => fs.existsSync(path.join(r.dir, 'pid')) && r.pid() > 0, 'the CLI pid');
  return r.pid();
}

// ---- cells ------------------------------------------------------------------

export interface Cell {
  ch: string;
  fg: number;
  bg: number;
  attrs: number;
}

/** The cell at (x, y) of a Term's screen. */
export function cellAt(t: Term, x: number, y: number): Cell {
  const g = createGrid(t.model.cols, t.model.rows);
  t.model.readGrid(g);
  const i = y * g.cols + x;
  return { ch: g.chars[i]!, fg: g.fg[i]!, bg: g.bg[i]!, attrs: g.attrs[i]! };
}

/**
 * The first cell of `word` on the first line matching `line` where it shows.
 * Only for lines whose text before `word` is ASCII (string index = column).
 */
export function cellOf(t: Term, word: string, line = /^/): Cell {
  const lines = t.lines();
  for (let y = 0; y < lines.length; y++) {
    if (!line.test(lines[y]!)) continue;
    const x = lines[y]!.indexOf(word);
    if (x >= 0) return cellAt(t, x, y);
  }
  throw new Error(`"${word}" is not on the screen:\n${t.text()}`);
}

// ---- escape sequences -------------------------------------------------------

/** What a viewer's terminal was found to allow, for checking its raw bytes. */
export interface Allowed {
  colors: 8 | 16 | 256 | 16777216;
  altScreen: boolean;
  cursorStyle: boolean;
  syncOutput: boolean;
  dim: boolean;
  italic: boolean;
  invisible: boolean;
  strike: boolean;
  overline: boolean;
  /** SGR 22–29 (one attribute off) rather than only SGR 0. */
  sgrClear: boolean;
  /** ECH (CSI Ps X): not on a VT100. */
  ech: boolean;
}

/**
 * Every escape sequence and control character in `raw` that a terminal with
 * `a` should not get, as readable strings (empty when all is well). Plain
 * text, CR, LF, BS, BEL and CAN pass; of the rest only the sequences a
 * viewer's renderer may send pass, each only where the terminal has it.
 */
export function badSequences(raw: string, a: Allowed): string[] {
  const bad = new Set<string>();
  const show = (s: string): string => JSON.stringify(s).slice(1, -1);
  // CSI, ESC + one character, OSC/DCS/APC/PM/SOS strings, C0/C1 controls.
  const re = /\x1b\[([\x30-\x3f]*)([\x20-\x2f]*)([\x40-\x7e])|\x1b[\]P_^X][\s\S]*?(?:\x07|\x1b\\)|\x1b([\x20-\x2f]*[\x30-\x7e])|([\x00-\x08\x0b-\x0c\x0e-\x17\x19-\x1f\x7f]|\x1b)/g;
  for (const m of raw.matchAll(re)) {
    const [all, params, inter, final, esc, ctl] = m;
    if (ctl !== undefined) {
      if (ctl !== '\x07' && ctl !== '\b') bad.add(show(all));
      continue;
    }
    if (esc !== undefined) {
      if (esc !== '=' && esc !== '>') bad.add(show(all)); // DECKPAM / DECKPNM
      continue;
    }
    if (final === undefined) {
      bad.add(show(all)); // OSC, DCS…: a viewer never sends one
      continue;
    }
    const p = params ?? '';
    const ok = ((): boolean => {
      if (inter === ' ' && final === 'q') return a.cursorStyle && /^[0-6]?$/.test(p); // DECSCUSR
      if (inter !== '') return false;
      switch (final) {
        case 'H':
          return /^(\d+(;\d+)?)?$/.test(p); // CUP
        case 'J':
          return p === '2'; // ED 2
        case 'K':
          return p === ''; // EL 0
        case 'X':
          return a.ech && /^\d*$/.test(p); // ECH
        case 'm':
          for (const s of badSgr(p, a)) bad.add(`SGR ${s} in ${show(all)}`);
          return true;
        case 'h':
        case 'l': {
          const mode = /^\?(\d+)$/.exec(p)?.[1];
          if (mode === undefined) return false;
          if (mode === '1049') return a.altScreen;
          if (mode === '2026') return a.syncOutput;
          return ['1', '7', '9', '25', '1000', '1002', '1003', '1004', '1005', '1006', '1015', '1016', '2004'].includes(mode);
        }
        default:
          return false;
      }
    })();
    if (!ok) bad.add(show(all));
  }
  return [...bad];
}

/** SGR parameters (of one CSI … m) the terminal should not get. */
export function badSgr(params: string, a: Allowed): string[] {
  if (params.includes(':')) return [params]; // the renderer only uses ';'
  const ps = params === '' ? [0] : params.split(';').map(Number);
  const bad: string[] = [];
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i]!;
    if (p === 38 || p === 48) {
      const kind = ps[i + 1];
      if (kind === 5) {
        if (a.colors < 256) bad.push(ps.slice(i, i + 3).join(';'));
        i += 2;
      } else if (kind === 2) {
        if (a.colors < 16777216) bad.push(ps.slice(i, i + 5).join(';'));
        i += 4;
      } else {
        bad.push(ps.slice(i).join(';'));
        break;
      }
      continue;
    }
    const allowed =
      [0, 1, 4, 5, 7, 39, 49].includes(p) ||
      (p === 2 && a.dim) ||
      (p === 3 && a.italic) ||
      (p === 8 && a.invisible) ||
      (p === 9 && a.strike) ||
      (p === 53 && a.overline) ||
      ([22, 24, 25, 27].includes(p) && a.sgrClear) ||
      (p === 23 && a.sgrClear && a.italic) ||
      (p === 28 && a.sgrClear && a.invisible) ||
      (p === 29 && a.sgrClear && a.strike) ||
      (p === 55 && a.sgrClear && a.overline) ||
      (p >= 30 && p <= 37) ||
      (p >= 40 && p <= 47) ||
      (((p >= 90 && p <= 97) || (p >= 100 && p <= 107)) && a.colors >= 16);
    if (!allowed) bad.push(String(p));
  }
  return bad;
}
