// The path a window's output takes to a helper's eyes, in one process: the
// window's model (fed the program's bytes), a snapshot at a settled point and
// the stream items after it (TermModel.requestSnapshot, as Session.follow
// sends them), a replica built from those as listen.ts builds it, our Viewer
// composing the replica with the status bar, the Renderer's bytes, and a
// fresh TermModel playing the helper's real terminal. Plus the comparison of
// a drawn screen with a directly-fed model, cell for cell.

import { TermModel, type Modes } from '../../src/mux/term.js';
import { createGrid, ATTR_INVERSE, ATTR_INVISIBLE, ATTR_OVERLINE, ATTR_STRIKE, ATTR_UNDERLINE, type Grid } from '../../src/mux/grid.js';
import { Viewer } from '../../src/view/viewer.js';
import type { Caps } from '../../src/view/caps.js';
import { attrMask, convertColor } from '../../src/view/sgr.js';
import type { Layout } from '../../src/proto/messages.js';
import { prng } from '../view/helpers.js';

/** Scrollback of the window and of replicas, as share.ts and listen.ts keep it. */
const SCROLLBACK = 5000; // lines
const WINDOW_ID = 0;

export function flushed(m: TermModel): Promise<void> {
  return new Promise((resolve) => m.flush(resolve));
}

/** A model fed `bytes` at cols x rows, parsed. */
export async function directModel(bytes: Uint8Array, cols: number, rows: number): Promise<TermModel> {
  const m = new TermModel({ cols, rows, scrollback: SCROLLBACK });
  m.write(bytes);
  await flushed(m);
  return m;
}

/** The visible cells of a model. */
export function gridOf(m: TermModel): Grid {
  const g = createGrid(m.cols, m.rows);
  m.readGrid(g);
  return g;
}

/** A replica of the window following the snapshot/stream contract, as listen.ts keeps one. */
export class Replica {
  replica: TermModel | undefined;
  /** The snapshot has arrived: stream items now go straight to the replica. */
  live = false;
  /** Resolves once live. */
  readonly ready: Promise<void>;
  private becameLive: () => void = () => {};

  constructor(
    readonly label: string,
    readonly window: TermModel,
  ) {
    this.ready = new Promise((resolve) => (this.becameLive = resolve));
    // Session.follow: a snapshot at a settled point, then the items queued behind it.
    window.requestSnapshot((snap, following) => {
      // listen.ts, on 'snap': a replica at the window's size, reset, fed the snapshot.
      const r = (this.replica ??= new TermModel({ cols: window.cols, rows: window.rows, scrollback: SCROLLBACK }));
      r.reset(window.cols, window.rows);
      r.write(snap);
      for (const item of following) this.forward(item);
      this.live = true;
      this.onLive();
      this.becameLive();
    });
  }

  protected onLive(): void {}

  /** A stream item the session sends to a live client ('out' or 'resize'). */
  forward(item: Uint8Array | string | { cols: number; rows: number }): void {
    const r = this.replica!;
    if (item instanceof Uint8Array || typeof item === 'string') r.write(item);
    else r.resize(item.cols, item.rows);
  }

  dispose(): void {
    this.replica?.dispose();
  }
}

/** What the helper sees: a replica of the window, drawn by a Viewer onto an emulated terminal. */
export class HelperView extends Replica {
  /** The helper's real terminal: everything the renderer wrote, parsed. */
  readonly screen: TermModel;
  readonly viewer: Viewer;
  readonly caps: Caps;
  constructor(label: string, window: TermModel, caps: Caps, termCols: number, termRows: number) {
    super(label, window);
    this.caps = caps;
    this.screen = new TermModel({ cols: termCols, rows: termRows, scrollback: 0 });
    this.viewer = new Viewer({
      role: 'helper',
      prefix: 2,
      prefixName: 'C-b',
      caps,
      write: (s) => {
        this.screen.write(s);
        return true;
      },
      host: { input: () => {}, command: () => {}, detach: () => {}, resize: () => {} },
      model: (id) => (id === WINDOW_ID ? this.replica : undefined),
      cols: termCols,
      rows: termRows,
    });
    const layout: Layout = {
      t: 'layout',
      name: 'fidelity',
      windows: [{ id: WINDOW_ID, index: 0, name: 'sh' }],
      active: WINDOW_ID,
      cols: window.cols,
      rows: window.rows,
      clients: [{ id: 0, name: 'user', role: 'owner', rw: true }, { id: 1, name: 'helper', role: 'helper', rw: true }],
      you: 1,
    };
    this.viewer.start();
    this.viewer.setLayout(layout);
  }

