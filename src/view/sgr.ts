// Colours and attributes as a viewer's terminal can show them: down-conversion
// of packed grid colours to what the terminal supports (tmux colour.c), and
// the shortest SGR (CSI Pm m) that changes the pen from one state to another.

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
  COLOR_DEFAULT,
  COLOR_MODE_MASK,
  COLOR_P16,
  COLOR_P256,
  COLOR_RGB,
  COLOR_VALUE_MASK,
} from '../mux/grid.js';

/** How many colours a terminal can show: 8/16 palette, xterm 256, or 24-bit direct colour. */
export type ColorCount = 8 | 16 | 256 | 16777216;

/** The bits a packed colour may use; anything above is not a colour of ours. */
const COLOR_BITS = COLOR_MODE_MASK | COLOR_VALUE_MASK;

/* Levels of the xterm 6x6x6 cube (colours 16–231): not evenly spread, the
 * dark end has fewer steps. The 24 greys (232–255) are 8, 18, … 238. */
const CUBE_LEVELS = [0x00, 0x5f, 0x87, 0xaf, 0xd7, 0xff];

function toCube(v: number): number {
  if (v < 48) return 0;
  if (v < 114) return 1;
  return Math.trunc((v - 35) / 40);
}

function distSq(r1: number, g1: number, b1: number, r2: number, g2: number, b2: number): number {
  return (r1 - r2) * (r1 - r2) + (g1 - g2) * (g1 - g2) + (b1 - b2) * (b1 - b2);
}

/**
 * The nearest xterm 256-palette index to an RGB colour: the closest cube
 * colour or the closest grey, whichever is nearer (tmux colour_find_rgb).
 * The first 16 colours are never chosen: users and terminals redefine them.
 */
export function rgbTo256(r: number, g: number, b: number): number {
  const qr = toCube(r);
  const qg = toCube(g);
  const qb = toCube(b);
  const cr = CUBE_LEVELS[qr]!;
  const cg = CUBE_LEVELS[qg]!;
  const cb = CUBE_LEVELS[qb]!;
  const cube = 16 + 36 * qr + 6 * qg + qb;
  if (cr === r && cg === g && cb === b) return cube;
  const avg = Math.trunc((r + g + b) / 3);
  const greyIdx = avg > 238 ? 23 : Math.trunc((avg - 3) / 10);
  const grey = 8 + 10 * greyIdx;
  return distSq(grey, grey, grey, r, g, b) < distSq(cr, cg, cb, r, g, b) ? 232 + greyIdx : cube;
}

/* 256-palette index to the nearest of the 16 ANSI colours (tmux colour_256to16). */
const TO16 = new Uint8Array([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  0, 4, 4, 4, 12, 12, 2, 6, 4, 4, 12, 12, 2, 2, 6, 4,
  12, 12, 2, 2, 2, 6, 12, 12, 10, 10, 10, 10, 14, 12, 10, 10,
  10, 10, 10, 14, 1, 5, 4, 4, 12, 12, 3, 8, 4, 4, 12, 12,
  2, 2, 6, 4, 12, 12, 2, 2, 2, 6, 12, 12, 10, 10, 10, 10,
  14, 12, 10, 10, 10, 10, 10, 14, 1, 1, 5, 4, 12, 12, 1, 1,
  5, 4, 12, 12, 3, 3, 8, 4, 12, 12, 2, 2, 2, 6, 12, 12,
  10, 10, 10, 10, 14, 12, 10, 10, 10, 10, 10, 14, 1, 1, 1, 5,
  12, 12, 1, 1, 1, 5, 12, 12, 1, 1, 1, 5, 12, 12, 3, 3,
  3, 7, 12, 12, 10, 10, 10, 10, 14, 12, 10, 10, 10, 10, 10, 14,
  9, 9, 9, 9, 13, 12, 9, 9, 9, 9, 13, 12, 9, 9, 9, 9,
  13, 12, 9, 9, 9, 9, 13, 12, 11, 11, 11, 11, 7, 12, 10, 10,
  10, 10, 10, 14, 9, 9, 9, 9, 9, 13, 9, 9, 9, 9, 9, 13,
  9, 9, 9, 9, 9, 13, 9, 9, 9, 9, 9, 13, 9, 9, 9, 9,
  9, 13, 11, 11, 11, 11, 11, 15, 0, 0, 0, 0, 0, 0, 8, 8,
  8, 8, 8, 8, 7, 7, 7, 7, 7, 7, 15, 15, 15, 15, 15, 15,
]);

/** The nearest of the 16 ANSI colours to a 256-palette index. */
export function c256To16(n: number): number {
  return TO16[n & 0xff]!;
}

/**
 * A packed grid colour as a terminal with `colors` colours shows it, still
 * packed: RGB→256 (cube or grey), 256→16, 16→8 (bright to base). Palette
 * colours the terminal has are kept in their own mode, so a P256 index below
 * 16 stays P256 on a 256-colour terminal. Values outside the packing (for
 * example -1 read as unsigned) are the default colour.
 */
