// The screen renderer: turns frames drawn from a terminal model into the bytes
// that bring the viewer's real terminal from the last frame to the next, by
// diff (mosh's new_frame(last, next), tmux's tty.c). It never forwards a
// peer's bytes and it is the last line of defence against escape-sequence
// injection: whatever a cell holds, only printable text and our own
// sequences leave here.

import { ATTR_INVERSE, ATTR_INVISIBLE, ATTR_OVERLINE, ATTR_STRIKE, ATTR_UNDERLINE, createGrid, type Grid } from '../mux/grid.js';
import type { CursorStyle, Modes } from '../mux/term.js';
import type { Caps } from './caps.js';
import { attrMask, convertColor, sgrChange } from './sgr.js';

/** The input modes of the program that the viewer's terminal mirrors. */
export type FrameModes = Pick<Modes, 'appCursor' | 'appKeypad' | 'bracketedPaste' | 'mouseTracking' | 'mouseEncoding' | 'sendFocus'>;

/** Where the cursor is and how it looks. x may equal cols while a wrap is pending. */
export interface FrameCursor {
  x: number;
  y: number;
  visible: boolean;
  style: CursorStyle;
  blink: boolean;
}

/** One picture of the screen: exactly the real terminal's size. */
export interface Frame {
  grid: Grid;
  cursor: FrameCursor;
  modes: FrameModes;
}

const CSI = '\x1b[';
const SYNC_BEGIN = '\x1b[?2026h'; // synchronized output: the terminal holds the frame back
const SYNC_END = '\x1b[?2026l';
const CURSOR_HIDE = '\x1b[?25l'; // DECTCEM
const CURSOR_SHOW = '\x1b[?25h';
const AUTOWRAP_OFF = '\x1b[?7l'; // DECAWM
const AUTOWRAP_ON = '\x1b[?7h';
const ERASE_DISPLAY = '\x1b[2J'; // ED 2
const ERASE_LINE = '\x1b[K'; // EL 0: cursor to end of line
const ERASE_TWO = '\x1b[2X'; // ECH 2: blank this cell and the next, cursor stays
const SGR_RESET = '\x1b[0m';
const ALT_ENTER = '\x1b[?1049h'; // save cursor, alternate screen, clear
const ALT_LEAVE = '\x1b[?1049l';
const CANCEL = '\x18'; // CAN: abandons any sequence a cut-off write left open

/** Largest run of unchanged cells rewritten instead of moving over them: a CUP is at least 6 bytes. */
const MAX_GAP = 3; // cells
/** Changed blanks at the end of a row worth an EL instead of spaces. */
const MIN_ERASE = 3; // cells
/** Code points kept in one cell: bounds combining-mark floods; fits emoji ZWJ sequences. */
const MAX_CELL_CODEPOINTS = 16;
/** Distinct cell texts remembered for sanitizing; the cache is dropped when full. */
const GLYPH_CACHE_SIZE = 4096; // entries
/** Packed colours use no bits above these; anything larger reads as the default. */
const COLOR_BITS = 0x3ffffff;

/* Mouse reporting modes: DECSET numbers of tracking and encoding. */
const TRACKING: Record<FrameModes['mouseTracking'], number> = { none: 0, x10: 9, vt200: 1000, drag: 1002, any: 1003 };
const ENCODING: Record<FrameModes['mouseEncoding'], number> = { default: 0, utf8: 1005, sgr: 1006, urxvt: 1015, 'sgr-pixels': 1016 };

/* How far the terminal's idea of a glyph's width can be trusted, which
 * decides whether the next cell may follow without a CUP.
 * EXACT: ASCII, and CJK ideographs, kana, Hangul and full-width forms of
 * Unicode 1.1–3.0 as wide: every wcwidth since 2000 agrees.
 * RUN: a single code point of Latin, Greek, Cyrillic or box drawing. Some of
 * these are East Asian "ambiguous" and drawn wide by terminals set up so;
 * adjacent RUN cells follow each other, and a CUP comes before anything else,
 * so such a terminal misplaces at most the run itself (up to the next space).
 * LOOSE: everything else (emoji, symbols, combining sequences, other scripts):
 * width tables disagree with xterm.js and with each other (Unicode versions,
 * VS16, ZWJ), so a CUP follows every one. */
