// What the viewer's real terminal can do, decided from TERM, its terminfo entry
// (read with blessed's Tput), COLORTERM and the locale. blessed misreads
// several modern entries, so a small table of built-in knowledge of terminal
// families is consulted whenever the entry it loaded is not the one asked for.

import { createRequire } from 'node:module';
import assert from '../lib/assert.js';
import type { ColorCount } from './sgr.js';

/** Capabilities of the terminal a viewer draws on. */
export interface Caps {
  /** TERM as found ('' when absent). */
  term: string;
  /** How the answer was reached, for diagnostics: e.g. 'terminfo+builtin:xterm'. */
  source: string;
  colors: ColorCount;
  /** Alternate screen, CSI ? 1049 h / l (smcup/rmcup). */
  altScreen: boolean;
  /** Cursor shape, DECSCUSR CSI Ps SP q (Ss). */
  cursorStyle: boolean;
  /** SGR 2 (dim). */
  dim: boolean;
  /** SGR 3 (sitm); the Linux console shows italic as a colour, so it is dropped there. */
  italic: boolean;
  /** SGR 5 (blink). */
  blink: boolean;
  /** SGR 8 (invis): without it concealed text is drawn as blanks. */
  invisible: boolean;
  /** SGR 9 (smxx). */
  strike: boolean;
  /** SGR 53 (Smol). */
  overline: boolean;
  /** SGR 22–29/55 clear one attribute each; a VT100 only knows SGR 0. */
  sgrClear: boolean;
  /** Erases fill with the current background (bce): EL may draw coloured blanks. */
  bce: boolean;
  /** The terminal decodes UTF-8; otherwise only ASCII is drawn. */
  unicode: boolean;
  /** Synchronized output, CSI ? 2026 h / l (Sync). */
  syncOutput: boolean;
}

type Known = Omit<Caps, 'term' | 'source' | 'unicode'>;

/* A VT100: CUP, EL/ED and SGR 0/1/4/5/7, nothing else. What we assume of a
 * terminal we know nothing about, and of `dumb`. */
const VT100: Known = {
  colors: 8,
  altScreen: false,
  cursorStyle: false,
  dim: false,
  italic: false,
  blink: true,
  invisible: false,
  strike: false,
  overline: false,
  sgrClear: false,
  bce: false,
  syncOutput: false,
};

/* A modern xterm-compatible emulator. */
const XTERMISH: Known = {
  colors: 16,
  altScreen: true,
  cursorStyle: true,
  dim: true,
  italic: true,
  blink: true,
  invisible: true,
  strike: true,
  overline: false,
  sgrClear: true,
  bce: true,
  syncOutput: false,
};

const MODERN: Known = { ...XTERMISH, colors: 16777216, overline: true, syncOutput: true };

/**
 * Built-in knowledge of terminal families, first match wins. Colour counts
 * here are for the bare name; `-256color`, `-direct` and friends are applied
 * on top. `xterm` gets 16 colours although its terminfo says 8: every
 * emulator answering to it implements SGR 90–97 (aixterm) colours.
 */
const FAMILIES: [RegExp, string, Known][] = [
  // The Linux console: bright colours via SGR 90–97 also set bold intensity,
  // italic and underline are shown as colours, no alternate screen, and its
  // cursor shape is CSI ? Ps c, not DECSCUSR.
  [/^linux/, 'linux', { ...VT100, dim: true, sgrClear: true, bce: true }],
  [/^(dumb|vt\d+|ansi$)/, 'vt100', VT100],
  // GNU screen 4 has no italic (SGR 3 becomes standout), no strike, no
  // conceal, no DECSCUSR, no bce in its terminfo, and misreads SGR 38;2.
  [/^screen/, 'screen', { ...XTERMISH, colors: 8, cursorStyle: false, italic: false, invisible: false, strike: false, bce: false }],
  [/^tmux/, 'tmux', { ...XTERMISH, colors: 8, bce: false, overline: true, syncOutput: true }],
  [/^(xterm-kitty|kitty)/, 'kitty', MODERN],
  [/^(foot|wezterm|contour|xterm-ghostty|ghostty)/, 'modern', MODERN],
  [/^alacritty/, 'alacritty', { ...MODERN, overline: false }],
  [/^(rxvt|urxvt)/, 'rxvt', { ...XTERMISH, strike: false }],
  [/^(st|stterm)(-|$)/, 'st', { ...XTERMISH, colors: 8 }],
  [/^(xterm|vte|gnome|konsole|putty|mintty|iterm|cygwin|ms-terminal)/, 'xterm', XTERMISH],
];

