// Shared pieces of the renderer tests: a seeded PRNG, random frames an
// emulator can hold, an emulator to replay output into, and a strict parser
// of the renderer's output that accepts only the sequences it may emit.

import { TermModel } from '../../src/mux/term.js';
import {
  ATTR_BLINK,
  ATTR_BOLD,
  ATTR_DIM,
  ATTR_INVERSE,
  ATTR_INVISIBLE,
  ATTR_ITALIC,
  ATTR_OVERLINE,
  ATTR_STRIKE,
  ATTR_UNDERLINE,
  COLOR_P16,
  COLOR_P256,
  COLOR_RGB,
  createGrid,
  type Grid,
} from '../../src/mux/grid.js';
import type { Caps } from '../../src/view/caps.js';
import type { Frame, FrameModes } from '../../src/view/render.js';
import type { MouseEncoding, MouseTracking, CursorStyle } from '../../src/mux/term.js';

/** mulberry32: small, fast, and the same sequence for the same seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}

/** A terminal that can do everything xterm.js can: frames round-trip exactly. */
export const FULL: Caps = {
  term: 'test-full',
  source: 'test',
  colors: 16777216,
  altScreen: true,
  cursorStyle: true,
  dim: true,
  italic: true,
  blink: true,
  invisible: true,
  strike: true,
  overline: true,
  sgrClear: true,
  bce: true,
  unicode: true,
  syncOutput: true,
};

/* Cell texts, each with the width the model (xterm.js with Unicode 11 tables) gives it. */
export const NARROW_ASCII = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;-_=+*/|#()[]{}<>~!?@$%&^'.split('');
export const NARROW_OTHER = ['é', 'ж', 'λ', '─', '│', '©', 'ß', 'Ω'];
/** Narrow in xterm.js but of uncertain width on real terminals. */
export const LOOSE_NARROW = ['→', '❤', '…', 'e\u0301', 'a\u0308\u0304', 'n\u0303'];
export const WIDE = ['日', '本', '語', '中', '文', '한', 'カ', 'Ａ'];
/** Wide in the model (Unicode 9+) but of uncertain width on older terminals. */
export const LOOSE_WIDE = ['😀', '🎉', '👍'];
export const ATTRS = [ATTR_BOLD, ATTR_DIM, ATTR_ITALIC, ATTR_UNDERLINE, ATTR_BLINK, ATTR_INVERSE, ATTR_INVISIBLE, ATTR_STRIKE, ATTR_OVERLINE];

export function randomColor(rnd: () => number): number {
  const r = rnd();
  if (r < 0.4) return 0;
  if (r < 0.6) return COLOR_P16 | Math.floor(rnd() * 16);
  if (r < 0.8) return COLOR_P256 | Math.floor(rnd() * 256);
  return COLOR_RGB | Math.floor(rnd() * 0x1000000);
}

export function randomAttrs(rnd: () => number): number {
  if (rnd() < 0.5) return 0;
  let a = 0;
  for (const bit of ATTRS) if (rnd() < 0.2) a |= bit;
  return a;
}

/** Set a cell (and a wide character's tail, which xterm.js gives the head's pen). */
export function put(g: Grid, x: number, y: number, ch: string, width: number, fg: number, bg: number, attrs: number): void {
  const i = y * g.cols + x;
  // Overwriting half of a wide pair leaves a blank in the other half, as terminals do.
  if (g.widths[i] === 0 && x > 0) blankCell(g, i - 1);
  if (g.widths[i] === 2 && x + 1 < g.cols && width !== 2) blankCell(g, i + 1);
  g.chars[i] = ch;
  g.widths[i] = width;
  g.fg[i] = fg;
  g.bg[i] = bg;
  g.attrs[i] = attrs;
  if (width === 2) {
    if (x + 2 < g.cols && g.widths[i + 2] === 0) blankCell(g, i + 2);
    g.chars[i + 1] = '';
    g.widths[i + 1] = 0;
    g.fg[i + 1] = fg;
    g.bg[i + 1] = bg;
    g.attrs[i + 1] = attrs;
  }
}

function blankCell(g: Grid, i: number): void {
  g.chars[i] = ' ';
  g.widths[i] = 1;
}