const EXACT = 0;
const RUN = 1;
const LOOSE = 2;

/** Cell text that is safe to print, and how much its width can be trusted. */
interface Glyph {
  text: string;
  kind: number;
}

const BLANK: Glyph = { text: ' ', kind: EXACT };
const BLANK2: Glyph = { text: '  ', kind: EXACT };

const BIDI_CONTROLS = new Set([0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]);
const MARK = /^\p{M}$/u;
const FORMAT_OR_SEPARATOR = /^[\p{Cf}\p{Zl}\p{Zp}]$/u;
/** U+00AD: format (Cf) by category, but terminals and wcwidth draw it as a one-cell hyphen. */
const SOFT_HYPHEN = 0xad;
const PICTOGRAPHIC = /^\p{Extended_Pictographic}$/u;
const UNASSIGNED = /^\p{Cn}$/u;

/** A code point that must never reach the terminal: C0, DEL, C1, a lone surrogate. */
function isControl(cp: number): boolean {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0xd800 && cp <= 0xdfff);
}

/** A code point that may follow the first in a cell: zero-width and joining only. */
function mayFollow(cp: number, prev: number): boolean {
  if (isControl(cp) || BIDI_CONTROLS.has(cp)) return false;
  if (cp === 0x200d || cp === 0x200c) return true; // ZWJ, ZWNJ
  if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef)) return true; // variation selectors
  if (cp >= 0x1f3fb && cp <= 0x1f3ff) return true; // emoji skin tones
  if (cp >= 0xe0020 && cp <= 0xe007f) return true; // emoji tag sequences (subdivision flags)
  if (cp >= 0x1f1e6 && cp <= 0x1f1ff && prev >= 0x1f1e6 && prev <= 0x1f1ff) return true; // flag pairs
  const s = String.fromCodePoint(cp);
  if (prev === 0x200d && PICTOGRAPHIC.test(s)) return true;
  return MARK.test(s);
}

/** How a single non-ASCII code point of the given width is trusted (see EXACT, RUN, LOOSE). */
function kindOf(cp: number, width: number): number {
  if (width === 1) {
    const s = String.fromCodePoint(cp);
    const ranged = (cp >= 0xa1 && cp <= 0x24f && cp !== 0xad) || (cp >= 0x370 && cp <= 0x4ff) || (cp >= 0x2500 && cp <= 0x259f);
    return ranged && !MARK.test(s) && !UNASSIGNED.test(s) ? RUN : LOOSE;
  }
  const wide =
    (cp >= 0x3041 && cp <= 0x3096) || // hiragana
    (cp >= 0x30a1 && cp <= 0x30fa) || // katakana
    (cp >= 0x3400 && cp <= 0x4db5) || // CJK extension A
    (cp >= 0x4e00 && cp <= 0x9fa5) || // CJK unified ideographs of Unicode 1.1
    (cp >= 0xac00 && cp <= 0xd7a3) || // Hangul syllables
    (cp >= 0xff01 && cp <= 0xff60) || // full-width forms
    (cp >= 0xffe0 && cp <= 0xffe6);
  return wide ? EXACT : LOOSE;
}

/** An ASCII stand-in for box drawing on a terminal without UTF-8. */
function asciiFallback(cp: number, width: number): string {
  if (width === 1 && cp >= 0x2500 && cp <= 0x257f) {
    const horizontal = [0x2500, 0x2501, 0x2504, 0x2505, 0x2508, 0x2509, 0x254c, 0x254d, 0x2550, 0x2574, 0x2576, 0x2578, 0x257a, 0x257c, 0x257e];
    const vertical = [0x2502, 0x2503, 0x2506, 0x2507, 0x250a, 0x250b, 0x254e, 0x254f, 0x2551, 0x2575, 0x2577, 0x2579, 0x257b, 0x257d, 0x257f];
    if (horizontal.includes(cp)) return '-';
    if (vertical.includes(cp)) return '|';
    return '+';
  }
  if (width === 1 && cp >= 0x2580 && cp <= 0x259f) return '#';
  return '?'.repeat(width);
}

