// The terminal model: one @xterm/headless terminal behind a small interface of
// ours (write, resize, snapshot, modes, cells). Nothing else imports xterm.
//
// Every operation is ordered with the byte stream: xterm parses writes
// asynchronously, so resize, reset and snapshot are queued behind the writes
// already made. Two models fed the same sequence of operations therefore reach
// the same state, which is what lets a replica follow the window's model.

import xterm from '@xterm/headless';
import unicode11Addon from '@xterm/addon-unicode11';
import type { Terminal as XTerminal, IBufferCell } from '@xterm/headless';
import type { Grid } from './grid.js';
import { serialize, type SnapshotCore } from './snapshot.js';
import { Emitter } from '../lib/event.js';

export type { Disposable } from '../lib/event.js';

export type MouseTracking = 'none' | 'x10' | 'vt200' | 'drag' | 'any';
export type MouseEncoding = 'default' | 'sgr' | 'utf8' | 'urxvt' | 'sgr-pixels';
export type CursorStyle = 'block' | 'underline' | 'bar';

/** The modes of the program that change what a viewer's terminal should send or show. */
export interface Modes {
  appCursor: boolean; // DECCKM, CSI ? 1 h
  appKeypad: boolean; // DECKPAM / DECNKM, ESC = or CSI ? 66 h
  bracketedPaste: boolean; // CSI ? 2004 h
  mouseTracking: MouseTracking; // CSI ? 9/1000/1002/1003 h
  mouseEncoding: MouseEncoding; // CSI ? 1005/1006/1015/1016 h
  sendFocus: boolean; // CSI ? 1004 h
  cursorHidden: boolean; // DECTCEM, CSI ? 25 l
  cursorStyle: CursorStyle; // DECSCUSR, CSI Ps SP q
  cursorBlink: boolean;
  syncOutput: boolean; // CSI ? 2026 h: the program asks us not to draw half a frame
  altScreen: boolean; // CSI ? 1049 h
}

export interface TermModelOptions {
  cols: number;
  rows: number;
  scrollback: number; // lines
}

/** Lines of scrollback a snapshot carries by default. */
export const SNAPSHOT_SCROLLBACK = 1000; // lines

/* Internal fields of xterm 6.0.0 we read: buffers (saved cursors, scroll
 * region, tab stops), the pen, cursor visibility and style, mouse encoding,
 * character sets and parser state. The version is pinned exactly in
 * package.json and test/term.test.ts proves each survives a snapshot round
 * trip. */
interface XCore extends SnapshotCore {
  buffer: { scrollTop: number; scrollBottom: number };
  _writeBuffer: { handleUserInput(): void };
  coreService: { isCursorHidden: boolean; decPrivateModes: { cursorStyle?: CursorStyle; cursorBlink?: boolean } };
  coreMouseService: { activeEncoding: string };
  _inputHandler: SnapshotCore['_inputHandler'] & {
    _charsetService: { glevel: number; _charsets: (Record<string, string> | undefined)[] };
    _parser: { currentState: number }; // ParserState.GROUND is 0
    _utf8Decoder: { interim: Uint8Array }; // bytes of an unfinished UTF-8 character
    _stringDecoder: { _interim: number }; // an unfinished UTF-16 surrogate pair
  };
}

/** A resize queued in the stream, between chunks of output. */
export interface ResizeMark {
  cols: number;
  rows: number;
}

/** What the model has been given but not yet parsed: output chunks and resizes, in order. */
export type StreamItem = Uint8Array | string | ResizeMark;

/** A snapshot and the stream items queued behind the point it was taken at. */
export type SnapshotCallback = (snapshot: string, following: StreamItem[]) => void;

/** How long a snapshot waits for the parser to finish a sequence before breaking it off. */
const SETTLE_TIMEOUT = 1000; // ms

const ENCODINGS: Record<string, MouseEncoding> = {
  DEFAULT: 'default',
  SGR: 'sgr',
  UTF8: 'utf8',
  URXVT: 'urxvt',
  SGR_PIXELS: 'sgr-pixels',
};

