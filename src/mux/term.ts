// The terminal model: one @xterm/headless terminal behind a small interface of
// ours (write, resize, snapshot, modes, cells). Nothing else imports xterm.
//
// Every operation is ordered with the byte stream: writes are parsed at once
// when nothing is queued (an echo) and otherwise in slices, so resize, reset
// and snapshot are queued behind the writes already made. Two models fed the
// same sequence of operations therefore reach the same state, which is what
// lets a replica follow the window's model. A model that falls behind a flood
// skips plain text that would scroll out of its history before anyone could
// see it (stale.ts), and still reaches that same state.

import xterm from '@xterm/headless';
import unicode11Addon from '@xterm/addon-unicode11';
import type { Terminal as XTerminal } from '@xterm/headless';
import { ATTR_BOLD, ATTR_DIM, ATTR_ITALIC, ATTR_UNDERLINE, ATTR_BLINK, ATTR_INVERSE, ATTR_INVISIBLE, ATTR_STRIKE, ATTR_OVERLINE, COLOR_MODE_MASK, COLOR_RGB, COLOR_VALUE_MASK, type Grid } from './grid.js';
import { serialize, BG_HAS_EXTENDED, type SnapshotCore } from './snapshot.js';
import { scanChunk, sgrText, endsAtRest, linesToForget, sameState, latin1, LineCounter, PlainRun, AT_REST, type ChunkScan, type ScanState } from './stale.js';
import { Emitter } from '../lib/event.js';
import { TokenBucket, idleClock } from '../lib/bucket.js';
import { trace } from '../lib/debug.js';

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
  /**
   * Skip queued plain text that later output pushes out of the history
   * (see stale.ts): the state reached is the same, only the skipped text is
   * never in the model, even briefly. For a window's model; a replica must
   * parse what it is sent (its scroll-back copy may be read at any time).
   */
  skipStale?: boolean;
}

/** Lines of scrollback a snapshot carries by default. */
export const SNAPSHOT_SCROLLBACK = 1000; // lines

/* Internal fields of xterm 6.0.0 we read: buffers (saved cursors, scroll
 * region, tab stops), the pen, cursor visibility and style, mouse encoding,
 * character sets and parser state. The version is pinned exactly in
 * package.json and test/term.test.ts proves each survives a snapshot round
 * trip. */
interface XCore extends SnapshotCore {
  buffer: XActiveBuffer;
  buffers: SnapshotCore['buffers'] & { normal: XActiveBuffer };
  _writeBuffer: { handleUserInput(): void };
  _bufferService: { onScroll(cb: () => void): unknown };
  coreService: { isCursorHidden: boolean; decPrivateModes: { cursorStyle?: CursorStyle; cursorBlink?: boolean; reverseWraparound: boolean } };
  coreMouseService: { activeEncoding: string };
  _inputHandler: SnapshotCore['_inputHandler'] & {
    _charsetService: { glevel: number; _charsets: (Record<string, string> | undefined)[] };
    _parser: { currentState: number; reset(): void }; // ParserState.GROUND is 0
    _utf8Decoder: { interim: Uint8Array; clear(): void }; // bytes of an unfinished UTF-8 character
    _stringDecoder: { _interim: number; clear(): void }; // an unfinished UTF-16 surrogate pair
    _curAttrData: { fg: number; bg: number; extended: XExtendedAttrs };
    /** The screen rows a parse touched (relative to the view, which is the screen), as for xterm's renderer; undefined: all. */
    onRequestRefreshRows(cb: (rows: { start: number; end: number } | undefined) => void): unknown;
  };
}

/**
 * What a tracked grid was last read from, and when (Grid.seen; see
 * readGrid). The model, buffer and ring by number, not by reference: a grid
 * holding the ring a flood's history was in would keep that history alive.
 */
interface GridSeen {
  model: number;
  buffer: number;
  ring: number;
  start: number;
  base: number;
  left: number;
  top: number;
  cols: number;
  rows: number;
  /** The model's touch count when it was read. */
  at: number;
}

/** A number for each object asked about, held weakly. */
const objectIds = new WeakMap<object, number>();
let objectCount = 0;
function idOf(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) objectIds.set(o, (id = ++objectCount));
  return id;
}

/** The active buffer: its lines (a ring that drops the oldest when full), top row and cursor. */
interface XActiveBuffer {
  scrollTop: number;
  scrollBottom: number;
  ybase: number; // the screen's first line; lines.length is ybase + rows
  ydisp: number;
  x: number;
  y: number;
  lines: {
    length: number;
    get(i: number): XLine | undefined;
    push(line: XLine): void;
    /** Fired with the number of lines dropped from the top. */
    onTrim(cb: (n: number) => void): { dispose(): void };
  };
  getBlankLine(attr: unknown): XLine;
}

/**
 * The ring behind `lines` (xterm.js's CircularList): its slots keep the
 * lines they held after the length shrinks, so letting lines go means a
 * fresh array.
 */
interface XLineRing {
  _array: (XLine | undefined)[];
  _startIndex: number;
  _length: number;
  readonly maxLength: number;
}

interface XLine {
  clone(): XLine;
}

/** Make `lines` the buffer's lines (fewer than its ring holds), letting go of every other. */
function replaceLines(b: XActiveBuffer, lines: XLine[]): void {
  const ring = b.lines as unknown as XLineRing;
  ring._array = new Array<XLine | undefined>(ring.maxLength);
  ring._startIndex = 0;
  ring._length = 0;
  for (const line of lines) b.lines.push(line);
}

/** xterm's underline style and colour of a pen (AttributeData.extended). */
interface XExtendedAttrs {
  clone(): XExtendedAttrs;
}

/** The pen where a run of plain output began (see PlainRun). */
interface PenState {
  fg: number;
  bg: number;
  extended: XExtendedAttrs;
}

/**
 * The buffer where a run of plain output began, kept while the run is whole
 * so that its history can be rebuilt before the run holds a history's worth
 * of lines (a flood's first screens can then be skipped too). Plain output
 * changes only the cursor's line and those below it (and drops lines off the
 * top), so those lines, the cursor and the buffer's length at the start are
 * all it takes to put the buffer back; lines dropped off the top since are
 * ones parsing every byte would have dropped too.
 */