/** A random cell at (x, y): text of every kind, colours of every mode, attributes. */
export function randomCell(rnd: () => number, g: Grid, x: number, y: number): number {
  const r = rnd();
  const fg = randomColor(rnd);
  const bg = rnd() < 0.6 ? 0 : randomColor(rnd);
  const attrs = randomAttrs(rnd);
  if (r < 0.15 && x + 1 < g.cols) {
    put(g, x, y, pick(rnd, r < 0.04 ? LOOSE_WIDE : WIDE), 2, fg, bg, attrs);
    return 2;
  }
  const ch = r < 0.22 ? pick(rnd, LOOSE_NARROW) : r < 0.3 ? pick(rnd, NARROW_OTHER) : r < 0.5 ? ' ' : pick(rnd, NARROW_ASCII);
  put(g, x, y, ch, 1, fg, bg, attrs);
  return 1;
}

export function randomGrid(rnd: () => number, cols: number, rows: number): Grid {
  const g = createGrid(cols, rows);
  for (let y = 0; y < rows; y++) {
    // Some rows stay short, so blank tails (EL) are exercised.
    const end = rnd() < 0.3 ? Math.floor(rnd() * cols) : cols;
    const bg = rnd() < 0.2 ? randomColor(rnd) : 0;
    for (let x = 0; x < end; ) x += randomCell(rnd, g, x, y);
    for (let x = end; x < cols; x++) if (g.widths[y * cols + x] !== 0) put(g, x, y, ' ', 1, 0, bg, 0);
  }
  return g;
}

export function copyGrid(g: Grid): Grid {
  return {
    cols: g.cols,
    rows: g.rows,
    chars: g.chars.slice(),
    widths: g.widths.slice(),
    fg: g.fg.slice(),
    bg: g.bg.slice(),
    attrs: g.attrs.slice(),
  };
}

const TRACKINGS: MouseTracking[] = ['none', 'x10', 'vt200', 'drag', 'any'];
const ENCODINGS: MouseEncoding[] = ['default', 'sgr', 'utf8', 'urxvt', 'sgr-pixels'];
const STYLES: CursorStyle[] = ['block', 'underline', 'bar'];

export function randomModes(rnd: () => number): FrameModes {
  return {
    appCursor: rnd() < 0.5,
    appKeypad: rnd() < 0.5,
    bracketedPaste: rnd() < 0.5,
    mouseTracking: pick(rnd, TRACKINGS),
    mouseEncoding: pick(rnd, ENCODINGS),
    sendFocus: rnd() < 0.5,
  };
}

export const DEFAULT_MODES: FrameModes = {
  appCursor: false,
  appKeypad: false,
  bracketedPaste: false,
  mouseTracking: 'none',
  mouseEncoding: 'default',
  sendFocus: false,
};

export function randomFrame(rnd: () => number, grid: Grid, modes: FrameModes): Frame {
  return {
    grid,
    cursor: {
      x: Math.floor(rnd() * (grid.cols + 1)), // cols: a pending wrap
      y: Math.floor(rnd() * grid.rows),
      visible: rnd() < 0.7,
      style: pick(rnd, STYLES),
      blink: rnd() < 0.5,
    },
    modes,
  };
}

export function frameOf(grid: Grid, x = 0, y = 0): Frame {
  return { grid, cursor: { x, y, visible: true, style: 'block', blink: false }, modes: { ...DEFAULT_MODES } };
}

export function emulator(cols: number, rows: number): TermModel {
  return new TermModel({ cols, rows, scrollback: 0 });
}

export async function feed(m: TermModel, bytes: string): Promise<void> {
  m.write(bytes);
  await new Promise<void>((resolve) => m.flush(resolve));
}

export function screen(m: TermModel): Grid {
  const g = createGrid(m.cols, m.rows);
  m.readGrid(g);
  // readGrid reports the default colour as -1 (0xffffffff): compare as 0.
  for (let i = 0; i < g.fg.length; i++) {
    if (g.fg[i]! > 0x3ffffff) g.fg[i] = 0;
    if (g.bg[i]! > 0x3ffffff) g.bg[i] = 0;
  }
  return g;
}

const VISIBLE_ON_BLANK = ATTR_UNDERLINE | ATTR_INVERSE | ATTR_STRIKE | ATTR_OVERLINE;

/**
 * The first cell where the emulator's screen looks different from `want`, or
 * ''. Cells must be equal in every field, except plain blanks (no underline,
 * inverse, strike or overline), whose foreground and glyph attributes cannot
 * be seen: the renderer erases them (EL, ECH) rather than drawing them, and
 * those compare by background only.
 */
