// Serializing a terminal model as bytes that rebuild it in a blank terminal
// of the same size: every cell with its exact colours and attributes, wrapped
// rows, scrollback, the alternate screen, saved cursors, the cursor (a
// pending wrap included), scroll region, tab stops, character sets and the
// input modes. Not an emulator: the replica's own xterm parses the result.
//
// We write our own rather than use @xterm/addon-serialize 0.14, which moves
// the cursor back relatively from a clamped column, starts the alternate
// screen with the main screen's pen, drops coloured blank rows, writes
// 256-colour indices below 16 as 16-colour SGR, shifts rows that start with
// a combining mark, and forgets saved cursors.

import type { Terminal as XTerminal, IBuffer, IBufferCell } from '@xterm/headless';

/** What an SGR needs from a cell or a pen (xterm's IBufferCell and AttributeData share it). */
interface Attrs {
  getFgColorMode(): number;
  getBgColorMode(): number;
  getFgColor(): number;
  getBgColor(): number;
  isBold(): number;
  isDim(): number;
  isItalic(): number;
  isUnderline(): number;
  isBlink(): number;
  isInverse(): number;
  isInvisible(): number;
  isStrikethrough(): number;
  isOverline(): number;
}

/** xterm 6.0.0 internals we read (pinned exactly; test/term.test.ts guards them). */
interface XBuffer {
  x: number; // may equal cols while a wrap is pending
  y: number;
  savedX: number;
  savedY: number;
  savedCurAttrData: Attrs;
  scrollTop: number;
  scrollBottom: number;
  tabs: Record<string, boolean>;
}

export interface SnapshotCore {
  buffers: { normal: XBuffer; alt: XBuffer };
  _inputHandler: { _curAttrData: Attrs };
}

/** A cell's words as xterm.js's CellData holds them (what getCell fills in). */
interface CellWords {
  fg: number;
  bg: number;
  extended: unknown;
}

/** Background-word flag: the cell has extended attributes (underline style and colour, a hyperlink). */
export const BG_HAS_EXTENDED = 0x10000000;

const CM_P16 = 0x1000000;
const CM_P256 = 0x2000000;
const CM_RGB = 0x3000000;

/** SGR parameters for a colour (fg: base 30/38/39; bg: base 40/48/49). */
function colorParams(mode: number, color: number, bg: boolean): string {
  if (mode === CM_P16) return String((color & 8 ? (bg ? 100 : 90) : bg ? 40 : 30) + (color & 7));
  if (mode === CM_P256) return `${bg ? 48 : 38};5;${color}`;
  if (mode === CM_RGB) return `${bg ? 48 : 38};2;${(color >>> 16) & 255};${(color >>> 8) & 255};${color & 255}`;
  return bg ? '49' : '39';
}

/** A whole SGR that sets exactly these attributes from any state (CSI 0 ; … m). */
function sgr(a: Attrs): string {
  let s = '\x1b[0';
  if (a.isBold()) s += ';1';
  if (a.isDim()) s += ';2';
  if (a.isItalic()) s += ';3';
  if (a.isUnderline()) s += ';4';
  if (a.isBlink()) s += ';5';
  if (a.isInverse()) s += ';7';
  if (a.isInvisible()) s += ';8';
  if (a.isStrikethrough()) s += ';9';
  if (a.isOverline()) s += ';53';
  if (a.getFgColorMode() !== 0) s += ';' + colorParams(a.getFgColorMode(), a.getFgColor(), false);
  if (a.getBgColorMode() !== 0) s += ';' + colorParams(a.getBgColorMode(), a.getBgColor(), true);
  return s + 'm';
}

/** True when a blank cell shows something (a background, or a line through it). */
function visibleBlank(c: Attrs): boolean {
  return c.getBgColorMode() !== 0 || !!c.isInverse() || !!c.isUnderline() || !!c.isStrikethrough() || !!c.isOverline();
}

/** Writes one buffer's rows, tracking the pen it has set. */
class Writer {
  out = '';
  /** The SGR in effect after what has been written. */
  pen = '\x1b[0m';
  private cell: IBufferCell;
  /** The words of the cell `pen` was last made from (-1: none): a cell with the same words has the same SGR. */
  private penFg = -1;
  private penBg = -1;
  private penExt: unknown;

  constructor(private readonly buf: IBuffer, private readonly cols: number) {
    this.cell = buf.getNullCell();
  }