interface RunBase {
  buffer: XActiveBuffer;
  /** Copies of the cursor's line and every line below it on the screen, at the start. */
  lines: XLine[];
  x: number;
  y: number;
  /** lines.length at the start. */
  length: number;
  /** Where the buffer's first line was at the start (lines dropped since; below 0: blank lines put on top). */
  top: number;
  trims: { dispose(): void };
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
/** A backlog is parsed this long at a time; then reading (and drawing) get a turn. */
const PARSE_SLICE = 12; // ms, as xterm.js's own write buffer
/**
 * Output parsed as it comes, in a burst and per second after it; past that
 * (a flood), plain text waits STALE_WAIT before it is parsed, so that most of
 * it can be skipped as stale. A flood owes at most another burst: once it
 * stops, a moment's quiet (FLOOD_BURST / FLOOD_RATE, 16 ms) makes the next
 * output an echo again, however long the flood was.
 */
const FLOOD_BURST = 16 << 10; // bytes
const FLOOD_RATE = 1 << 20; // bytes per second
const STALE_WAIT = 50; // ms
/** …or until output stops this long (the end of the flood is shown at once). */
const STALE_QUIET = 3; // ms
/** …unless this much is waiting. */
const STALE_MAX = 1792 << 10; // bytes (the window stops reading the program at 2 MiB)
/** Pen changes carried from skipped chunks are applied once they reach this size. */
const SGR_CARRY_MAX = 4096; // characters
/** After output stops this long, a history left to rebuild is let go or rebuilt (see idleHistory). */
const HISTORY_IDLE = 250; // ms
/**
 * What a line of history costs the emulator per cell (xterm.js: three 32-bit
 * words), and per line besides (its objects, its array's header; measured
 * from heap snapshots).
 */
const HISTORY_CELL_BYTES = 12;
const HISTORY_LINE_BYTES = 400;

/**
 * One queued operation, applied in order with the stream. Every data op is
 * made with all its fields, in this order: one shape (V8 map) for all, so
 * that code optimised on the first ones is not thrown away at the first
 * split chunk (a flood's first frames are slow enough already).
 */
type Op =
  | {
      k: 'data';
      data: Uint8Array | string;
      done: (() => void) | undefined;
      scan: ChunkScan | undefined;
      /** The skipped front of a chunk whose last character or sequence is cut off (see split). */
      part: boolean;
      /** The rest of a split chunk: the whole chunk, and its scan. */
      whole: { data: Uint8Array | string; scan: ChunkScan | undefined } | undefined;
    }
  | { k: 'resize'; cols: number; rows: number }
  | { k: 'call'; fn: () => void };

/** An emulator as the model's: the size given, Unicode 11 widths. */
function newEmulator(cols: number, rows: number, scrollback: number): XTerminal {
  const term = new xterm.Terminal({ cols, rows, scrollback, allowProposedApi: true });
  // Unicode 11 widths (emoji are two cells), as glibc's wcwidth and so the
  // programs in the session count them; xterm.js defaults to Unicode 6.
  term.loadAddon(new unicode11Addon.Unicode11Addon() as unknown as Parameters<XTerminal['loadAddon']>[0]);
  term.unicode.activeVersion = '11';
  return term;
}

/** Parse `data` at once (xterm.js parses a user's input synchronously). */
function feedNow(term: XTerminal, data: Uint8Array | string): void {
  (term as unknown as { _core: XCore })._core._writeBuffer.handleUserInput();
  term.write(data);
}

/**
 * Parse a run of plain output again from the pen at its start, from a
 * parser put at rest (the run began at rest, and whatever the parser was
 * inside of is in what the run holds).
 */
function replayRun(term: XTerminal, run: PlainRun<PenState>): void {
  const ih = (term as unknown as { _core: XCore })._core._inputHandler;
  ih._parser.reset();
  ih._utf8Decoder.clear();
  ih._stringDecoder.clear();
  const pen = ih._curAttrData;
  pen.fg = run.start.fg;
  pen.bg = run.start.bg;
  pen.extended = run.start.extended.clone();
  if (run.sgr !== '') feedNow(term, run.sgr);
  for (const chunk of run) feedNow(term, chunk);
}

/**
 * A history let go after a flood (see shedHistory), set aside when output
 * that is not plain came after it: the run of output that rebuilds it, the
 * terminal's setup where the run ended (a snapshot: the modes, character
 * sets and tab stops its text was parsed under), and the buffer the
 * history belongs above.
 */
interface Shed {
  run: PlainRun<PenState>;
  setup: string;
  buffer: XActiveBuffer;
  cols: number;
  rows: number;
  trims: { dispose(): void };
}

/** A one-cell terminal whose parser applies pen changes to a pen (made when first needed). */
let penTerm: XTerminal | undefined;

/** The pen that `sgr` (a run of SGR sequences) makes of `pen`, as xterm.js applies them. */
function foldPen(pen: PenState, sgr: string): PenState {
  penTerm ??= new xterm.Terminal({ cols: 1, rows: 1, scrollback: 0, allowProposedApi: true });
  const core = (penTerm as unknown as { _core: XCore })._core;
  const ih = core._inputHandler;
  ih._parser.reset();
  ih._curAttrData.fg = pen.fg;
  ih._curAttrData.bg = pen.bg;
  ih._curAttrData.extended = pen.extended.clone();
  core._writeBuffer.handleUserInput();
  penTerm.write(sgr);
  return { fg: ih._curAttrData.fg, bg: ih._curAttrData.bg, extended: ih._curAttrData.extended.clone() };
}

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
  /** Operations not yet applied (queue[head] is next). */
  private queue: Op[] = [];
  private head = 0;
  private pumping = false;
  private pumpTimer: NodeJS.Timeout | undefined;
  /** The timer is STALE_WAIT, not a slice's yield: more output may cut it short. */
  private waitingStale = false;
  private quietTimer: NodeJS.Timeout | undefined;
  /** The parser has a chunk and will call back later (xterm went asynchronous). */
  private parsing = false;
  private changed = false;
  private readonly skipStale: boolean;
  /** Pen changes of skipped chunks, not yet applied. */
  private sgrCarry = '';
  /**
   * The start of a sequence or character that a skipped chunk ended in,
   * and where the scanner stood after it: the next chunk goes on from
   * there, skipped (its lead completes the sequence) or parsed after it.
   */
  private partial: Uint8Array | undefined;
  private partialState: Readonly<ScanState> | undefined;
  /** Lines still to parse after a skip before the model is exact again (0: exact). */
  private debt = 0;
  private debtLines: LineCounter | undefined;
  /** Bytes skipped as stale over the model's life. */
  skipped = 0;
  /** Bytes parsed (and parsed again to rebuild a history) over the model's life. */
  parsedBytes = 0;
  /**
   * The latest run of plain output, kept while a flood goes on: with it, a
   * skip need only make the screen exact (2 × rows lines parsed, not the
   * whole history's worth), and the history is rebuilt from the run when
   * someone looks at it or the flood ends.
   */
  private run: PlainRun<PenState> | undefined;
  /** Where the run began, while it is whole (see RunBase). */
  private base: RunBase | undefined;
  /** The history is as parsing every byte would have left it (false: rebuild it from `run`). */
  private historyExact = true;
  /**
   * The history of an earlier run, let go and set aside (see freezeRun):
   * it belongs above the emulator's lines, which are exact below it.
   */
  private shed: Shed | undefined;
  /** Where the scanner stood after the last chunk applied, when known. */
  private scanEnd: Readonly<ScanState> | undefined;
  /** The lines the next skip owes, and whether it leaves the history to the run. */
  private skipNeed = 0;
  private skipDeferred = false;
  private historyTimer: NodeJS.Timeout | undefined;
  /** Output that may still be parsed at once (FLOOD_BURST, FLOOD_RATE). */
  private readonly floodBudget = new TokenBucket(FLOOD_BURST, FLOOD_RATE, idleClock, FLOOD_BURST);
  private snapshotWaiters: { cb: SnapshotCallback; scrollback: number }[] = [];
  private settleTimer: NodeJS.Timeout | undefined;
  /**
   * Which screen rows have changed since when, so a frame need not compare
   * the rows it did not change (an echo changes one). The emulator reports
   * the rows each parse touched, as it does for its own renderer; anything
   * that moves every row (a scroll, a resize, the other screen) touches them
   * all. Counts, not flags: every grid that reads the model keeps the count
   * it last read at (Grid.seen).
   */
  private readonly id = idOf(this);
  private touches = 0;
  private rowTouched = new Float64Array(0);
  private allTouched = 0;
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
    this.skipStale = opts.skipStale ?? false;
    this.term = newEmulator(opts.cols, opts.rows, opts.scrollback);
    this.core = (this.term as unknown as { _core: XCore })._core;
    // The history set aside after a flood (freezeRun), and what output does
    // to it. The emulator's own handlers run after these. What erases the
    // history erases it too: ED 3 (`clear`) on the normal screen, a full
    // reset (RIS).
    const parser = this.term.parser;
    parser.registerCsiHandler({ final: 'J' }, (params) => {
      if (this.shed && params[0] === 3 && this.core.buffer === this.core.buffers.normal) this.dropShed();
      return false;
    });
    parser.registerEscHandler({ final: 'c' }, () => {
      this.dropShed();
      return false;
    });
    // xterm.js saves the cursor's line counted from the top of the history
    // and moves it only on resize, so what a saved cursor comes back to
    // depends on how full the history is: put the history back first
    // (DECSC/DECRC, SCOSC/SCORC, ?1048 and ?1049, which also saves it, and
    // DECSTR, which resets it). A full-screen program's start, not a keystroke.
    const putBack = (): boolean => {
      if (this.shed) this.restoreShed(this.shed);
      return false;
    };
    const savesCursor = (params: readonly (number | number[])[]): boolean => {
      if (this.shed && params.some((p) => p === 1048 || p === 1049)) this.restoreShed(this.shed);
      return false;
    };
    for (const final of ['7', '8']) parser.registerEscHandler({ final }, putBack);
    for (const final of ['s', 'u']) parser.registerCsiHandler({ final }, putBack);
    for (const final of ['h', 'l']) parser.registerCsiHandler({ prefix: '?', final }, savesCursor);
    parser.registerCsiHandler({ intermediates: '!', final: 'p' }, putBack);
    this.term.onData((d) => this.onReply.fire(d));
    this.term.onBinary((d) => this.onReply.fire(d));
    this.term.onWriteParsed(() => (this.changed = true));
    this.term.onTitleChange((t) => this.onTitle.fire(t));
    this.core._inputHandler.onRequestRefreshRows((rows) => this.touch(rows));
    this.core._bufferService.onScroll(() => this.touchAll());
    this.term.buffer.onBufferChange(() => this.touchAll());
    this.term.onResize(() => this.touchAll());
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