export function convertColor(c: number, colors: ColorCount): number {
  if (c === COLOR_DEFAULT || (c & ~COLOR_BITS) !== 0) return COLOR_DEFAULT;
  const mode = c & COLOR_MODE_MASK;
  if (mode === 0) return COLOR_DEFAULT;
  if (colors === 16777216) return c;
  let n: number;
  if (mode === COLOR_RGB) {
    n = rgbTo256((c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff);
    if (colors === 256) return COLOR_P256 | n;
    n = c256To16(n);
  } else if (mode === COLOR_P256) {
    n = c & 0xff;
    if (colors === 256) return c & (COLOR_MODE_MASK | 0xff);
    n = c256To16(n);
  } else {
    n = c & 0x0f;
  }
  return COLOR_P16 | (colors === 8 ? n & 7 : n);
}

/** The attribute bits a terminal can show, given what it supports. */
export interface AttrSupport {
  dim: boolean;
  italic: boolean;
  blink: boolean;
  invisible: boolean;
  strike: boolean;
  overline: boolean;
}

/** Mask of the attribute bits to keep for a terminal (bold, underline and inverse always). */
export function attrMask(s: AttrSupport): number {
  return (
    ATTR_BOLD |
    ATTR_UNDERLINE |
    ATTR_INVERSE |
    (s.dim ? ATTR_DIM : 0) |
    (s.italic ? ATTR_ITALIC : 0) |
    (s.blink ? ATTR_BLINK : 0) |
    (s.invisible ? ATTR_INVISIBLE : 0) |
    (s.strike ? ATTR_STRIKE : 0) |
    (s.overline ? ATTR_OVERLINE : 0)
  );
}

/* SGR parameters that set each attribute, and those that clear it alone
 * (ECMA-48: 22 clears bold and dim together). */
const ATTR_ON: [number, string][] = [
  [ATTR_BOLD, '1'],
  [ATTR_DIM, '2'],
  [ATTR_ITALIC, '3'],
  [ATTR_UNDERLINE, '4'],
  [ATTR_BLINK, '5'],
  [ATTR_INVERSE, '7'],
  [ATTR_INVISIBLE, '8'],
  [ATTR_STRIKE, '9'],
  [ATTR_OVERLINE, '53'],
];
const ATTR_OFF: [number, string][] = [
  [ATTR_BOLD | ATTR_DIM, '22'],
  [ATTR_ITALIC, '23'],
  [ATTR_UNDERLINE, '24'],
  [ATTR_BLINK, '25'],
  [ATTR_INVERSE, '27'],
  [ATTR_INVISIBLE, '28'],
  [ATTR_STRIKE, '29'],
  [ATTR_OVERLINE, '55'],
];

/** Attribute bits: 9 of them, so tables of 512 entries. */
const ATTR_COMBOS = 512;

/* Parameters for every set of attributes turned on, and turned off, built
 * once: a frame changes pen thousands of times. */
const ON_PARAMS: string[] = [];
const OFF_PARAMS: string[] = [];
for (let bits = 0; bits < ATTR_COMBOS; bits++) {
  ON_PARAMS.push(ATTR_ON.filter(([b]) => bits & b).map(([, p]) => p).join(';'));
  OFF_PARAMS.push(ATTR_OFF.filter(([b]) => bits & b).map(([, p]) => p).join(';'));
}

/* SGR parameters of the 16 ANSI colours, foreground and background. */
const FG16 = Array.from({ length: 16 }, (_, n) => String(n < 8 ? 30 + n : 82 + n));
const BG16 = Array.from({ length: 16 }, (_, n) => String(n < 8 ? 40 + n : 92 + n));

/**
 * SGR parameters for an already converted colour: 30–37/90–97 (40–47/100–107)
 * for the 16 ANSI colours, 38;5;n for the palette, 38;2;r;g;b for direct
 * colour, 39/49 for the default.
 */
export function colorParams(c: number, bg: boolean): string {
  const mode = c & COLOR_MODE_MASK;
  if (mode === COLOR_P16) return (bg ? BG16 : FG16)[c & 0x0f]!;
  if (mode === COLOR_P256) return (bg ? '48;5;' : '38;5;') + (c & 0xff);
  if (mode === COLOR_RGB) return (bg ? '48;2;' : '38;2;') + ((c >> 16) & 0xff) + ';' + ((c >> 8) & 0xff) + ';' + (c & 0xff);
  return bg ? '49' : '39';
}

/**
 * The SGR sequence (CSI Pm m) taking the pen from (fromFg, fromBg, fromAttrs)
 * to (fg, bg, attrs), all already converted; '' when they are equal. With
 * `known` false the terminal's pen is unknown and the sequence starts from a
 * reset. With `canClear` false (VT100) attributes can only be turned off by a
 * reset. Chooses the shorter of the incremental change and reset-then-set.
 */
export function sgrChange(
  known: boolean,
  fromFg: number,
  fromBg: number,
  fromAttrs: number,
  fg: number,
  bg: number,
  attrs: number,
  canClear: boolean,
): string {
  if (known && fromFg === fg && fromBg === bg && fromAttrs === attrs) return '';
  let reset = '0';
  if (attrs !== 0) reset += ';' + ON_PARAMS[attrs & (ATTR_COMBOS - 1)];
  if (fg !== COLOR_DEFAULT) reset += ';' + colorParams(fg, false);
  if (bg !== COLOR_DEFAULT) reset += ';' + colorParams(bg, true);
  const off = fromAttrs & ~attrs;
  if (!known || (off !== 0 && !canClear)) return '\x1b[' + reset + 'm';
  // SGR 22 clears bold and dim together: set again the one that stays.
  const on = (attrs & ~fromAttrs) | (off & (ATTR_BOLD | ATTR_DIM) ? attrs & (ATTR_BOLD | ATTR_DIM) : 0);
  let inc = OFF_PARAMS[off & (ATTR_COMBOS - 1)]!;
  if (on !== 0) inc += (inc ? ';' : '') + ON_PARAMS[on & (ATTR_COMBOS - 1)];
  if (fg !== fromFg) inc += (inc ? ';' : '') + colorParams(fg, false);
  if (bg !== fromBg) inc += (inc ? ';' : '') + colorParams(bg, true);
  return '\x1b[' + (inc.length < reset.length ? inc : reset) + 'm';
}