/**
 * What to print for a cell's text occupying `width` columns. The first code
 * point must be printable and not zero-width (else '?'); after it only
 * zero-width and joining code points are kept (combining marks, variation
 * selectors, ZWJ sequences), at most MAX_CELL_CODEPOINTS. C0, DEL, C1, bidi
 * overrides and isolates, line and paragraph separators and lone surrogates
 * never pass. Text that still cannot fill its width is padded with spaces.
 */
export function sanitizeCell(ch: string, width: number, unicode: boolean): string {
  return makeGlyph(ch, width, unicode).text;
}

function makeGlyph(ch: string, width: number, unicode: boolean): Glyph {
  let text = '';
  let prev = -1;
  let n = 0;
  for (const s of ch) {
    const cp = s.codePointAt(0)!;
    if (n === 0) {
      if (isControl(cp) || BIDI_CONTROLS.has(cp) || MARK.test(s) || (cp !== SOFT_HYPHEN && FORMAT_OR_SEPARATOR.test(s))) {
        return { text: '?'.repeat(width), kind: EXACT };
      }
      if (!unicode && cp >= 0x80) return { text: asciiFallback(cp, width), kind: EXACT };
      text = s;
    } else if (n >= MAX_CELL_CODEPOINTS) {
      break;
    } else if (unicode && mayFollow(cp, prev)) {
      text += s;
    } else {
      continue;
    }
    prev = cp;
    n++;
  }
  if (n === 0) return width === 2 ? BLANK2 : BLANK;
  const first = text.codePointAt(0)!;
  if (first < 0x80) {
    // ASCII base (any marks were dropped without UTF-8, or kept with it).
    if (text.length === 1) return { text: width === 2 ? text + ' ' : text, kind: EXACT };
    return { text, kind: LOOSE };
  }
  const single = text.length === (first > 0xffff ? 2 : 1);
  return { text, kind: single ? kindOf(first, width) : LOOSE };
}

/** A colour read as unsigned -1 or otherwise outside the packing is the default. */
function norm(c: number): number {
  return c > COLOR_BITS ? 0 : c;
}

/** Attributes that show on a blank cell; the others (bold, dim, italic, blink, conceal) only change glyphs. */
const SHOWS_ON_BLANK = ATTR_UNDERLINE | ATTR_INVERSE | ATTR_STRIKE | ATTR_OVERLINE;

/** A blank whose only visible property is its background (what EL and ECH leave). */
function plainBlank(g: Grid, i: number): boolean {
  return g.chars[i] === ' ' && g.widths[i] === 1 && (g.attrs[i]! & SHOWS_ON_BLANK) === 0;
}

/**
 * Whether cell i of g looks different from what the terminal shows (`last`,
 * stored as given). Colours compare normalised, and plain blanks by
 * background only: their foreground and glyph attributes cannot be seen, so
 * they are not redrawn.
 */
function differs(g: Grid, last: Grid, i: number): boolean {
  const fg = norm(g.fg[i]!);
  const bg = norm(g.bg[i]!);
  const lbg = norm(last.bg[i]!);
  if (g.chars[i] === last.chars[i] && g.widths[i] === last.widths[i] && fg === norm(last.fg[i]!) && bg === lbg && g.attrs[i] === last.attrs[i]) {
    return false;
  }
  return !(bg === lbg && plainBlank(g, i) && plainBlank(last, i));
}

/**
 * Whether cell i looks the same in g as in `last`: all its fields are (the
 * common case, checked inline), or it looks so (differs()).
 */
function sameCell(g: Grid, last: Grid, i: number): boolean {
  return (
    (g.chars[i] === last.chars[i] && g.widths[i] === last.widths[i] && g.fg[i] === last.fg[i] && g.bg[i] === last.bg[i] && g.attrs[i] === last.attrs[i]) ||
    !differs(g, last, i)
  );
}

/**
 * Columns a cell takes as drawn: 2 for a wide character whose tail follows,
 * 0 for that tail, 1 for anything else. A wide character without room or
 * without its tail, and a tail without its head, are drawn as a blank.
 */
function cellWidth(g: Grid, i: number, x: number): number {
  const w = g.widths[i]!;
  if (w === 1) return 1;
  if (w === 2) return x + 1 < g.cols && g.widths[i + 1] === 0 ? 2 : 1;
  if (w === 0) return x > 0 && g.widths[i - 1] === 2 ? 0 : 1;
  return 1;
}