/** One terminal screen: parses bytes, answers queries, and exposes cells and modes. */
export class TermModel {
  private readonly term: XTerminal;
  private readonly core: XCore;
  private pendingBytes = 0;
  private writtenBytes = 0;
  private disposed = false;
  /** Chunks and resizes given but not yet applied, oldest first. */
  private readonly inflight: StreamItem[] = [];
  private snapshotWaiters: { cb: SnapshotCallback; scrollback: number }[] = [];
  private settleTimer: NodeJS.Timeout | undefined;
  /** Answers to terminal queries (DA, DSR, CPR, DECRQSS…): for the pty only. */
  readonly onReply = new Emitter<string>();
  /** Fired after queued writes have been parsed (coalesced by xterm). */
  readonly onChange = new Emitter<void>();
  /** The program set its title (OSC 0/2). */
  readonly onTitle = new Emitter<string>();
  /** The program rang the bell. */
  readonly onBell = new Emitter<void>();
  /**
   * Called when a snapshot has waited SETTLE_TIMEOUT for a program that
   * stopped in the middle of a sequence. The owner should feed CAN (0x18,
   * which cancels any sequence) through the same path as the program's
   * output, so the model and every live replica see it; the snapshot is then
   * taken at that settled point. Without a breaker, the snapshot is taken
   * unsettled.
   */
  breakStall: (() => void) | undefined;

  constructor(opts: TermModelOptions) {
    this.term = new xterm.Terminal({
      cols: opts.cols,
      rows: opts.rows,
      scrollback: opts.scrollback,
      allowProposedApi: true,
    });
    // Unicode 11 widths (emoji are two cells), as glibc's wcwidth and so the
    // programs in the session count them; xterm.js defaults to Unicode 6.
    this.term.loadAddon(new unicode11Addon.Unicode11Addon() as unknown as Parameters<XTerminal['loadAddon']>[0]);
    this.term.unicode.activeVersion = '11';
    this.core = (this.term as unknown as { _core: XCore })._core;
    this.term.onData((d) => this.onReply.fire(d));
    this.term.onBinary((d) => this.onReply.fire(d));
    this.term.onWriteParsed(() => this.onChange.fire());
    this.term.onTitleChange((t) => this.onTitle.fire(t));
    this.term.onBell(() => this.onBell.fire());
  }

  get cols(): number {
    return this.term.cols;
  }

  get rows(): number {
    return this.term.rows;
  }

  /** Bytes written but not yet parsed: callers use it for flow control. */
  get pending(): number {
    return this.pendingBytes;
  }

  /** Bytes written over the model's life (renderers compare it between frames). */
  get written(): number {
    return this.writtenBytes;
  }

  /** Queue bytes for parsing; `done` runs once they have been parsed. */
  write(data: Uint8Array | string, done?: () => void): void {
    if (this.disposed) return;
    const n = data.length;
    this.pendingBytes += n;
    this.writtenBytes += n;
    this.inflight.push(data);
    // Parse now, not on xterm's next timer tick (≥ 1 ms in Node), as xterm
    // does for a user's keystrokes: every chunk is someone's echo. Big
    // chunks are still sliced by xterm (12 ms at a time). The callback may
    // therefore run before write() returns.
    this.core._writeBuffer.handleUserInput();
    this.term.write(data, () => {
      this.pendingBytes -= n;
      this.inflight.shift();
      if (this.snapshotWaiters.length > 0 && this.settled()) this.takeSnapshots();
      if (done) done();
    });
  }

  /**
   * True when the parser is between sequences and characters, so a snapshot
   * followed by the next bytes means the same as the bytes themselves.
   */
  settled(): boolean {
    const ih = this.core._inputHandler;
    return ih._parser.currentState === 0 && ih._utf8Decoder.interim[0] === 0 && ih._stringDecoder._interim === 0;
  }