  protected override onLive(): void {
    this.viewer.refresh();
  }

  /**
   * Draw now, from the replica as it is, and wait until the helper's terminal
   * has parsed the frame. The viewer draws on its own timer (one display
   * refresh) too; a test draws at its checkpoints by calling the same private
   * draw() that timer calls, so every checkpoint is a frame.
   */
  async draw(): Promise<void> {
    if (this.replica) await flushed(this.replica);
    const v = this.viewer as unknown as { draw?: () => void };
    if (typeof v.draw !== 'function') throw new Error('Viewer has no draw() any more: update test/fidelity/pipeline.ts');
    v.draw();
    await flushed(this.screen);
  }

  override dispose(): void {
    this.viewer.stop();
    super.dispose();
    this.screen.dispose();
  }
}

/** Attributes that show on a blank cell; a blank without them shows only its background. */
const SHOWS_ON_BLANK = ATTR_UNDERLINE | ATTR_INVERSE | ATTR_STRIKE | ATTR_OVERLINE;

/** Does cell i look like a plain blank: a space of width 1 with nothing that shows on it. */
function plainBlank(g: Grid, i: number): boolean {
  return g.chars[i] === ' ' && g.widths[i] === 1 && (g.attrs[i]! & SHOWS_ON_BLANK) === 0;
}

const FORMAT = /\p{Cf}/u;

/**
 * Cell text as it looks: zero-width format characters after the first code
 * point (ZWSP, word joiner, BOM…) are invisible, and the renderer drops them
 * (it keeps ZWJ and ZWNJ, which change how emoji and scripts join).
 */
function shown(ch: string): string {
  let out = '';
  let first = true;
  for (const c of ch) {
    if (first || !FORMAT.test(c) || c === '\u200d' || c === '\u200c') out += c;
    first = false;
  }
  return out;
}

/**
 * A width-0 cell that does not follow a wide character: xterm.js makes one of
 * a combining mark with nothing to combine with at column 0. Terminals show
 * it as nothing on its background, as the renderer draws it: a blank.
 */
function orphanTail(g: Grid, x: number, y: number): boolean {
  const i = y * g.cols + x;
  return g.widths[i] === 0 && (x === 0 || g.widths[i - 1] !== 2);
}

/** A cell as text for messages. */
function cellText(g: Grid, i: number): string {
  const hex = (v: number): string => (v === 0 ? '0' : `0x${v.toString(16)}`);
  return `${JSON.stringify(g.chars[i])} w${g.widths[i]} fg=${hex(g.fg[i]!)} bg=${hex(g.bg[i]!)} attrs=${hex(g.attrs[i]!)}`;
}

/**
 * The first cell of the top-left cols x rows area where `got` (a terminal the
 * renderer drew on) looks different from `want` (the model it drew from), or
 * ''. Colours and attributes of `want` are first brought to what a terminal
 * with `caps` can show, as the renderer does. Plain blanks compare by
 * background only: their foreground and glyph attributes cannot be seen, and
 * the renderer erases rather than draws them. Cell texts compare as shown(),
 * and a width-0 cell without its wide head as a blank (orphanTail()).
 */
export function screenDiff(got: Grid, want: Grid, cols: number, rows: number, caps?: Caps): string {
  const mask = caps ? attrMask(caps) : 0xffff;
  const colour = (c: number): number => (caps ? convertColor(c, caps.colors) : c);
  const w = createGrid(cols, rows);
  const gg = createGrid(cols, rows);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const i = y * cols + x;
      const iw = y * want.cols + x;
      const ig = y * got.cols + x;
      w.chars[i] = shown(want.chars[iw]!);
      w.widths[i] = want.widths[iw]!;
      if (orphanTail(want, x, y)) {
        w.chars[i] = ' ';
        w.widths[i] = 1;
      }
      w.fg[i] = colour(want.fg[iw]!);
      w.bg[i] = colour(want.bg[iw]!);
      w.attrs[i] = want.attrs[iw]! & mask;
      if (caps && !caps.invisible && want.attrs[iw]! & ATTR_INVISIBLE) w.chars[i] = w.widths[i] === 0 ? '' : ' ';
      gg.chars[i] = shown(got.chars[ig]!);
      gg.widths[i] = got.widths[ig]!;
      if (orphanTail(got, x, y)) {
        gg.chars[i] = ' ';
        gg.widths[i] = 1;
      }
      gg.fg[i] = got.fg[ig]!;
      gg.bg[i] = got.bg[ig]!;
      gg.attrs[i] = got.attrs[ig]!;
    }
  }
  for (let i = 0; i < cols * rows; i++) {
    const same = gg.chars[i] === w.chars[i] && gg.widths[i] === w.widths[i] && gg.fg[i] === w.fg[i] && gg.bg[i] === w.bg[i] && gg.attrs[i] === w.attrs[i];
    if (same) continue;
    if (plainBlank(gg, i) && plainBlank(w, i) && gg.bg[i] === w.bg[i]) continue;
    const x = i % cols;
    const y = Math.floor(i / cols);
    return `cell ${x},${y}: ${cellText(gg, i)}, expected ${cellText(w, i)}; row ${rowString(gg, y)}, expected ${rowString(w, y)}`;
  }
  return '';
}