/** CUP (CSI Ps ; Ps H) to a 0-based position, with the shortest parameters. */
function cup(x: number, y: number): string {
  if (x === 0) return y === 0 ? '\x1b[H' : `${CSI}${y + 1}H`;
  return `${CSI}${y + 1};${x + 1}H`;
}

/** DECSCUSR parameter: 0 (the terminal's own default) for a steady block, else 1–6. */
function styleParam(style: CursorStyle, blink: boolean): number {
  const base = style === 'underline' ? 3 : style === 'bar' ? 5 : 1;
  if (base === 1 && !blink) return 0;
  return blink ? base : base + 1;
}

/** Draws frames on one terminal, keeping what it shows to send only the difference. */
export class Renderer {
  private readonly caps: Caps;
  private readonly mask: number;
  /** What the terminal shows (cells as given; compared through differs()); undefined when unknown. */
  private last: Grid | undefined;
  private penKnown = false;
  private penFg = 0;
  private penBg = 0;
  private penAttrs = 0;
  /** Where the terminal's cursor is, or cx -1 when unknown. */
  private cx = -1;
  private cy = -1;
  /** The last glyph was RUN: the cursor is where we think only for another RUN glyph. */
  private drift = false;
  private cursorShown: boolean | undefined;
  /** Last DECSCUSR parameter sent; 0 is the terminal's default, -1 unknown. */
  private style = 0;
  private styleTouched = false;
  private modes: FrameModes | undefined;
  /** start() entered the alternate screen. */
  private inAlt = false;
  /** We have drawn since the last stop(). */
  private drawn = false;
  private dirty = new Uint8Array(0);
  private readonly glyphs = [new Map<string, Glyph>(), new Map<string, Glyph>()];

  constructor(caps: Caps) {
    this.caps = caps;
    this.mask = attrMask(caps);
  }

  /** Forget what the terminal shows: the next render() redraws everything (after resize, SIGCONT, a lost write). */
  invalidate(): void {
    this.last = undefined;
    this.penKnown = false;
    this.cx = -1;
    this.drift = false;
    this.cursorShown = undefined;
    this.modes = undefined;
    if (this.styleTouched) this.style = -1;
  }

  /** Bytes to enter drawing: alternate screen when the caps have it, clear, autowrap off. */
  start(): string {
    this.invalidate();
    let s = '';
    if (this.caps.altScreen) {
      s += ALT_ENTER;
      this.inAlt = true;
    }
    this.drawn = true;
    // Autowrap off: a glyph the terminal thinks wider than we do overwrites
    // the last column instead of wrapping and scrolling the whole screen.
    return s + SGR_RESET + '\x1b[H' + ERASE_DISPLAY + AUTOWRAP_OFF;
  }

  /**
   * Bytes that put the terminal back as it was: every mode we may have changed
   * reset, SGR 0, cursor shown, cursor style reset if we changed it, the
   * alternate screen left (or, without one, the screen cleared). Safe at any
   * time, even after half a frame was written, and repeatedly.
   */
  stop(): string {
    let s = CANCEL;
    if (this.caps.syncOutput) s += SYNC_END;
    s += SGR_RESET;
    s += '\x1b[?1l\x1b>\x1b[?2004l'; // DECCKM off, DECKPNM, bracketed paste off
    for (const n of [9, 1000, 1002, 1003, 1005, 1006, 1015, 1016, 1004]) s += `${CSI}?${n}l`;
    s += AUTOWRAP_ON;
    if (this.styleTouched && this.caps.cursorStyle) s += `${CSI}0 q`;
    s += CURSOR_SHOW;
    if (this.inAlt) s += ALT_LEAVE;
    else if (this.drawn) s += '\x1b[H' + ERASE_DISPLAY;
    this.inAlt = false;
    this.drawn = false;
    this.styleTouched = false;
    this.invalidate();
    this.style = 0;
    return s;
  }