  /** Queue bytes for parsing; `done` runs once they have been parsed (perhaps before write returns). */
  write(data: Uint8Array | string, done?: () => void): void {
    if (this.disposed) return;
    const n = data.length;
    this.pendingBytes += n;
    this.writtenBytes += n;
    this.inflight.push(data);
    const op: Op = { k: 'data', data, done, scan: undefined, part: false, whole: undefined };
    this.queue.push(op);
    // In a flood of plain text, wait a moment before parsing: what arrives
    // meanwhile may make most of it stale (skipped instead of parsed).
    if (this.skipStale && this.flooding(n) && this.pendingBytes < STALE_MAX) {
      const from = this.scanFrom();
      if (from) {
        op.scan = scanChunk(data, from);
        if (op.scan.plain) {
          if (!this.pumpTimer && !this.pumping && !this.parsing) {
            this.pumpTimer = setTimeout(() => this.resume(), STALE_WAIT);
            this.waitingStale = true;
          }
          // The flood may be over: if nothing follows for a moment, parse now.
          if (this.waitingStale) {
            if (this.quietTimer) this.quietTimer.refresh();
            else this.quietTimer = setTimeout(() => this.quiet(), STALE_QUIET);
          }
          return;
        }
      }
    }
    if (this.waitingStale) {
      clearTimeout(this.pumpTimer);
      this.pumpTimer = undefined;
      this.waitingStale = false;
    }
    this.pump();
  }

  /** Where the scanner stands before the last queued chunk, when known. */
  private scanFrom(): Readonly<ScanState> | undefined {
    const i = this.queue.length - 2;
    if (i < this.head) return this.stateHere();
    const prev = this.queue[i]!;
    return prev.k === 'data' ? prev.scan?.end : undefined;
  }

  /** Where the scanner stands at the current point of the stream, when known. */
  private stateHere(): Readonly<ScanState> | undefined {
    return this.partialState ?? (this.atRest() ? AT_REST : this.scanEnd);
  }

  /** Charge output to the flood budget; true once it is spent (a flood, not an echo or a redraw). */
  private flooding(n: number): boolean {
    return !this.floodBudget.charge(n);
  }

  /**
   * No output for STALE_QUIET while waiting: the flood has ended (or
   * paused), parse it — once it is sure the quiet was the program's. A timer
   * runs before the event loop polls for input, so one that ran late because
   * this process was busy (drawing, parsing) would take output already
   * waiting to be read for the end of the flood, and parse what is about to
   * go stale; early in a flood, while code is cold, that happened between
   * most reads. So look again after the poll (setImmediate): only if nothing
   * came meanwhile is it quiet.
   */
  private quiet(): void {
    if (!this.waitingStale) return;
    const written = this.writtenBytes;
    setImmediate(() => {
      if (this.disposed || !this.waitingStale || this.writtenBytes !== written) return; // more came: the timer was refreshed
      clearTimeout(this.pumpTimer);
      this.resume();
    });
  }