/** Families that must never get direct colour from COLORTERM: they misparse SGR 38;2. */
const NO_DIRECT = new Set(['linux', 'vt100', 'screen']);

/** TERM_PROGRAM values of emulators known to implement synchronized output. */
const SYNC_PROGRAMS = new Set(['iTerm.app', 'WezTerm', 'vscode', 'ghostty', 'contour']);

/* The part of blessed's Tput we use (lib/tput.js has no type declarations). */
interface TputLike {
  info?: { name?: string; names?: string[] };
  numbers: Record<string, number | undefined>;
  bools: Record<string, boolean | undefined>;
  strings: Record<string, unknown>;
}
type TputCtor = new (opts: { terminal: string; extended: boolean }) => TputLike;

/** What a trusted terminfo entry says; undefined fields are absent. */
interface Terminfo {
  colors: number;
  altScreen: boolean;
  cursorStyle: boolean;
  dim: boolean;
  italic: boolean;
  blink: boolean;
  invisible: boolean;
  strike: boolean;
  overline: boolean;
  bce: boolean;
  direct: boolean;
  syncOutput: boolean;
}

/**
 * Read the terminfo entry for `term` with blessed, or undefined when it
 * cannot be trusted. blessed cannot parse ncurses' extended-number format
 * (ncurses ≥ 6.1 writes it for `pairs#65536`), fails to compile some strings
 * (screen-256color's plab_norm, printing the generated code to stderr), and
 * then silently loads its bundled `xterm` entry instead; so the entry is only
 * trusted when its own names include `term`. Construction is synchronous, so
 * silencing console and stderr around it hides nothing else.
 */
function readTerminfo(term: string): Terminfo | undefined {
  if (!terminfos.has(term)) terminfos.set(term, loadTerminfo(term));
  return terminfos.get(term);
}

/** Entries read so far (a process reads one or two), so blessed is loaded once per entry at most. */
const terminfos = new Map<string, Terminfo | undefined>();

/**
 * What blessed's tput.js requires besides path and fs, put in require's
 * cache under the builtins' names (Node looks there first for a name without
 * `node:`; the entries go with blessed's own once it is read). node:assert
 * and node:child_process (which loads node:dgram) would otherwise load ~40
 * internal modules, ~0.6 MB resident for the life of the process, for
 * assertions on the entry's layout and a Windows-only `chcp`.
 */
function standIns(require: NodeJS.Require): void {
  let childProcess: object | undefined;
  const entries: Record<string, unknown> = {
    assert,
    // Forwarded on first use: only Windows uses it (GetConsoleCP).
    child_process: new Proxy({}, { get: (_, key) => Reflect.get((childProcess ??= require('node:child_process') as object), key) }),
  };
  for (const [id, exports] of Object.entries(entries)) {
    if (require.cache[id]) continue;
    require.cache[id] = { id, filename: id, exports, loaded: true, children: [], paths: [] } as unknown as NodeJS.Module;
  }
}

function loadTerminfo(term: string): Terminfo | undefined {
  const mute = (): boolean => true;
  const saved = {
    error: console.error,
    warn: console.warn,
    log: console.log,
    write: process.stderr.write,
  };
  let tp: TputLike;
  try {
    console.error = console.warn = console.log = (): void => {};
    process.stderr.write = mute as typeof process.stderr.write;
    // Loaded here, not at the top: blessed costs tens of milliseconds and
    // only a viewer needs it.
    const require = createRequire(import.meta.url);
    const had = new Set(Object.keys(require.cache));
    try {
      standIns(require);
      const Tput = require('blessed/lib/tput.js') as TputCtor;
      tp = new Tput({ terminal: term, extended: true });
    } finally {
      // Let blessed's modules go once read: kept, their source and code
      // (~0.3 MB) would stay for the life of the process for one lookup.
      for (const k of Object.keys(require.cache)) if (!had.has(k)) delete require.cache[k];
    }
  } catch {
    return undefined;
  } finally {
    console.error = saved.error;
    console.warn = saved.warn;
    console.log = saved.log;
    process.stderr.write = saved.write;
  }
  const names = (tp.info?.names ?? []).concat(tp.info?.name ?? []).map((n) => n.toLowerCase());
  if (!names.includes(term.toLowerCase())) return undefined;
  const has = (k: string): boolean => typeof tp.strings[k] === 'string' || typeof tp.strings[k] === 'function';
  return {
    colors: tp.numbers.max_colors ?? 0,
    altScreen: has('enter_ca_mode'),
    cursorStyle: has('Ss'),
    dim: has('enter_dim_mode'),
    italic: has('enter_italics_mode'),
    blink: has('enter_blink_mode'),
    invisible: has('enter_secure_mode'),
    strike: has('smxx'),
    overline: has('Smol'),
    bce: tp.bools.back_color_erase === true,
    direct: tp.bools.Tc === true || tp.bools.RGB === true,
    syncOutput: has('Sync'),
  };
}