  /**
   * Snapshot at the next chunk boundary where the parser is settled. `cb`
   * gets the snapshot and the chunks and resizes queued after that point;
   * the caller forwards those, then anything given later, to whoever gets
   * the snapshot. A program that stops mid-sequence gets its snapshot after
   * SETTLE_TIMEOUT regardless.
   */
  requestSnapshot(cb: SnapshotCallback, scrollback = SNAPSHOT_SCROLLBACK): void {
    if (this.disposed) return;
    this.snapshotWaiters.push({ cb, scrollback });
    // Never call back from inside this call (writes now parse at once):
    // callers may still be setting up what the callback uses.
    queueMicrotask(() =>
      this.flush(() => {
        if (this.snapshotWaiters.length === 0) return;
        if (this.settled()) this.takeSnapshots();
        else if (!this.settleTimer && this.inflight.length === 0) {
          this.settleTimer = setTimeout(() => {
            this.settleTimer = undefined;
            if (this.snapshotWaiters.length === 0 || this.inflight.length > 0) return;
            if (this.breakStall) this.breakStall();
            else this.takeSnapshots();
          }, SETTLE_TIMEOUT);
        }
      }),
    );
  }

  private takeSnapshots(): void {
    if (this.settleTimer) {
      clearTimeout(this.settleTimer);
      this.settleTimer = undefined;
    }
    const waiters = this.snapshotWaiters;
    this.snapshotWaiters = [];
    const cache = new Map<number, string>();
    for (const w of waiters) {
      let snap = cache.get(w.scrollback);
      if (snap === undefined) {
        snap = this.snapshot(w.scrollback);
        cache.set(w.scrollback, snap);
      }
      w.cb(snap, this.inflight.slice());
    }
  }

  /** Run `fn` once everything queued before this call has been parsed. */
  flush(fn: () => void): void {
    if (this.disposed) return;
    this.term.write('', fn);
  }

  /** Resize, ordered after the bytes already queued. */
  resize(cols: number, rows: number): void {
    if (this.disposed) return;
    this.inflight.push({ cols, rows });
    this.term.write('', () => {
      this.inflight.shift();
      if (cols !== this.term.cols || rows !== this.term.rows) {
        this.term.resize(cols, rows);
        this.onChange.fire();
      }
      if (this.snapshotWaiters.length > 0 && this.settled()) this.takeSnapshots();
    });
  }

  /** Reset to a blank terminal of the given size, ordered after queued bytes. */
  reset(cols: number, rows: number): void {
    this.flush(() => {
      this.term.reset();
      if (cols !== this.term.cols || rows !== this.term.rows) this.term.resize(cols, rows);
      this.onChange.fire();
    });
  }

  /**
   * Serialize the screen (and up to `scrollback` lines of history) as bytes
   * that rebuild it in a blank terminal of the same size. Exact only when
   * nothing is queued and the parser is settled: use requestSnapshot.
   */
  snapshot(scrollback = SNAPSHOT_SCROLLBACK): string {
    const core = this.core;
    const m = this.term.modes;
    let s = serialize(this.term, core, scrollback, {
      appCursor: m.applicationCursorKeysMode,
      appKeypad: m.applicationKeypadMode,
      bracketedPaste: m.bracketedPasteMode,
      insert: m.insertMode,
      origin: m.originMode,
      reverseWrap: m.reverseWraparoundMode,
      sendFocus: m.sendFocusMode,
      wraparound: m.wraparoundMode,
    });
    switch (m.mouseTrackingMode) {
      case 'x10': s += '\x1b[?9h'; break;
      case 'vt200': s += '\x1b[?1000h'; break;
      case 'drag': s += '\x1b[?1002h'; break;
      case 'any': s += '\x1b[?1003h'; break;
      default: break;
    }
    switch (core.coreMouseService.activeEncoding) {
      case 'SGR': s += '\x1b[?1006h'; break;
      case 'UTF8': s += '\x1b[?1005h'; break;
      case 'URXVT': s += '\x1b[?1015h'; break;
      case 'SGR_PIXELS': s += '\x1b[?1016h'; break;
      default: break;
    }
    if (core.coreService.isCursorHidden) s += '\x1b[?25l';
    const dp = core.coreService.decPrivateModes;
    const style = dp.cursorStyle;
    if (style && (style !== 'block' || dp.cursorBlink)) {
      // DECSCUSR: 1/2 block, 3/4 underline, 5/6 bar; odd values blink.
      const base = style === 'block' ? 1 : style === 'underline' ? 3 : 5;
      s += `\x1b[${dp.cursorBlink ? base : base + 1} q`;
    }
    s += this.charsetState();
    if (m.synchronizedOutputMode) s += '\x1b[?2026h';
    return s;
  }