  private resume(): void {
    this.pumpTimer = undefined;
    this.waitingStale = false;
    this.pump();
  }

  /**
   * True when the parser is between sequences and characters, so a snapshot
   * followed by the next bytes means the same as the bytes themselves.
   */
  settled(): boolean {
    return this.debt === 0 && this.partial === undefined && this.atRest();
  }

  /** The parser is in its ground state with no character half decoded. */
  private atRest(): boolean {
    const ih = this.core._inputHandler;
    return ih._parser.currentState === 0 && ih._utf8Decoder.interim[0] === 0 && ih._stringDecoder._interim === 0;
  }

  /**
   * Snapshot at the next chunk boundary where the parser is settled. `cb`
   * gets the snapshot and the chunks and resizes queued after that point;
   * the caller forwards those, then anything given later, to whoever gets
   * the snapshot. A program that stops mid-sequence gets its snapshot after
   * SETTLE_TIMEOUT regardless. With `latest`, a settled model is snapshot
   * as it stands, with everything still queued following.
   */
  requestSnapshot(cb: SnapshotCallback, scrollback = SNAPSHOT_SCROLLBACK, opts: { latest?: boolean } = {}): void {
    if (this.disposed) return;
    // Never call back from inside this call (writes now parse at once):
    // callers may still be setting up what the callback uses.
    queueMicrotask(() => {
      // `latest`: the state as parsed so far will do, when it is settled
      // (a paced frame): no waiting for the backlog, which may be skipped.
      if (opts.latest && !this.disposed && this.settled()) {
        cb(this.snapshot(scrollback), this.inflight.slice());
        return;
      }
      this.snapshotWaiters.push({ cb, scrollback });
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
      });
    });
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
    this.enqueue({ k: 'call', fn });
  }

  /** Resize, ordered after the bytes already queued. */
  resize(cols: number, rows: number): void {
    if (this.disposed) return;
    this.inflight.push({ cols, rows });
    this.enqueue({ k: 'resize', cols, rows });
  }

  /** Reset to a blank terminal of the given size, ordered after queued bytes. */
  reset(cols: number, rows: number): void {
    this.flush(() => {
      // Nothing before this matters any more, the history included.
      this.dropRun();
      this.term.reset();
      if (cols !== this.term.cols || rows !== this.term.rows) this.term.resize(cols, rows);
      this.changed = true;
    });
  }

  /**
   * Queue everything `fn` writes and parse it afterwards, as one backlog (a
   * flood read faster than it is parsed builds one). For tests.
   */
  batch(fn: () => void): void {
    const was = this.pumping;
    this.pumping = true;
    try {
      fn();
    } finally {
      this.pumping = was;
    }
    this.pump();
  }

  private enqueue(op: Op): void {
    this.queue.push(op);
    this.pump();
  }

  /**
   * Apply queued operations: at once when called with nothing else queued
   * (every small chunk is someone's echo), a slice at a time under a
   * backlog, never yielding while a skip is being caught up (so nothing
   * sees the model in between).
   */
  private pump(): void {
    if (this.pumping || this.parsing || this.pumpTimer || this.disposed) return;
    this.pumping = true;
    const t0 = performance.now();
    try {
      while (this.head < this.queue.length && !this.parsing && !this.disposed) {
        if (this.debt === 0 && performance.now() - t0 >= PARSE_SLICE) {
          this.pumpTimer = setTimeout(() => this.resume(), 0);
          break;
        }
        const op = this.queue[this.head]!;
        this.queue[this.head++] = undefined as unknown as Op;
        this.apply(op);
        if (this.head > 1024 && this.head * 2 > this.queue.length) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
      }
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
      }
    } finally {
      this.pumping = false;
    }
    if (this.run && this.head === this.queue.length && !this.disposed) {
      if (this.historyTimer) this.historyTimer.refresh();
      else {
        this.historyTimer = setTimeout(() => this.idleHistory(), HISTORY_IDLE);
        this.historyTimer.unref();
      }
    }
    if (this.changed && this.debt === 0 && !this.disposed) {
      this.changed = false;
      this.onChange.fire();
    }
  }

  /**
   * Output has stopped: keep the history as the output that rebuilds it,
   * when that is the smaller, or else rebuild the history now and let the
   * run go.
   */
  private idleHistory(): void {
    this.historyTimer = undefined;
    if (this.disposed || this.pumping || this.parsing || this.head < this.queue.length) return;
    if (this.shedHistory()) return;
    this.endRun();
  }

  /**
   * After a flood the history is the run's to rebuild (the emulator's own
   * lines above the screen are only what was parsed to keep the screen
   * exact), and the run holds a history's worth on its own. The run is the
   * output as it came, ~80 bytes a line of text; the emulator's history is
   * 12 bytes a cell and ~400 a line (120 columns, 2000 lines: 4.5 MB). So,
   * while nobody reads the history, keep only the run, and let the
   * emulator's lines above the screen go. A reader rebuilds the history
   * from the run (ensureHistory), as during the flood; so does output that
   * is not plain, which ends the run. True when the history was let go (or
   * there was none to let go).
   */
  private shedHistory(): boolean {
    const run = this.run;
    if (this.historyExact || !run || run.whole || this.base) return false;
    const b = this.core.buffer;
    const rows = this.term.rows;
    if (b.lines.length !== b.ybase + rows) return false;
    // The run holds enough lines to fill the whole history when rebuilt.
    const rebuilt = (this.term.options.scrollback ?? 0) * (this.term.cols * HISTORY_CELL_BYTES + HISTORY_LINE_BYTES);
    if (run.bytes * 2 > rebuilt) return false; // long lines: the rebuilt history is the smaller
    run.pack(); // compressed until someone reads the history
    if (b.ybase === 0) return true;
    const shed = b.ybase;
    const screen: XLine[] = [];
    for (let i = b.ybase; i < b.ybase + rows; i++) screen.push(b.lines.get(i)!);
    replaceLines(b, screen);
    b.ybase = 0;
    b.ydisp = 0;
    trace?.(`model: ${shed} lines of history let go, kept as ${run.bytes} bytes of output in ${run.heldBytes} (rebuilt: ~${(rebuilt / 1e6).toFixed(1)} MB)`);
    return true;
  }

  /**
   * Output that is not plain has come after a flood whose history was let
   * go (or can be now): set the history aside instead of rebuilding it.
   * Rebuilding means parsing a history's worth of output again, tens of ms
   * (a cold 2000 lines: ~50), and it would hold up that output: most often
   * someone's first keystroke after the flood. The emulator goes on with
   * the screen it has, exact, and its own lines pile up above it; the
   * history set aside goes above those when someone reads the history
   * (restoreShed). True when it was set aside.
   */
  private freezeRun(): boolean {
    const run = this.run;
    const b = this.core.buffer;
    // Only with the screen exact: nothing owed since a skip, nothing cut off.
    if (!run || this.historyExact || this.debt !== 0 || this.partial || b !== this.core.buffers.normal) return false;
    if (!this.shedHistory()) return false;
    this.dropShed(); // cannot be one: a run that let its history go holds a history's worth
    this.shed = {
      run,
      setup: this.snapshot(0),
      buffer: b,
      cols: this.term.cols,
      rows: this.term.rows,
      // Lines dropped off the top: the emulator's own lines fill the history, pushing out the rest.
      trims: b.lines.onTrim(() => this.dropShed()),
    };
    this.run = undefined;
    this.historyExact = true;
    if (this.historyTimer) {
      clearTimeout(this.historyTimer);
      this.historyTimer = undefined;
    }
    return true;
  }

  /**
   * Put the history set aside back above the emulator's lines: parse its
   * run in a scratch emulator set up as the terminal was where the run
   * ended, take the lines it leaves above its screen (that screen is where
   * the emulator's lines begin), and keep as many as the history holds.
   */
  private restoreShed(shed: Shed): void {
    this.dropShed();
    const b = this.core.buffers.normal;
    if (b !== shed.buffer || this.term.cols !== shed.cols || this.term.rows !== shed.rows) return; // cannot happen: resets drop it, resizes restore it first
    const t0 = performance.now();
    const scratch = newEmulator(shed.cols, shed.rows, this.term.options.scrollback ?? 0);
    try {
      feedNow(scratch, shed.setup);
      replayRun(scratch, shed.run);
      const sb = (scratch as unknown as { _core: XCore })._core.buffers.normal;
      const lines: XLine[] = [];
      for (let i = 0; i < sb.ybase; i++) lines.push(sb.lines.get(i)!);
      const above = lines.length;
      for (let i = 0; i < b.lines.length; i++) lines.push(b.lines.get(i)!);
      const cut = Math.max(0, lines.length - (b.lines as unknown as XLineRing).maxLength);
      replaceLines(b, cut > 0 ? lines.slice(cut) : lines);
      b.ybase += above - cut;
      b.ydisp += above - cut;
      this.parsedBytes += shed.run.bytes + shed.run.sgr.length;
      this.changed = true;
      trace?.(`model: history set aside put back, ${above - cut} lines from ${shed.run.bytes} bytes in ${(performance.now() - t0).toFixed(1)} ms`);
    } finally {
      scratch.dispose();
    }
  }

  /** Give up the run of plain output and the history it would rebuild (a reset). */
  private dropRun(): void {
    this.run = undefined;
    this.dropBase();
    this.dropShed();
    this.historyExact = true;
  }

  /** Forget the history set aside (erased, reset, or pushed out by what came since). */
  private dropShed(): void {
    this.shed?.trims.dispose();
    this.shed = undefined;
  }

  private dropBase(): void {
    this.base?.trims.dispose();
    this.base = undefined;
  }

  /** Keep what it takes to put the buffer back as it is now (see RunBase); not under reverse wraparound, which lets BS climb into the lines above. */
  private takeBase(): RunBase | undefined {
    const b = this.core.buffer;
    const rows = this.term.rows;
    if (this.core.coreService.decPrivateModes.reverseWraparound || b.lines.length !== b.ybase + rows) return undefined;
    const lines: XLine[] = [];
    for (let i = b.ybase + b.y; i < b.ybase + rows; i++) {
      const line = b.lines.get(i);
      if (!line) return undefined;
      lines.push(line.clone());
    }
    const base: RunBase = { buffer: b, lines, x: b.x, y: b.y, length: b.lines.length, top: 0, trims: { dispose: () => {} } };
    base.trims = b.lines.onTrim((n) => (base.top += n));
    return base;
  }

  /**
   * Put the buffer back as it was where the run began, but for lines
   * dropped off the top since (parsing every byte drops at least those);
   * blank lines stand in for any the screen then lacks (they are dropped
   * again before the run ends).
   */
  private restoreBase(base: RunBase): void {
    const b = base.buffer;
    const rows = this.term.rows;
    const at = base.length - rows + base.y; // the cursor's line, counted from the start's first line
    const kept: XLine[] = [];
    for (let i = 0; i < at - base.top; i++) kept.push(b.lines.get(i)!);
    const pad = Math.max(0, rows - (base.length - base.top));
    const lines: XLine[] = [];
    for (let i = 0; i < pad; i++) lines.push(b.getBlankLine(this.core._inputHandler._curAttrData));
    lines.push(...kept);
    for (let i = Math.max(0, base.top - at); i < base.lines.length; i++) lines.push(base.lines[i]!.clone());
    replaceLines(b, lines);
    base.top -= pad;
    b.ybase = b.lines.length - rows;
    b.ydisp = b.ybase;
    b.x = base.x;
    b.y = base.y;
  }

  /** Give up the run of plain output, rebuilding the history from it first if it must be. */
  private endRun(): void {
    this.rebuildRun();
    this.run = undefined;
    this.dropBase();
    if (this.historyTimer) {
      clearTimeout(this.historyTimer);
      this.historyTimer = undefined;
    }
  }

  /** Make the history exact before it is read: the run's, then any set aside above it. Only at a chunk boundary. */
  private ensureHistory(): void {
    if (this.parsing) return;
    this.rebuildRun();
    if (this.shed) this.restoreShed(this.shed);
  }

  /**
   * Make the history exact: parse the run again from the pen at its start
   * (from a parser put at rest). Everything it holds came after a point
   * where the model was exact, and it holds enough lines to push all that
   * came before out of the history, so the model ends where parsing every
   * byte would have left it, screen and all. Only at a chunk boundary.
   */
  private rebuildRun(): void {
    if (this.historyExact || this.parsing) return;
    const run = this.run;
    if (!run) return; // cannot happen: the history is inexact only while a run is kept
    this.historyExact = true;
    if (this.base) this.restoreBase(this.base);
    this.parsedBytes += run.bytes + run.sgr.length;
    replayRun(this.term, run);
    // Whatever was owed or carried is in what was parsed.
    this.debt = 0;
    this.debtLines = undefined;
    this.sgrCarry = '';
    this.partial = undefined;
    this.partialState = undefined;
    this.changed = true;
  }

  /**
   * Before a chunk is applied: the run of plain output goes on with it, ends
   * before it (it is not plain), or begins with it (a flood's chunk, with
   * the model exact).
   */
  private runBefore(op: Extract<Op, { k: 'data' }>): void {
    const from = this.stateHere();
    if (from && (!op.scan || !sameState(op.scan.from, from))) {
      // Scanning costs little next to parsing, but only a flood (a backlog) needs it.
      if (!this.run && !op.scan && this.head >= this.queue.length) return;
      op.scan = scanChunk(op.data, from);
    }
    const plain = from !== undefined && op.scan !== undefined && op.scan.plain;
    if (this.run) {
      if (!plain && !this.freezeRun()) this.endRun();
      return;
    }
    if (!plain || op.part || op.whole || !this.exactAtRest()) return;
    const pen = this.core._inputHandler._curAttrData;
    const keep = linesToForget(this.term.rows, this.term.options.scrollback ?? 0);
    this.run = new PlainRun<PenState>({ fg: pen.fg, bg: pen.bg, extended: pen.extended.clone() }, keep, foldPen);
    this.base = this.takeBase();
  }

  /** Exact, at rest, nothing carried, the whole screen the scroll region: where a run may begin. */
  private exactAtRest(): boolean {
    const b = this.core.buffer;
    return (
      this.historyExact && this.debt === 0 && this.partial === undefined && this.sgrCarry === '' && this.atRest() &&
      b.scrollTop === 0 && b.scrollBottom === this.term.rows - 1
    );
  }

  /** After a whole chunk is applied: it joins the run. */
  private runAfter(data: Uint8Array | string, scan: ChunkScan | undefined): void {
    this.scanEnd = scan?.plain ? scan.end : undefined;
    const run = this.run;
    if (!run) return;
    if (!scan?.plain) {
      this.endRun(); // cannot happen: runBefore ended it
      return;
    }
    run.add(data, scan);
    // Trimmed, the run holds a history's worth of lines: it no longer needs
    // its start, and nothing from before it stays in the history.
    if (!run.whole) {
      this.dropBase();
      this.dropShed();
    }
    if (run.overgrown) this.endRun();
  }

  private apply(op: Op): void {
    switch (op.k) {
      case 'call':
        this.payDebt(undefined);
        this.applyCarry();
        // The run goes on: whoever reads the history rebuilds it first.
        op.fn();
        return;
      case 'resize':
        this.payDebt(undefined);
        this.applyCarry();
        if (this.run) this.endRun();
        if (this.shed) this.restoreShed(this.shed); // reflowed with the rest of the history
        this.inflight.shift();
        if (op.cols !== this.term.cols || op.rows !== this.term.rows) {
          this.term.resize(op.cols, op.rows);
          this.changed = true;
        }
        if (this.snapshotWaiters.length > 0 && this.settled()) this.takeSnapshots();
        return;
      case 'data':
        if (this.skipStale && !op.whole) this.runBefore(op);
        // Chunks that are parsed are parsed whole: xterm.js draws a wide
        // character at the margin differently when a write ends after it.
        if (this.skipStale && this.head < this.queue.length && this.atRest()) {
          const n = this.skippable(op);
          if (n > 0) {
            // Whole, or up to where the last character or sequence begins; that one is parsed.
            this.skip(n < op.data.length ? this.split(op, n) : op);
            return;
          }
        }
        this.parse(op);
        return;
    }
  }

  /** Queue data[at:] next, as the rest of the chunk, and return data[:at] as a part (to skip). */
  private split(op: Extract<Op, { k: 'data' }>, at: number): Extract<Op, { k: 'data' }> {
    this.queue[--this.head] = { k: 'data', data: op.data.slice(at), done: op.done, scan: undefined, part: op.part, whole: op.whole ?? { data: op.data, scan: op.scan } };
    // The chunk's scan serves the front: its SGRs all end before `at`, at the same offsets.
    return { k: 'data', data: op.data.slice(0, at), done: undefined, scan: op.scan, part: true, whole: undefined };
  }

  private parse(op: Extract<Op, { k: 'data' }>): void {
    this.applyCarry();
    this.payDebt(op);
    this.parsedBytes += op.data.length;
    this.parsing = true;
    // Parse now, not on xterm's next timer tick (≥ 1 ms in Node), as xterm
    // does for a user's keystrokes: xterm then parses synchronously.
    this.core._writeBuffer.handleUserInput();
    this.term.write(op.data, () => {
      this.parsing = false;
      this.parsed(op);
      // xterm called back later than usual: go on with the queue.
      if (!this.pumping) this.pump();
    });
  }

  /**
   * Count the lines a chunk parsed after a skip adds towards exactness. The
   * skip was decided on enough such lines queued up to the next resize or
   * call, so anything else (or running out) means exact: never wait forever.
   */
  private payDebt(op: Extract<Op, { k: 'data' }> | undefined): void {
    if (this.debt === 0) return;
    if (op) this.debt -= this.debtLines!.add(op.scan ?? scanChunk(op.data));
    if (!op || this.debt <= 0 || this.head >= this.queue.length) {
      this.debt = 0;
      this.debtLines = undefined;
    }
  }

  /** Bookkeeping once a chunk counts as parsed (or skipped). */
  private parsed(op: Extract<Op, { k: 'data' }>): void {
    this.pendingBytes -= op.data.length;
    if (op.part) return; // the stream's chunk is not over yet
    if (this.skipStale) {
      if (op.whole) this.runAfter(op.whole.data, op.whole.scan);
      else this.runAfter(op.data, op.scan);
    }
    this.inflight.shift();
    if (this.snapshotWaiters.length > 0 && this.settled()) this.takeSnapshots();
    if (op.done) op.done();
  }

  /**
   * How much of a queued chunk can be skipped (0: none): its plain text up
   * to where the parser is last at rest, when the parser is at rest now
   * with the full screen as scroll region, and the plain chunks queued
   * behind it (up to the next resize or call) hold enough lines to push
   * everything it would write out of the history. A chunk that ends inside
   * a sequence or character (a pty read cuts anywhere) goes whole when the
   * chunk after it will be skipped too, which then completes it.
   */
  private skippable(op: Extract<Op, { k: 'data' }>): number {
    const b = this.core.buffer;
    if (b.scrollTop !== 0 || b.scrollBottom !== this.term.rows - 1) return 0;
    const from = this.partialState ?? AT_REST;
    if (!op.scan || !sameState(op.scan.from, from)) op.scan = scanChunk(op.data, from);
    // How much: up to where the last character or sequence begins (a byte
    // offset: a string chunk, whose scan counts UTF-8 bytes, goes whole or not at all).
    const whole = op.data.length;
    const upTo = typeof op.data !== 'string' ? op.scan.lastRest : endsAtRest(op.scan) ? whole : 0;
    // (A chunk that sets modes is parsed: what it sets must not be lost.)
    if (!op.scan.plain || op.scan.modes || upTo <= 0) return 0;
    // With the run holding the history's worth of lines, this chunk
    // included, or able to put the buffer back where it began, the skip
    // need only make the screen exact.
    const needAll = linesToForget(this.term.rows, this.term.options.scrollback ?? 0);
    const deferred = this.run !== undefined && (this.base !== undefined || this.run.countWith(op.scan) >= needAll);
    const need = deferred ? linesToForget(this.term.rows, 0) : needAll;
    this.skipNeed = need;
    this.skipDeferred = deferred;
    const lines = new LineCounter(); // behind this chunk
    const linesAfterNext = new LineCounter(); // behind the next one
    let canWhole = upTo < whole;
    let prev = op.scan;
    for (let i = this.head; i < this.queue.length; i++) {
      const next = this.queue[i]!;
      if (next.k !== 'data' || !prev.end) break;
      if (!next.scan || !sameState(next.scan.from, prev.end)) next.scan = scanChunk(next.data, prev.end);
      if (!next.scan.plain) break;
      lines.add(next.scan);
      if (i > this.head) linesAfterNext.add(next.scan);
      else if (typeof next.data === 'string' || next.scan.lastRest <= 0) canWhole = false; // it cannot complete this one
      if (lines.count >= need) {
        if (upTo === whole) return whole;
        if (!canWhole) return upTo;
        if (linesAfterNext.count >= need) return whole;
      }
      prev = next.scan;
    }
    return lines.count >= need ? upTo : 0;
  }

  private skip(op: Extract<Op, { k: 'data' }>): void {
    const scan = op.scan!; // made by skippable()
    let carry = this.sgrCarry;
    if (this.partial) {
      // This chunk completes the sequence the last one ended in.
      if (scan.leadSgr) {
        const seq = latin1(this.partial, 0, this.partial.length) + latin1(op.data as Uint8Array, 0, scan.leadEnd);
        carry = scan.leadReset ? seq : carry + seq;
      }
      this.partial = undefined;
      this.partialState = undefined;
    }
    this.sgrCarry = sgrText(scan, op.data, carry);
    if (scan.lastRest < op.data.length) {
      // Skipped whole, ending inside a sequence: keep its start for the next chunk.
      this.partial = (op.data as Uint8Array).slice(scan.lastRest);
      this.partialState = scan.end;
    }
    if (this.sgrCarry.length > SGR_CARRY_MAX) this.writeCarry();
    this.skipped += op.data.length;
    // What comes next is parsed without a break until the model (or, with
    // the run kept, its screen) is exact; another skip starts the count again.
    this.debt = this.skipNeed;
    this.debtLines = new LineCounter();
    if (this.skipDeferred) this.historyExact = false;
    this.changed = true;
    this.parsed(op);
  }

  /**
   * Give the parser the pen changes of the chunks skipped since the last
   * parse, and the start of the sequence the last of them ended in.
   */
  private applyCarry(): void {
    this.writeCarry();
    if (this.partial) {
      const bytes = this.partial;
      this.partial = undefined;
      this.partialState = undefined;
      this.core._writeBuffer.handleUserInput();
      this.term.write(bytes);
    }
  }

  private writeCarry(): void {
    if (this.sgrCarry === '') return;
    const sgr = this.sgrCarry;
    this.sgrCarry = '';
    this.core._writeBuffer.handleUserInput();
    this.term.write(sgr);
  }

  /**
   * Serialize the screen (and up to `scrollback` lines of history) as bytes
   * that rebuild it in a blank terminal of the same size. Exact only when
   * nothing is queued and the parser is settled: use requestSnapshot.
   */
  snapshot(scrollback = SNAPSHOT_SCROLLBACK): string {
    if (scrollback > 0) this.ensureHistory();
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

  /** Screen rows `start`–`end` have changed (all of them when undefined). */
  private touch(rows: { start: number; end: number } | undefined): void {
    const b = this.core.buffer;
    if (!rows || b.ydisp !== b.ybase || this.rowTouched.length !== this.term.rows) {
      this.touchAll();
      return;
    }
    const at = ++this.touches;
    for (let y = rows.start; y <= rows.end; y++) this.rowTouched[y] = at;
  }

  private touchAll(): void {
    this.allTouched = ++this.touches;
    if (this.rowTouched.length !== this.term.rows) this.rowTouched = new Float64Array(this.term.rows);
  }

  /** Cursor position on the visible screen (x may equal cols while a wrap is pending). */
  cursor(): { x: number; y: number } {
    const b = this.term.buffer.active;
    return { x: b.cursorX, y: b.cursorY };
  }

  /** Lines the emulator holds now, screen and history as parsed so far, with nothing rebuilt (for tests and traces). */
  get linesHeld(): number {
    return this.core.buffer.lines.length;
  }

  /** Lines of history above the screen in the active buffer. */
  get scrollbackLength(): number {
    this.ensureHistory();
    return this.term.buffer.active.baseY;
  }

  /**
   * Copy cells into `grid`. The model's cell (left + x, top + y), counted
   * on the screen `scrollUp` lines back in history, lands at (x, y) of the
   * grid, for x < min(grid.cols, cols - left) and y < min(rows, grid.rows,
   * model rows - top); other grid cells are left untouched.
   */
  readGrid(grid: Grid, view: { scrollUp?: number; left?: number; top?: number; rows?: number } = {}): void {
    if (view.scrollUp) this.ensureHistory();
    // The emulator's own lines and words (xterm.js internals, pinned; see
    // XCells): per cell a few loads and bit tests instead of a dozen calls
    // through its public cell API. Every frame of every viewer comes here,
    // and in a flood's first frames the code is still cold.
    const b = this.core.buffer;
    const left = view.left ?? 0;
    const topRow = view.top ?? 0;
    const cols = Math.max(0, Math.min(grid.cols, this.term.cols - left));
    const rows = Math.max(0, Math.min(view.rows ?? grid.rows, grid.rows, this.term.rows - topRow));
    const base = Math.max(0, b.ybase - (view.scrollUp ?? 0)) + topRow;
    const { damage, sources } = grid;
    // Rows the model has not touched since this grid last read them, from
    // the same lines in the same place, are as they were: not even compared.
    // Anything that moved or replaced the lines shows in what is compared
    // here (our own history work replaces the ring's array).
    const ring = b.lines as unknown as XLineRing;
    let seen = grid.seen as GridSeen | undefined;
    const bufferId = idOf(b);
    const ringId = idOf(ring._array);
    const since =
      seen && !view.scrollUp && seen.model === this.id && seen.buffer === bufferId && seen.ring === ringId && seen.start === ring._startIndex &&
      seen.base === base && seen.left === left && seen.top === topRow && seen.cols === cols && seen.rows === rows &&
      this.allTouched <= seen.at && this.rowTouched.length === this.term.rows
        ? seen.at
        : -1;
    for (let y = 0; y < rows; y++) {
      if (since >= 0 && sources![y] !== undefined && this.rowTouched[topRow + y]! <= since) continue;
      const line = b.lines.get(base + y) as XCells | undefined;
      // Cells [left, end) exist on this line; those past it read as blanks.
      const end = line ? Math.min(cols, line.length - left) : 0;
      // A tracked grid skips rows whose raw cells are as they were last read.
      let raw: Uint32Array | undefined;
      if (damage && sources) {
        raw = line && line.length >= left + cols ? line._data.subarray(left * 3, (left + cols) * 3) : undefined;
        const was = sources[y];
        if (raw && was && sameCells(was, raw)) continue;
      }
      const changed = readRow(line, left, end, cols, grid, y * grid.cols);
      if (damage && sources) {
        if (changed) damage[y] = 1;
        sources[y] = raw && !hasCombined(raw) ? copyCells(sources[y], raw) : undefined;
      }
    }
    if (!damage || !sources) return;
    if (view.scrollUp) {
      grid.seen = undefined;
      return;
    }
    seen ??= grid.seen = {} as GridSeen;
    seen.model = this.id;
    seen.buffer = bufferId;
    seen.ring = ringId;
    seen.start = ring._startIndex;
    seen.base = base;
    seen.left = left;
    seen.top = topRow;
    seen.cols = cols;
    seen.rows = rows;
    seen.at = this.touches;
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
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    if (this.quietTimer) clearTimeout(this.quietTimer);
    if (this.historyTimer) clearTimeout(this.historyTimer);
    this.run = undefined;
    this.dropShed();
    this.queue = [];
    this.head = 0;
    this.snapshotWaiters = [];
    this.onReply.clear();
    this.onChange.clear();
    this.onTitle.clear();
    this.onBell.clear();
    this.term.dispose();
  }
}