  /** Bytes that take the terminal from the last frame rendered to `next` (everything on the first call or after invalidate()). */
  render(next: Frame): string {
    const g = next.grid;
    const cols = g.cols;
    const rows = g.rows;
    let body = '';
    let full = false;
    if (!this.last || this.last.cols !== cols || this.last.rows !== rows) {
      full = true;
      this.last = createGrid(cols, rows); // what ED 2 leaves
      body = SGR_RESET + ERASE_DISPLAY + AUTOWRAP_OFF;
      this.penKnown = true;
      this.penFg = this.penBg = this.penAttrs = 0;
      this.cx = -1;
      this.drawn = true;
    }
    if (cols > 0 && rows > 0) body += this.drawCells(g, this.last, full);

    const tail = this.modeChanges(next.modes, full) + this.styleChange(next.cursor);
    let end = '';
    const visible = next.cursor.visible;
    if (cols > 0 && rows > 0) {
      const x = Math.max(0, Math.min(cols - 1, Math.trunc(next.cursor.x) || 0));
      const y = Math.max(0, Math.min(rows - 1, Math.trunc(next.cursor.y) || 0));
      if (this.cx !== x || this.cy !== y || this.drift) end = cup(x, y);
      this.cx = x;
      this.cy = y;
      this.drift = false;
    }
    if (body === '') {
      if (visible !== this.cursorShown) end += visible ? CURSOR_SHOW : CURSOR_HIDE;
      this.cursorShown = visible;
      return tail + end;
    }
    // Hide the cursor while drawing so it never flickers across the screen.
    let out = this.caps.syncOutput ? SYNC_BEGIN : '';
    if (this.cursorShown !== false) out += CURSOR_HIDE;
    out += body + tail + end;
    if (visible) out += CURSOR_SHOW;
    this.cursorShown = visible;
    if (this.caps.syncOutput) out += SYNC_END;
    return out;
  }

  /** DECSET/DECRST for the input modes that changed (all of them when the terminal's are unknown). */
  private modeChanges(m: FrameModes, full: boolean): string {
    const old = full ? undefined : this.modes;
    let s = '';
    if (!old || old.appCursor !== m.appCursor) s += m.appCursor ? '\x1b[?1h' : '\x1b[?1l'; // DECCKM
    if (!old || old.appKeypad !== m.appKeypad) s += m.appKeypad ? '\x1b=' : '\x1b>'; // DECKPAM / DECKPNM
    if (!old || old.bracketedPaste !== m.bracketedPaste) s += m.bracketedPaste ? '\x1b[?2004h' : '\x1b[?2004l';
    if (!old || old.mouseTracking !== m.mouseTracking) {
      // Turn the old mode off first: terminals differ in whether modes stack.
      if (!old) s += '\x1b[?9l\x1b[?1000l\x1b[?1002l\x1b[?1003l';
      else if (old.mouseTracking !== 'none') s += `${CSI}?${TRACKING[old.mouseTracking]}l`;
      if (m.mouseTracking !== 'none') s += `${CSI}?${TRACKING[m.mouseTracking]}h`;
    }
    if (!old || old.mouseEncoding !== m.mouseEncoding) {
      if (!old) s += '\x1b[?1005l\x1b[?1006l\x1b[?1015l\x1b[?1016l';
      else if (old.mouseEncoding !== 'default') s += `${CSI}?${ENCODING[old.mouseEncoding]}l`;
      if (m.mouseEncoding !== 'default') s += `${CSI}?${ENCODING[m.mouseEncoding]}h`;
    }
    if (!old || old.sendFocus !== m.sendFocus) s += m.sendFocus ? '\x1b[?1004h' : '\x1b[?1004l';
    this.modes = { ...m };
    return s;
  }

  /** DECSCUSR (CSI Ps SP q) when the cursor's shape changed and the terminal has it. */
  private styleChange(c: FrameCursor): string {
    if (!this.caps.cursorStyle) return '';
    const p = styleParam(c.style, c.blink);
    if (p === this.style) return '';
    this.style = p;
    this.styleTouched = true;
    return `${CSI}${p} q`;
  }

  private glyph(ch: string, width: number): Glyph {
    const cache = this.glyphs[width === 2 ? 1 : 0]!;
    let gl = cache.get(ch);
    if (gl === undefined) {
      if (cache.size >= GLYPH_CACHE_SIZE) cache.clear();
      gl = makeGlyph(ch, width, this.caps.unicode);
      cache.set(ch, gl);
    }
    return gl;
  }