  /** SCS designations (ESC ( 0 …) and the locking shift in use, when not the defaults. */
  private charsetState(): string {
    const cs = this.core._inputHandler._charsetService;
    let s = '';
    const intro = ['(', ')', '*', '+'];
    for (let g = 0; g < 4; g++) {
      const set = cs._charsets[g];
      if (!set) continue;
      // Identify the two sets programs use by a character each maps.
      if (set.q === '\u2500') s += `\x1b${intro[g]}0`; // DEC Special Graphics
      else if (set['#'] === '\u00a3') s += `\x1b${intro[g]}A`; // United Kingdom
    }
    if (cs.glevel === 1) s += '\x0e'; // SO: G1 into GL
    else if (cs.glevel === 2) s += '\x1bn'; // LS2
    else if (cs.glevel === 3) s += '\x1bo'; // LS3
    return s;
  }

  /** The modes a viewer's terminal should mirror. */
  modes(): Modes {
    const m = this.term.modes;
    const dp = this.core.coreService.decPrivateModes;
    return {
      appCursor: m.applicationCursorKeysMode,
      appKeypad: m.applicationKeypadMode,
      bracketedPaste: m.bracketedPasteMode,
      mouseTracking: m.mouseTrackingMode,
      mouseEncoding: ENCODINGS[this.core.coreMouseService.activeEncoding] ?? 'default',
      sendFocus: m.sendFocusMode,
      cursorHidden: this.core.coreService.isCursorHidden,
      cursorStyle: dp.cursorStyle ?? 'block',
      cursorBlink: dp.cursorBlink ?? false,
      syncOutput: m.synchronizedOutputMode,
      altScreen: this.term.buffer.active.type === 'alternate',
    };
  }

  /** Cursor position on the visible screen (x may equal cols while a wrap is pending). */
  cursor(): { x: number; y: number } {
    const b = this.term.buffer.active;
    return { x: b.cursorX, y: b.cursorY };
  }

  /** Lines of history above the screen in the active buffer. */
  get scrollbackLength(): number {
    return this.term.buffer.active.baseY;
  }