/**
 * Read cells [left, left + cols) of `line` into the grid from index i on
 * (the view's cells from `end` on, past the line, read as blanks); whether
 * any grid cell changed. A function of its own (readGrid calls it per row),
 * so that V8 optimises it once, where the whole frame in one function was
 * compiled twice in a flood's first frames: once on stack replacement in
 * the middle of its long loop, once more for its next call.
 */
function readRow(line: XCells | undefined, left: number, end: number, cols: number, grid: Grid, i: number): boolean {
  const { chars, widths, fg, bg, attrs } = grid;
  let changed = false;
  for (let x = 0; x < cols; x++, i++) {
    let c = ' ';
    let w = 1;
    let f = 0;
    let k = 0;
    let a = 0;
    if (x < end) {
      const at = (left + x) * 3;
      const data = line!._data;
      const content = data[at]!;
      const fw = data[at + 1]!;
      const bw = data[at + 2]!;
      w = content >> WIDTH_SHIFT;
      if (w === 0) c = ''; // the tail of a wide character
      else if (content & IS_COMBINED) c = line!._combined[left + x] || ' ';
      else if (content & CODEPOINT) c = codePointText(content & CODEPOINT);
      // The grid packs colours as xterm does (mode | value); default is
      // COLOR_DEFAULT (0), a palette colour keeps its index, RGB its 24 bits.
      const fm = fw & COLOR_MODE_MASK;
      if (fm !== 0) f = fm | (fw & (fm === COLOR_RGB ? COLOR_VALUE_MASK : 0xff));
      const bm = bw & COLOR_MODE_MASK;
      if (bm !== 0) k = bm | (bw & (bm === COLOR_RGB ? COLOR_VALUE_MASK : 0xff));
      if (fw !== 0 || bw !== 0) a = cellAttrs(fw, bw, line!, left + x);
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
  return changed;
}

/** Content word bit of a cell whose text is in the line's combined map (xterm's Content.IS_COMBINED_MASK). */
const IS_COMBINED = 0x200000;

/**
 * A line as xterm.js 6.0.0 keeps it (BufferLine; pinned exactly, and
 * test/term.test.ts reads every kind of cell both ways): three words a cell
 * — content (code point, combined flag, width), foreground and background
 * (colour mode and value, attribute flags) — and, beside them, the text of
 * cells with combining characters and the underline style of cells that
 * have one.
 */
interface XCells {
  length: number;
  _data: Uint32Array;
  _combined: Record<number, string>;
  _extendedAttrs: Record<number, { underlineStyle: number } | undefined>;
}

const CODEPOINT = 0x1fffff;
const WIDTH_SHIFT = 22;
// Attribute flags in the foreground word…
const FG_INVERSE = 0x4000000;
const FG_BOLD = 0x8000000;
const FG_UNDERLINE = 0x10000000;
const FG_BLINK = 0x20000000;
const FG_INVISIBLE = 0x40000000;
const FG_STRIKETHROUGH = 0x80000000;
// …and in the background word.
const BG_ITALIC = 0x4000000;
const BG_DIM = 0x8000000;
const BG_OVERLINE = 0x40000000;

/** A cell's text from its code point, as xterm.js makes it (a surrogate pair above the BMP). */
function codePointText(cp: number): string {
  if (cp <= 0xffff) return String.fromCharCode(cp);
  cp -= 0x10000;
  return String.fromCharCode((cp >> 10) + 0xd800) + String.fromCharCode((cp % 0x400) + 0xdc00);
}

/** A grid's attribute bits (ATTR_*) from a cell's words; an underline style other than none underlines. */
function cellAttrs(fw: number, bw: number, line: XCells, x: number): number {
  let underline = (fw & FG_UNDERLINE) !== 0;
  if (bw & BG_HAS_EXTENDED) {
    const style = line._extendedAttrs[x]?.underlineStyle ?? 0;
    if (style !== 0) underline = true;
  }
  return (
    (fw & FG_BOLD ? ATTR_BOLD : 0) |
    (bw & BG_DIM ? ATTR_DIM : 0) |
    (bw & BG_ITALIC ? ATTR_ITALIC : 0) |
    (underline ? ATTR_UNDERLINE : 0) |
    (fw & FG_BLINK ? ATTR_BLINK : 0) |
    (fw & FG_INVERSE ? ATTR_INVERSE : 0) |
    (fw & FG_INVISIBLE ? ATTR_INVISIBLE : 0) |
    (fw & FG_STRIKETHROUGH ? ATTR_STRIKE : 0) |
    (bw & BG_OVERLINE ? ATTR_OVERLINE : 0)
  );
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