  /** SGR to the pen of a cell, already converted for the terminal. */
  private pen(fg: number, bg: number, attrs: number): string {
    const s = sgrChange(this.penKnown, this.penFg, this.penBg, this.penAttrs, fg, bg, attrs, this.caps.sgrClear);
    this.penKnown = true;
    this.penFg = fg;
    this.penBg = bg;
    this.penAttrs = attrs;
    return s;
  }

  /**
   * The cells of `g` that differ from `last`, drawn; `last` becomes `g`. A
   * grid that tracks damage has only its damaged rows looked at (all of them
   * when `full`), and its damage cleared.
   */
  private drawCells(g: Grid, last: Grid, full: boolean): string {
    if (this.dirty.length < g.cols) this.dirty = new Uint8Array(g.cols);
    let out = '';
    const damage = full ? undefined : g.damage;
    for (let y = 0; y < g.rows; y++) {
      if (damage && damage[y] === 0) continue;
      out += this.drawRow(g, last, y);
    }
    g.damage?.fill(0);
    return out;
  }

  /**
   * Row y of drawCells. A method of its own, so that V8 optimises it once for
   * all rows (each call is one row's short loops), where the whole frame in
   * one function was compiled twice in a flood's first frames: once on stack
   * replacement in the middle of its long loop, once more for its next call.
   */
  private drawRow(g: Grid, last: Grid, y: number): string {
    const cols = g.cols;
    const colors = this.caps.colors;
    const mask = this.mask;
    const concealed = (mask & ATTR_INVISIBLE) === 0;
    const dirty = this.dirty;
    let out = '';
    const { chars, widths, fg: fgs, bg: bgs, attrs: attrss } = g;
    const { chars: lchars, widths: lwidths, fg: lfgs, bg: lbgs, attrs: lattrs } = last;
    const row = y * cols;
    // Which cells changed; a row that did not is skipped whole.
    let first = -1;
    for (let x = 0; x < cols; x++) {
      if (!sameCell(g, last, row + x)) {
        first = x;
        break;
      }
    }
    if (first < 0) return out;
    dirty.fill(0, 0, cols);
    let wide = false;
    for (let x = 0; x < cols; x++) {
      const i = row + x;
      if (widths[i] !== 1 || lwidths[i] !== 1) wide = true;
      if (x >= first && !sameCell(g, last, i)) dirty[x] = 1;
    }
    if (wide) this.spreadOverWide(g, last, row, dirty);

    // Plain blanks the end of the row could be erased to with EL.
    let blankFrom = cols;
    const eraseBg = convertColor(g.bg[row + cols - 1]!, colors);
    if (eraseBg === 0 || this.caps.bce) {
      while (blankFrom > 0) {
        const i = row + blankFrom - 1;
        if (!plainBlank(g, i) || convertColor(g.bg[i]!, colors) !== eraseBg) break;
        blankFrom--;
      }
    }

    for (let x = 0; x < cols; ) {
      if (!dirty[x]) {
        x++;
        continue;
      }
      const i = row + x;
      const w = cellWidth(g, i, x);
      if (w === 0) {
        x++; // a tail: drawn with its head, which is dirty too
        continue;
      }
      if (x >= blankFrom) {
        let n = 0;
        for (let k = x; k < cols; k++) n += dirty[k]!;
        if (n >= MIN_ERASE) {
          out += this.moveTo(x, y, g, EXACT) + this.pen(this.penFg, eraseBg, 0) + ERASE_LINE;
          break;
        }
      }
      const fg = convertColor(g.fg[i]!, colors);
      const bg = convertColor(g.bg[i]!, colors);
      const attrs = g.attrs[i]! & mask;
      let gl: Glyph;
      if (concealed && (g.attrs[i]! & ATTR_INVISIBLE) !== 0) gl = w === 2 ? BLANK2 : BLANK; // no SGR 8: hide it ourselves
      else if (g.widths[i] !== w) gl = w === 2 ? BLANK2 : BLANK; // a broken wide pair
      else gl = this.glyph(g.chars[i]!, w);
      out += this.moveTo(x, y, g, gl.kind);
      out += this.pen(fg, bg, attrs);
      let covered = 0;
      if (gl.kind === LOOSE && (bg === 0 || this.caps.bce) && (attrs & SHOWS_ON_BLANK) === 0) {
        // The terminal may draw this glyph narrower or wider than xterm.js
        // did. Blank two cells first so either way nothing stale shows: for
        // a wide glyph its own two, for a narrow one the blank next to it.
        if (w === 2) out += ERASE_TWO;
        else if (x + 1 < cols && this.blankAfter(g, i + 1, x + 1, bg)) {
          out += ERASE_TWO;
          covered = 1;
        }
      }
      out += gl.text;
      if (gl.kind === LOOSE) {
        this.cx = -1;
        // A narrow glyph drawn wide spilled into the next cell: redraw it,
        // so the layout stays the model's.
        if (w === 1 && covered === 0 && x + 1 < cols) dirty[x + 1] = 1;
      } else {
        this.cx = x + w < cols ? x + w : -1; // after the last column the position is the terminal's guess
        this.cy = y;
        this.drift = gl.kind === RUN;
      }
      x += w + covered;
    }
    // The row now shows g's cells.
    for (let i = row; i < row + cols; i++) lchars[i] = chars[i]!;
    lwidths.set(widths.subarray(row, row + cols), row);
    lfgs.set(fgs.subarray(row, row + cols), row);
    lbgs.set(bgs.subarray(row, row + cols), row);
    lattrs.set(attrss.subarray(row, row + cols), row);
    return out;
  }