function toColorCount(n: number): ColorCount {
  if (n >= 16777216) return 16777216;
  if (n >= 256) return 256;
  if (n >= 16) return 16; // 88-colour rxvt included: its 16 are standard
  return 8;
}

/**
 * Whether the locale says UTF-8: the first set of LC_ALL, LC_CTYPE, LANG (the
 * POSIX precedence). With none set we assume UTF-8: an empty locale is most
 * often a stripped environment (sudo, ssh without SendEnv, containers) on a
 * UTF-8 terminal, the session's text is UTF-8 anyway, and wrongly assuming
 * ASCII would turn every non-ASCII character into '?'. An explicit C/POSIX
 * or Latin-1 locale is honoured.
 */
function localeIsUtf8(env: NodeJS.ProcessEnv): boolean {
  const loc = env.LC_ALL || env.LC_CTYPE || env.LANG;
  if (!loc) return true;
  return /utf-?8/i.test(loc);
}

/** Decide the capabilities of the terminal described by `env` (TERM, COLORTERM, TERM_PROGRAM, locale). */
export function detectCaps(env: NodeJS.ProcessEnv = process.env): Caps {
  const term = (env.TERM ?? '').trim();
  const lower = term.toLowerCase();
  let family = 'unknown';
  let known: Known = VT100;
  for (const [re, name, k] of FAMILIES) {
    if (re.test(lower)) {
      family = name;
      known = k;
      break;
    }
  }
  const caps: Known = { ...known };

  // Colour count from the name's suffix, as ncurses names its entries.
  let direct = /-direct/.test(lower);
  if (/-256colou?r/.test(lower)) caps.colors = Math.max(caps.colors, 256) as ColorCount;
  else if (/-(16|88)colou?r/.test(lower)) caps.colors = Math.max(caps.colors, 16) as ColorCount;

  // A trusted terminfo entry adds what it declares (extended capabilities
  // like Ss, smxx and Sync are often missing from otherwise good entries, so
  // it never takes away what the family is known to have).
  // Only plain names reach blessed: it reads any path given as TERM.
  const ti = /^[a-z0-9][a-z0-9._+-]*$/.test(lower) && lower !== 'dumb' ? readTerminfo(lower) : undefined;
  if (ti) {
    caps.colors = Math.max(caps.colors, toColorCount(ti.colors)) as ColorCount;
    caps.altScreen ||= ti.altScreen;
    caps.cursorStyle ||= ti.cursorStyle;
    caps.dim ||= ti.dim;
    caps.italic ||= ti.italic;
    caps.blink ||= ti.blink;
    caps.invisible ||= ti.invisible;
    caps.strike ||= ti.strike;
    caps.overline ||= ti.overline;
    caps.bce ||= ti.bce;
    caps.syncOutput ||= ti.syncOutput;
    direct ||= ti.direct;
  }
  // The Linux console shows italic and strike-through as colours, if at all.
  if (family === 'linux') caps.italic = caps.strike = false;

  const colorterm = (env.COLORTERM ?? '').toLowerCase();
  if ((colorterm === 'truecolor' || colorterm === '24bit') && !NO_DIRECT.has(family)) direct = true;
  if (direct && family !== 'vt100' && family !== 'linux') caps.colors = 16777216;
  if (SYNC_PROGRAMS.has(env.TERM_PROGRAM ?? '') && family !== 'screen' && family !== 'linux') caps.syncOutput = true;

  return {
    term,
    source: `${ti ? 'terminfo+' : ''}builtin:${family}`,
    ...caps,
    unicode: localeIsUtf8(env),
  };
}