function rowString(g: Grid, y: number): string {
  let s = '';
  for (let x = 0; x < g.cols; x++) if (g.widths[y * g.cols + x] !== 0) s += g.chars[y * g.cols + x];
  return JSON.stringify(s.replace(/ +$/, ''));
}

/** Modes the helper's terminal mirrors from the window (SPEC §2), plus the cursor's look. */
const MIRRORED: (keyof Modes)[] = ['appCursor', 'appKeypad', 'bracketedPaste', 'mouseTracking', 'mouseEncoding', 'sendFocus', 'cursorHidden', 'cursorStyle', 'cursorBlink'];

/** Where the helper's terminal's cursor and modes differ from the window's, or ''. */
export function cursorAndModesDiff(screen: TermModel, window: TermModel): string {
  const wm = window.modes();
  const sm = screen.modes();
  for (const k of MIRRORED) {
    if (wm[k] !== sm[k]) return `mode ${k}: helper ${String(sm[k])}, window ${String(wm[k])}`;
  }
  if (wm.cursorHidden) return '';
  const wc = window.cursor();
  const sc = screen.cursor();
  // A pending wrap leaves the window's cursor at x = cols; a terminal shows it on the last column.
  const want = { x: Math.min(wc.x, window.cols - 1), y: wc.y };
  return sc.x === want.x && sc.y === want.y ? '' : `cursor at ${sc.x},${sc.y}, window's at ${want.x},${want.y}`;
}

/**
 * Where a replica differs from the window it follows, or '': every cell as it
 * looks (plain blanks by background only, as screenDiff), the cursor, and
 * every mode. (test/term.test.ts holds snapshots to exact equality on small
 * streams; here, differences nobody can see are let pass.)
 */
export function replicaDiff(replica: TermModel, window: TermModel): string {
  if (replica.cols !== window.cols || replica.rows !== window.rows) return `size ${replica.cols}x${replica.rows}, window ${window.cols}x${window.rows}`;
  const cells = screenDiff(gridOf(replica), gridOf(window), window.cols, window.rows);
  if (cells) return cells;
  const rc = replica.cursor();
  const wc = window.cursor();
  if (rc.x !== wc.x || rc.y !== wc.y) return `cursor at ${rc.x},${rc.y}, window's at ${wc.x},${wc.y}`;
  const rm = replica.modes();
  const wm = window.modes();
  for (const k of Object.keys(wm) as (keyof Modes)[]) {
    if (rm[k] !== wm[k]) return `mode ${k}: replica ${String(rm[k])}, window ${String(wm[k])}`;
  }
  return '';
}

/**
 * Cut `bytes` into chunks of 1 to 4096 bytes (log-uniform), as a pty's reads
 * come: cuts fall anywhere, inside escape sequences and UTF-8 characters too.
 */
export function chunk(bytes: Uint8Array, seed: number): Uint8Array[] {
  const rnd = prng(seed);
  const out: Uint8Array[] = [];
  for (let o = 0; o < bytes.length; ) {
    const n = Math.max(1, Math.floor(Math.exp(rnd() * Math.log(4096))));
    out.push(bytes.subarray(o, o + n));
    o += n;
  }
  return out;
}

/** Where a program left the alternate screen for the last time (its last full screen ends there), or -1. */
export function lastAltExit(bytes: Uint8Array): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).lastIndexOf('\x1b[?1049l');
}