  /** A cell shown as a plain blank on `bg` (nothing an erase would not leave). */
  private blankAfter(g: Grid, i: number, x: number, bg: number): boolean {
    return plainBlank(g, i) && cellWidth(g, i, x) === 1 && convertColor(g.bg[i]!, this.caps.colors) === bg;
  }

  /**
   * Writing half of a wide character makes terminals erase the other half,
   * so a changed cell that is, or was, half of a wide pair takes its partner
   * with it, until no more are added.
   */
  private spreadOverWide(g: Grid, last: Grid, row: number, dirty: Uint8Array): void {
    const cols = g.cols;
    for (let changed = true; changed; ) {
      changed = false;
      for (let x = 0; x < cols; x++) {
        if (!dirty[x]) continue;
        const w = cellWidth(g, row + x, x);
        const lw = cellWidth(last, row + x, x);
        if ((w === 2 || lw === 2) && !dirty[x + 1]) {
          dirty[x + 1] = 1;
          changed = true;
        }
        if ((w === 0 || lw === 0) && !dirty[x - 1]) {
          dirty[x - 1] = 1;
          changed = true;
        }
      }
    }
  }

  /**
   * Bytes that put the cursor at (x, y) before drawing a glyph of `kind`: none
   * when it is there (and, after a RUN glyph, the next is one too), the few
   * unchanged cells in between when that is shorter than a CUP, else a CUP.
   */
  private moveTo(x: number, y: number, g: Grid, kind: number): string {
    const cx = this.cx;
    if (cx >= 0 && this.cy === y) {
      if (cx === x && (!this.drift || kind === RUN)) return '';
      if (!this.drift && x > cx && x - cx <= MAX_GAP) {
        let fill = '';
        const colors = this.caps.colors;
        for (let k = cx; k < x; k++) {
          const i = y * g.cols + k;
          const ch = g.chars[i]!;
          const c = ch.length === 1 ? ch.charCodeAt(0) : 0;
          if (
            c < 0x20 ||
            c > 0x7e ||
            g.widths[i] !== 1 ||
            (g.attrs[i]! & this.mask) !== this.penAttrs ||
            ((g.attrs[i]! & ATTR_INVISIBLE) !== 0 && (this.mask & ATTR_INVISIBLE) === 0) ||
            convertColor(g.fg[i]!, colors) !== this.penFg ||
            convertColor(g.bg[i]!, colors) !== this.penBg
          ) {
            fill = '';
            break;
          }
          fill += ch;
        }
        if (fill) {
          this.cx = x;
          return fill;
        }
      }
    }
    this.cx = x;
    this.cy = y;
    this.drift = false;
    return cup(x, y);
  }
}