  /** The pen of a cell (a CellData, whose words are its fg, bg and extended attributes). */
  setCellPen(c: IBufferCell): void {
    const { fg, bg, extended } = c as unknown as CellWords;
    // Most cells have their neighbour's words: skip building their SGR.
    if (fg === this.penFg && bg === this.penBg && ((bg & BG_HAS_EXTENDED) === 0 || extended === this.penExt)) return;
    this.setPen(c);
    this.penFg = fg;
    this.penBg = bg;
    this.penExt = extended;
  }

  private setPen(a: Attrs): void {
    const p = sgr(a);
    if (p !== this.pen) {
      this.out += p;
      this.pen = p;
    }
  }

  resetPen(): void {
    this.penFg = -1;
    if (this.pen !== '\x1b[0m') {
      this.out += '\x1b[0m';
      this.pen = '\x1b[0m';
    }
  }


  /** Columns of line y worth printing: up to its last visible cell (all of them if it wraps on). */
  extent(y: number, wrapsOn: boolean): number {
    if (wrapsOn) return this.cols;
    const line = this.buf.getLine(y);
    if (!line) return 0;
    for (let x = this.cols - 1; x >= 0; x--) {
      const c = line.getCell(x, this.cell);
      if (!c) continue;
      if (c.getChars() !== '' || c.getWidth() === 0 || visibleBlank(c)) return x + 1;
    }
    return 0;
  }

  /**
   * Print lines [from, to]; rows that wrap onto the next are printed whole so
   * the terminal wraps them itself. Returns the column after the last cell
   * printed on the last line.
   */
  lines(from: number, to: number): number {
    let x = 0;
    for (let y = from; y <= to; y++) {
      const next = y < to ? this.buf.getLine(y + 1) : undefined;
      const wrapsOn = next?.isWrapped === true;
      x = this.row(y, this.extent(y, wrapsOn));
      if (y < to && !wrapsOn) {
        // New lines scrolled in take the pen's background (BCE): reset first.
        this.resetPen();
        this.out += '\r\n';
        x = 0;
      }
    }
    return x;
  }

  private row(y: number, end: number): number {
    const line = this.buf.getLine(y);
    if (!line) return 0;
    let x = 0;
    let prevWide = false;
    for (let col = 0; col < end; col++) {
      const c = line.getCell(col, this.cell);
      if (!c) continue;
      const w = c.getWidth();
      if (w === 0) {
        // The tail of a wide character is drawn by its head; anything else
        // of width 0 (a combining mark with no base) is printed as it is.
        if (!prevWide) {
          this.setCellPen(c);
          this.out += c.getChars();
        }
        prevWide = false;
        continue;
      }
      this.setCellPen(c);
      this.out += c.getChars() || ' ';
      x = col + w;
      prevWide = w === 2;
    }
    return x;
  }
}

/** CUP to (row, col) of the screen, 0-based. */
function cup(row: number, col: number): string {
  return `\x1b[${row + 1};${col + 1}H`;
}

/** True when a saved cursor (DECSC) holds something other than the power-on state. */
function savedSomething(b: XBuffer): boolean {
  return b.savedX !== 0 || b.savedY !== 0 || sgr(b.savedCurAttrData) !== '\x1b[0m';
}

/** The last line in [from, last] worth printing, but not above `atLeast`. */
function lastVisible(w: Writer, from: number, last: number, atLeast: number): number {
  for (let y = last; y > atLeast; y--) if (w.extent(y, false) > 0) return y;
  return Math.max(from, atLeast);
}

export interface SnapshotModes {
  appCursor: boolean;
  appKeypad: boolean;
  bracketedPaste: boolean;
  insert: boolean;
  origin: boolean;
  reverseWrap: boolean;
  sendFocus: boolean;
  wraparound: boolean;
}

/**
 * Bytes that rebuild `term` (and up to `scrollback` lines of history) in a
 * freshly reset terminal of the same size, up to and including the cursor
 * and the pen; the caller adds the modes that do not move the cursor.
 * Only exact when the parser is settled and nothing is queued
 * (TermModel.requestSnapshot sees to that).
 */