  /**
   * Copy cells into `grid`. The model's cell (left + x, top + y), counted
   * on the screen `scrollUp` lines back in history, lands at (x, y) of the
   * grid, for x < min(grid.cols, cols - left) and y < min(rows, grid.rows,
   * model rows - top); other grid cells are left untouched.
   */
  readGrid(grid: Grid, view: { scrollUp?: number; left?: number; top?: number; rows?: number } = {}): void {
    const b = this.term.buffer.active;
    const left = view.left ?? 0;
    const topRow = view.top ?? 0;
    const cols = Math.max(0, Math.min(grid.cols, this.term.cols - left));
    const rows = Math.max(0, Math.min(view.rows ?? grid.rows, grid.rows, this.term.rows - topRow));
    const base = Math.max(0, b.baseY - (view.scrollUp ?? 0)) + topRow;
    const cell: IBufferCell = b.getNullCell();
    const { chars, widths, fg, bg, attrs, damage, sources } = grid;
    for (let y = 0; y < rows; y++) {
      const line = b.getLine(base + y);
      // A tracked grid skips rows whose raw cells are as they were last read.
      let raw: Uint32Array | undefined;
      if (damage && sources) {
        raw = rawCells(line, left, cols);
        const was = sources[y];
        if (raw && was && sameCells(was, raw)) continue;
      }
      let changed = false;
      let i = y * grid.cols;
      for (let x = 0; x < cols; x++, i++) {
        let c: string;
        let w: number;
        let f: number;
        let k: number;
        let a: number;
        if (!line?.getCell(left + x, cell)) {
          c = ' ';
          w = 1;
          f = k = a = 0;
        } else {
          w = cell.getWidth();
          const ch = cell.getChars();
          c = w === 0 ? '' : ch === '' ? ' ' : ch;
          // Default colours read as -1 from xterm: keep them COLOR_DEFAULT (0).
          f = cell.isFgDefault() ? 0 : cell.getFgColorMode() | cell.getFgColor();
          k = cell.isBgDefault() ? 0 : cell.getBgColorMode() | cell.getBgColor();
          a = cell.isAttributeDefault()
            ? 0
            : (cell.isBold() ? 1 : 0) |
              (cell.isDim() ? 2 : 0) |
              (cell.isItalic() ? 4 : 0) |
              (cell.isUnderline() ? 8 : 0) |
              (cell.isBlink() ? 16 : 0) |
              (cell.isInverse() ? 32 : 0) |
              (cell.isInvisible() ? 64 : 0) |
              (cell.isStrikethrough() ? 128 : 0) |
              (cell.isOverline() ? 256 : 0);
        }
        // Half a wide character at either edge of the view cannot be shown.
        if ((x === 0 && w === 0) || (x === cols - 1 && w === 2)) {
          c = ' ';
          w = 1;
        }
        if (chars[i] === c && widths[i] === w && fg[i] === f && bg[i] === k && attrs[i] === a) continue;
        changed = true;
        chars[i] = c;
        widths[i] = w;
        fg[i] = f;
        bg[i] = k;
        attrs[i] = a;
      }
      if (damage && sources) {
        if (changed) damage[y] = 1;
        sources[y] = raw && !hasCombined(raw) ? copyCells(sources[y], raw) : undefined;
      }
    }
  }

  /** The visible text of one screen row (for tests and status messages). */
  lineText(y: number): string {
    const b = this.term.buffer.active;
    return b.getLine(b.baseY + y)?.translateToString(true) ?? '';
  }

  /** Free the emulator; later calls do nothing. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.snapshotWaiters = [];
    this.onReply.clear();
    this.onChange.clear();
    this.onTitle.clear();
    this.onBell.clear();
    this.term.dispose();
  }
}

/** Content word bit of a cell whose text is in the line's combined map (xterm's Content.IS_COMBINED_MASK). */
const IS_COMBINED = 0x200000;

/**
 * The emulator's raw cells [left, left + cols) of a line (three words a cell:
 * content, foreground, background), or undefined for a line too short. Reads
 * xterm.js internals (pinned version), as snapshot.ts does.
 */
function rawCells(line: unknown, left: number, cols: number): Uint32Array | undefined {
  const data = (line as { _line?: { _data?: Uint32Array; length?: number } } | undefined)?._line;
  const words = data?._data;
  if (!words || (data.length ?? 0) < left + cols) return undefined;
  return words.subarray(left * 3, (left + cols) * 3);
}

/** Some cell's text is kept outside its words (combining characters): the words do not tell the whole story. */
function hasCombined(raw: Uint32Array): boolean {
  for (let i = 0; i < raw.length; i += 3) if ((raw[i]! & IS_COMBINED) !== 0) return true;
  return false;
}

function sameCells(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `raw` copied into `into` when it fits, else into a new array. */
function copyCells(into: Uint32Array | undefined, raw: Uint32Array): Uint32Array {
  if (into && into.length === raw.length) {
    into.set(raw);
    return into;
  }
  return Uint32Array.from(raw);
}