export function firstDiff(got: Grid, want: Grid): string {
  const plain = (g: Grid, i: number): boolean => g.chars[i] === ' ' && g.widths[i] === 1 && (g.attrs[i]! & VISIBLE_ON_BLANK) === 0;
  for (let i = 0; i < want.chars.length; i++) {
    const x = i % want.cols;
    const a = [got.chars[i], got.widths[i], got.fg[i], got.bg[i], got.attrs[i]];
    const b = [want.chars[i], want.widths[i], want.fg[i], want.bg[i], want.attrs[i]];
    if (a.every((v, k) => v === b[k])) continue;
    if (plain(got, i) && plain(want, i) && got.bg[i] === want.bg[i]) continue;
    const hex = (v: unknown): unknown => (typeof v === 'number' && v > 255 ? '0x' + v.toString(16) : v);
    return `cell ${x},${Math.floor(i / want.cols)}: got ${JSON.stringify(a.map(hex))} want ${JSON.stringify(b.map(hex))}`;
  }
  return '';
}

/** Private modes the renderer may set or reset. */
const PRIVATE_MODES = new Set([1, 7, 25, 1049, 2004, 9, 1000, 1002, 1003, 1005, 1006, 1015, 1016, 1004, 2026]);

/** What a parse of renderer output found: the private modes last set/reset, and keypad mode. */
export interface Parsed {
  error: string;
  modes: Map<number, boolean>;
  keypad: boolean | undefined;
  sequences: number;
}

/**
 * Check that every escape sequence in `out` is one the renderer may emit:
 * CUP, SGR, EL, ED 2, ECH 2, DECSET/DECRST of known modes, DECSCUSR, and
 * ESC = / ESC >. No OSC, DCS, C1 or other C0 control, no DEL, no bidi
 * controls. `allowCan`: stop() begins with CAN.
 */
export function parseOutput(out: string, allowCan = false): Parsed {
  const res: Parsed = { error: '', modes: new Map(), keypad: undefined, sequences: 0 };
  const fail = (at: number, why: string): Parsed => {
    res.error = `${why} at ${at}: ${JSON.stringify(out.slice(Math.max(0, at - 10), at + 20))}`;
    return res;
  };
  for (let i = 0; i < out.length; i++) {
    const c = out.charCodeAt(i);
    if (c === 0x18 && allowCan) continue;
    if (c >= 0x80 && c <= 0x9f) return fail(i, 'C1 control');
    if (c === 0x7f) return fail(i, 'DEL');
    if ([0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x2028, 0x2029].includes(c)) {
      return fail(i, 'bidi or separator');
    }
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = out.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return fail(i, 'lone surrogate');
      i++;
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return fail(i, 'lone surrogate');
    if (c !== 0x1b) {
      if (c < 0x20) return fail(i, 'C0 control');
      continue;
    }
    res.sequences++;
    const n = out[i + 1];
    if (n === '=' || n === '>') {
      res.keypad = n === '=';
      i += 1;
      continue;
    }
    if (n !== '[') return fail(i, 'ESC not CSI');
    const m = /^\x1b\[(\??)([0-9;]*)( ?)([\x40-\x7e])/.exec(out.slice(i, i + 64));
    if (!m) return fail(i, 'malformed CSI');
    const [all, priv, params, inter, final] = m;
    const ps = params!.split(';');
    const nums = ps.map((p) => (p === '' ? 0 : Number(p)));
    let ok = false;
    if (priv) {
      ok = inter === '' && (final === 'h' || final === 'l') && ps.every((p) => p !== '' && PRIVATE_MODES.has(Number(p)));
      if (ok) for (const p of nums) res.modes.set(p, final === 'h');
    } else if (inter === ' ') {
      ok = final === 'q' && nums.length === 1 && nums[0]! >= 0 && nums[0]! <= 6;
    } else if (final === 'H') {
      ok = nums.length <= 2;
    } else if (final === 'm') {
      ok = true;
    } else if (final === 'K') {
      ok = params === '';
    } else if (final === 'J') {
      ok = params === '2';
    } else if (final === 'X') {
      ok = params === '2';
    }
    if (!ok) return fail(i, 'sequence not allowed');
    i += all!.length - 1;
  }
  return res;
}