export function serialize(term: XTerminal, core: SnapshotCore, scrollback: number, modes: SnapshotModes): string {
  const cols = term.cols;
  const rows = term.rows;
  const altActive = term.buffer.active.type === 'alternate';
  const normal = term.buffer.normal;
  const nb = core.buffers.normal;
  const active = altActive ? core.buffers.alt : nb;
  let s = '';
  // Where printing left the cursor, while nothing has moved it since.
  let cursorAt: { row: number; col: number } | undefined;
  // The pen in effect. Nothing is written after the last printed character
  // unless needed: any escape sequence would stop a combining mark that
  // arrives next from joining that character.
  let pen = '\x1b[0m';

  {
    // The normal screen, with as much history as asked for. With history the
    // screen is printed down to its last row, so that it scrolls into place;
    // without, blank rows below the cursor are left out.
    const first = Math.max(0, normal.baseY - scrollback);
    const w = new Writer(normal, cols);
    const to = first < normal.baseY ? normal.length - 1 : lastVisible(w, first, normal.length - 1, normal.baseY + nb.y);
    const endCol = w.lines(first, to);
    s += w.out;
    pen = w.pen;
    cursorAt = { row: to - normal.baseY, col: endCol };
  }

  if (altActive) {
    // ?1049h saves the cursor and pen (DECSC) before switching: give it what
    // the program saved, so that ?1049l restores exactly that.
    s += cup(nb.savedY, Math.min(nb.savedX, cols - 1)) + sgr(nb.savedCurAttrData) + '\x1b[?1049h\x1b[0m\x1b[H';
    const alt = term.buffer.alternate;
    const w = new Writer(alt, cols);
    const to = lastVisible(w, 0, rows - 1, active.y);
    const endCol = w.lines(0, to);
    s += w.out;
    pen = w.pen;
    cursorAt = { row: to, col: endCol };
  }

  // A cursor the program saved with DECSC (ESC 7) on the active screen.
  if (savedSomething(active)) {
    s += cup(active.savedY, Math.min(active.savedX, cols - 1)) + sgr(active.savedCurAttrData) + '\x1b7';
    pen = sgr(active.savedCurAttrData);
    cursorAt = undefined;
  }

  // Tab stops, when not xterm's default of every eight columns.
  const stops = Object.keys(active.tabs).filter((k) => active.tabs[k]).map(Number).filter((x) => x > 0).sort((a, b) => a - b);
  const defaults = Array.from({ length: Math.ceil(cols / 8) }, (_, i) => i * 8).filter((x) => x > 0 && x < cols);
  if (stops.join() !== defaults.join()) {
    s += '\x1b[3g'; // TBC: clear all
    for (const x of stops) s += cup(0, x) + '\x1bH'; // HTS
    cursorAt = undefined;
  }

  // Scroll region (DECSTBM homes the cursor).
  if (active.scrollTop !== 0 || active.scrollBottom !== rows - 1) {
    s += `\x1b[${active.scrollTop + 1};${active.scrollBottom + 1}r`;
    cursorAt = undefined;
  }

  // The cursor, before insert mode (the reprint below must not insert) and
  // before origin mode. Absolute, unless printing already left it there, so
  // that a combining mark arriving next still joins the character before it.
  const cx = active.x;
  const cy = active.y;
  if (cx >= cols) {
    // A wrap is pending: reprint the row's last cell, which leaves it so.
    const buf = altActive ? term.buffer.alternate : normal;
    const cell = buf.getLine(buf.baseY + cy)?.getCell(cols - 1);
    s += cup(cy, cols - 1);
    if (cell && cell.getWidth() === 1) {
      pen = sgr(cell);
      s += pen + (cell.getChars() || ' ');
    }
    cursorAt = undefined;
  } else if (!cursorAt || cursorAt.row !== cy || cursorAt.col !== cx) {
    s += cup(cy, cx);
  }

  // Modes; DECOM homes the cursor, so in origin mode place it again (CUP is
  // then relative to the region).
  if (modes.appCursor) s += '\x1b[?1h';
  if (modes.appKeypad) s += '\x1b[?66h';
  if (modes.bracketedPaste) s += '\x1b[?2004h';
  if (modes.insert) s += '\x1b[4h';
  if (modes.reverseWrap) s += '\x1b[?45h';
  if (modes.sendFocus) s += '\x1b[?1004h';
  if (!modes.wraparound) s += '\x1b[?7l';
  if (modes.origin) s += `\x1b[?6h${cup(cy - active.scrollTop, Math.min(cx, cols - 1))}`;
  const want = sgr(core._inputHandler._curAttrData);
  return want === pen ? s : s + want;
}
