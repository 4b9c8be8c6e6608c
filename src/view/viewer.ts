// A viewer: draws the active window from a terminal model (never from the
// peer's bytes), plus the status bar and overlays, and turns keystrokes into
// input for the program or prefix-key commands. The same code serves the
// user's own terminal (reading the session's models) and the helper's
// (reading replicas); where the bytes go is the host's business.

import type { Layout, Role } from '../proto/messages.js';
import type { TermModel, Modes } from '../mux/term.js';
import { type Grid, createGrid, COLOR_P16, ATTR_BOLD, ATTR_DIM, ATTR_INVERSE } from '../mux/grid.js';
import type { Disposable } from '../lib/event.js';
import { trace } from '../lib/debug.js';
import { Renderer, type Frame } from './render.js';
import type { Caps } from './caps.js';
import { InputTokenizer, isTerminalReply, parseMouse, encodeMouse, type Token } from './input.js';
import { cleanLabel, putText, fillRow, textWidth, truncate, type Pen } from './text.js';

/** The shortest time between two frames under load (one display refresh). */
const FRAME_INTERVAL = 16; // ms
/**
 * Under load a frame waits this many times as long as the last one took to
 * make, so drawing takes at most a fifth of the time a flood has: frames that
 * are slow (a large terminal, code not yet optimised at start-up) come less
 * often instead of crowding out the reading and parsing they show.
 */
const FRAME_COST_FACTOR = 4;
/** …but at least this often. */
const FRAME_INTERVAL_MAX = 200; // ms
/** Output smaller than this since the last frame is drawn at once (a keystroke's echo). */
const SMALL_UPDATE = 512; // bytes
/** How long a status-line notice stays up (a key press dismisses it sooner, as in tmux). */
const NOTICE_TIME = 2000; // ms
/** How long to wait for the rest of a split escape sequence from the keyboard. */
const ESC_WAIT = 30; // ms
/** A program in synchronized-output mode gets this long before we draw anyway. */
const SYNC_OUTPUT_MAX = 500; // ms

/** What the viewer asks of whoever connects it to a session. */
export interface ViewerHost {
  /** Bytes for the program in the active window. */
  input(data: Uint8Array): void;
  /** A session command (new-window, select-window 2, toggle-write…). */
  command(name: string, args: (string | number)[]): void;
  /** C-b d: a helper leaves; the user ends the session (after confirming). */
  detach(): void;
  /** The viewer's terminal changed size (whole terminal, status bar included). */
  resize(cols: number, rows: number): void;
}

export interface ViewerOptions {
  role: Role;
  prefix: number; // the prefix key's byte (C-b is 0x02)
  prefixName: string; // as shown in help: "C-b"
  caps: Caps;
  /** Write to the real terminal; false when it wants us to wait for drain(). */
  write: (s: string) => boolean;
  host: ViewerHost;
  /** The model for a window id: the session's own, or a replica. */
  model: (windowId: number) => TermModel | undefined;
  cols: number;
  rows: number;
}

type Mode =
  | { kind: 'normal' }
  | { kind: 'prefix' }
  | { kind: 'prompt'; label: string; text: string; submit: (text: string) => void }
  | { kind: 'confirm'; question: string; yes: () => void }
  | { kind: 'help' }
  | { kind: 'scroll'; offset: number; base: number };

type Key = string; // 'a', 'Enter', 'Escape', 'Up', 'PageUp', 'C-c', …

const STATUS_PEN: Pen = { fg: COLOR_P16 | 0, bg: COLOR_P16 | 2, attrs: 0 }; // tmux's default: black on green
const STATUS_ACTIVE: Pen = { fg: COLOR_P16 | 0, bg: COLOR_P16 | 2, attrs: ATTR_BOLD };
const NOTICE_PEN: Pen = { fg: COLOR_P16 | 0, bg: COLOR_P16 | 3, attrs: 0 }; // black on yellow
const WARN_PEN: Pen = { fg: COLOR_P16 | 15, bg: COLOR_P16 | 1, attrs: ATTR_BOLD }; // white on red
const UNUSED_PEN: Pen = { fg: COLOR_P16 | 8, bg: 0, attrs: ATTR_DIM };
const PLAIN: Pen = { fg: 0, bg: 0, attrs: 0 };
const BOX_PEN: Pen = { fg: 0, bg: 0, attrs: ATTR_INVERSE };

/** One person's view of the session. */
export class Viewer {
  private readonly opts: ViewerOptions;
  private readonly renderer: Renderer;
  private readonly tokenizer = new InputTokenizer();
  private cols: number;
  private rows: number;
  private grid: Grid;
  private layout: Layout | undefined;
  private mode: Mode = { kind: 'normal' };
  private notice: { text: string; until: number; warn: boolean } | undefined;
  private connection = { text: '', ok: true };
  private watched: TermModel | undefined;
  private watchSub: Disposable | undefined;
  private drawTimer: NodeJS.Timeout | undefined;
  private drawQueued = false;
  private lastDraw = 0;
  /** How long the last frame took to make and write (ms). */
  private lastDrawCost = 0;
  /** The active model's byte count when the last frame was drawn. */
  private drawnAt = 0;
  private blocked = false; // the terminal has not drained our last frame
  private syncSince = 0;
  private escTimer: NodeJS.Timeout | undefined;
  private noticeTimer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;
  private pan = { left: 0, top: 0 };
  /** What the status bar in the grid was drawn from (see drawStatus). */
  private statusDrawn: { grid: Grid; layout: Layout | undefined; connection: object; notice: object | undefined; kind: Mode['kind'] } | undefined;

  constructor(opts: ViewerOptions) {
    this.opts = opts;
    this.cols = opts.cols;
    this.rows = opts.rows;
    this.grid = createGrid(this.cols, this.rows, true);
    this.renderer = new Renderer(opts.caps);
  }

  /** Take over the terminal: alternate screen, first frame. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.opts.write(this.renderer.start());
    this.draw();
  }

  /** Bytes that put the terminal back as it was; the viewer draws no more. */
  stop(): string {
    this.stopped = true;
    clearTimeout(this.drawTimer);
    clearTimeout(this.escTimer);
    clearTimeout(this.noticeTimer);
    this.watchSub?.dispose();
    return this.started ? this.renderer.stop() : '';
  }

  // ---- facts from the session ---------------------------------------------

  /** The session's windows, clients and size changed. */
  setLayout(l: Layout): void {
    this.layout = l;
    this.refresh();
  }

  /** Connection state for the status bar ("shared", "reconnecting…"). */
  setConnection(text: string, ok: boolean): void {
    this.connection = { text, ok };
    this.scheduleDraw();
  }

  /** A notice on the status line for a few seconds. */
  showNotice(text: string, warn = false): void {
    this.notice = { text: cleanLabel(text, 200), until: Date.now() + NOTICE_TIME, warn };
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => this.scheduleDraw(), NOTICE_TIME + 5);
    this.scheduleDraw();
  }

  /** Models may have appeared or changed (a snapshot arrived): look again. */
  refresh(): void {
    const m = this.activeModel();
    if (m !== this.watched) {
      this.watchSub?.dispose();
      this.watched = m;
      this.watchSub = m?.onChange.on(() => this.scheduleDraw());
      if (this.mode.kind === 'scroll') this.leaveScroll();
    }
    this.scheduleDraw();
  }

  /** True while the person scrolls back through the history (C-b [). */
  get scrolling(): boolean {
    return this.mode.kind === 'scroll';
  }

  /**
   * The watched model was reset and refilled (a snapshot): a scroll-back
   * position counted from the old history means nothing now, so scrolling
   * goes on from the bottom of the new one.
   */
  reloaded(): void {
    if (this.mode.kind !== 'scroll' || !this.watched) return;
    this.mode.base = this.watched.scrollbackLength;
    this.mode.offset = Math.min(this.mode.offset, this.mode.base);
    this.scheduleDraw();
  }

  private leaveScroll(): void {
    this.mode = { kind: 'normal' };
    // The session paces floods again (its history copy may thin out).
    this.opts.host.command('scroll-mode', [0]);
  }

  /** The terminal was resized. */
  resize(cols: number, rows: number): void {
    if (cols === this.cols && rows === this.rows) return;
    this.cols = Math.max(1, cols);
    this.rows = Math.max(2, rows);
    this.grid = createGrid(this.cols, this.rows, true);
    this.renderer.invalidate();
    this.opts.host.resize(this.cols, this.rows);
    this.scheduleDraw();
  }

  /** Redraw everything (after SIGCONT, or when the screen may have been disturbed). */
  redraw(): void {
    this.renderer.invalidate();
    this.scheduleDraw();
  }

  /** The terminal took our last frame: draw again if something changed meanwhile. */
  drain(): void {
    if (!this.blocked) return;
    this.blocked = false;
    this.scheduleDraw();
  }

  private activeModel(): TermModel | undefined {
    return this.layout ? this.opts.model(this.layout.active) : undefined;
  }

  // ---- keyboard -----------------------------------------------------------

  /** Bytes from the viewer's terminal. */
  input(bytes: Uint8Array): void {
    clearTimeout(this.escTimer);
    if (this.notice) {
      this.notice = undefined;
      this.scheduleDraw();
    }
    const forward: Uint8Array[] = [];
    for (const t of this.tokenizer.push(bytes)) this.token(t, forward);
    this.send(forward);
    if (this.tokenizer.hasPending) {
      this.escTimer = setTimeout(() => {
        const fw: Uint8Array[] = [];
        for (const t of this.tokenizer.flush()) this.token(t, fw);
        this.send(fw);
      }, ESC_WAIT);
    }
  }

  private send(parts: Uint8Array[]): void {
    if (parts.length === 0) return;
    this.opts.host.input(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  private token(t: Token, forward: Uint8Array[]): void {
    if (this.mode.kind !== 'normal') {
      if (t.kind === 'paste') {
        if (this.mode.kind === 'prompt') this.promptPaste(t.bytes);
        return;
      }
      if (isTerminalReply(t) || parseMouse(t)) return;
      if (t.kind === 'text') {
        // Each character is a key until a binding returns us to normal mode;
        // the rest of the chunk is then ordinary input.
        const b = t.bytes;
        let i = 0;
        while (i < b.length) {
          if ((this.mode as Mode).kind === 'normal') {
            this.token({ kind: 'text', bytes: b.subarray(i) }, forward);
            return;
          }
          const n = utf8Length(b[i]!);
          this.key(charKey(Buffer.from(b.subarray(i, i + n)).toString('utf8')), forward);
          i += n;
        }
        return;
      }
      this.key(seqKey(t), forward);
      return;
    }
    switch (t.kind) {
      case 'paste':
        forward.push(t.bytes);
        return;
      case 'seq':
        if (isTerminalReply(t)) return;
        if (parseMouse(t)) {
          const m = this.mouse(t);
          if (m) forward.push(m);
          return;
        }
        if (t.type === 'csi' && (t.final === 0x49 || t.final === 0x4f) && t.params === '') {
          // Focus in/out (CSI I / CSI O): only for a program that asked for them.
          if (this.watched?.modes().sendFocus) forward.push(t.bytes);
          return;
        }
        forward.push(t.bytes);
        return;
      case 'text': {
        const b = t.bytes;
        const p = b.indexOf(this.opts.prefix);
        if (p < 0) {
          forward.push(b);
          return;
        }
        if (p > 0) forward.push(b.subarray(0, p));
        this.mode = { kind: 'prefix' };
        this.scheduleDraw();
        if (p + 1 < b.length) this.token({ kind: 'text', bytes: b.subarray(p + 1) }, forward);
        return;
      }
    }
  }

  /** A mouse report over the window goes to the program (moved by our pan); others are ours. */
  private mouse(t: Token): Uint8Array | undefined {
    const m = parseMouse(t)!;
    const model = this.watched;
    if (!model || model.modes().mouseTracking === 'none') return undefined;
    const x = m.x + this.pan.left;
    const y = m.y + this.pan.top;
    if (m.y >= this.rows - 1 || x >= model.cols || y >= model.rows) return undefined;
    if (this.pan.left === 0 && this.pan.top === 0) return t.bytes;
    return encodeMouse(t, x, y);
  }

  private key(k: Key, forward: Uint8Array[]): void {
    const mode = this.mode;
    switch (mode.kind) {
      case 'prefix':
        this.mode = { kind: 'normal' };
        this.binding(k, forward);
        break;
      case 'prompt':
        this.promptKey(mode, k);
        break;
      case 'confirm':
        this.mode = { kind: 'normal' };
        if (k === 'y' || k === 'Y') mode.yes();
        break;
      case 'help':
        this.mode = { kind: 'normal' };
        break;
      case 'scroll':
        this.scrollKey(mode, k);
        break;
      default:
        break;
    }
    this.scheduleDraw();
  }

  /** The key after the prefix (SPEC §2). */
  private binding(k: Key, forward: Uint8Array[]): void {
    const owner = this.opts.role === 'owner';
    const cmd = (name: string, ...args: (string | number)[]): void => this.opts.host.command(name, args);
    const win = this.layout?.windows.find((w) => w.id === this.layout?.active);
    if (k.length === 1 && k >= '0' && k <= '9') {
      cmd('select-window', Number(k));
      return;
    }
    if (k === String.fromCharCode(this.opts.prefix) || k === prefixKeyName(this.opts.prefix)) {
      forward.push(new Uint8Array([this.opts.prefix]));
      return;
    }
    switch (k) {
      case 'c':
        cmd('new-window');
        return;
      case 'n':
        cmd('next-window');
        return;
      case 'p':
        cmd('previous-window');
        return;
      case '&':
        this.mode = {
          kind: 'confirm',
          question: `kill-window ${win ? `${win.index}:${cleanLabel(win.name)}` : ''}? (y/n)`,
          yes: () => cmd('kill-window'),
        };
        return;
      case ',':
        this.mode = { kind: 'prompt', label: '(rename-window) ', text: win ? cleanLabel(win.name) : '', submit: (s) => cmd('rename-window', s) };
        return;
      case 'd':
        if (owner) {
          this.mode = { kind: 'confirm', question: 'End sharing and close this session for everyone? (y/n)', yes: () => this.opts.host.detach() };
        } else {
          this.opts.host.detach();
        }
        return;
      case '?':
        this.mode = { kind: 'help' };
        return;
      case '[': {
        const m = this.watched;
        if (!m) return;
        this.mode = { kind: 'scroll', offset: 0, base: m.scrollbackLength };
        // The session streams us everything while we scroll, and sends the
        // whole history first if our copy of it is short.
        cmd('scroll-mode', 1);
        return;
      }
      case 'r':
        if (!owner) break;
        cmd('toggle-write');
        return;
      case 'k':
        if (!owner) break;
        cmd('kick');
        return;
      default:
        break;
    }
    this.showNotice(`no binding for ${this.opts.prefixName} ${k} — ${this.opts.prefixName} ? lists them`);
  }

  private promptKey(mode: Extract<Mode, { kind: 'prompt' }>, k: Key): void {
    switch (k) {
      case 'Enter':
        this.mode = { kind: 'normal' };
        mode.submit(mode.text);
        return;
      case 'Escape':
      case 'C-c':
        this.mode = { kind: 'normal' };
        return;
      case 'Backspace':
        mode.text = [...mode.text].slice(0, -1).join('');
        return;
      case 'C-u':
        mode.text = '';
        return;
      default:
        if ([...k].length === 1 && k >= ' ') mode.text = cleanLabel(mode.text + k, 64);
    }
  }

  private promptPaste(bytes: Uint8Array): void {
    if (this.mode.kind !== 'prompt') return;
    const s = Buffer.from(bytes).toString('utf8').replace(/\x1b\[20[01]~/g, '');
    this.mode.text = cleanLabel(this.mode.text + s.split(/[\r\n]/)[0], 64);
    this.scheduleDraw();
  }

  private scrollKey(mode: Extract<Mode, { kind: 'scroll' }>, k: Key): void {
    const page = Math.max(1, this.rows - 2);
    const max = this.watched?.scrollbackLength ?? 0;
    const grow = max - mode.base; // lines the program added since we started scrolling
    let off = mode.offset + grow;
    switch (k) {
      case 'q': case 'Escape': case 'C-c':
        this.leaveScroll();
        return;
      case 'Up': case 'k': case 'C-y': off += 1; break;
      case 'Down': case 'j': case 'C-e': case 'Enter': off -= 1; break;
      case 'PageUp': case 'C-b': case 'b': off += page; break;
      case 'PageDown': case 'C-f': case 'f': case ' ': off -= page; break;
      case 'g': case 'Home': off = max; break;
      case 'G': case 'End': off = 0; break;
      default: return;
    }
    mode.base = max;
    mode.offset = Math.max(0, Math.min(max, off));
  }

  // ---- drawing ------------------------------------------------------------

  /** Draw soon: at once if the last frame is a refresh old, else at the next one. */
  scheduleDraw(): void {
    if (this.stopped || !this.started || this.drawQueued) return;
    this.drawQueued = true;
    // Small changes (an echo) are drawn at once; only bulk output waits for
    // the next refresh, so a flood costs at most one frame per refresh.
    const small = (this.watched?.written ?? 0) - this.drawnAt < SMALL_UPDATE;
    const interval = Math.min(FRAME_INTERVAL_MAX, Math.max(FRAME_INTERVAL, FRAME_COST_FACTOR * this.lastDrawCost));
    const wait = small ? 0 : Math.max(0, this.lastDraw + interval - Date.now());
    if (wait === 0) {
      setImmediate(() => this.draw());
    } else {
      this.drawTimer = setTimeout(() => this.draw(), wait);
    }
  }

  private draw(): void {
    this.drawQueued = false;
    if (this.stopped) return;
    if (this.blocked) return; // drain() will call us again
    const model = this.watched;
    if (model?.modes().syncOutput) {
      // The program is drawing a frame of its own (CSI ? 2026 h): wait for the end.
      const now = Date.now();
      if (this.syncSince === 0) this.syncSince = now;
      if (now - this.syncSince < SYNC_OUTPUT_MAX) {
        this.drawQueued = true;
        this.drawTimer = setTimeout(() => this.draw(), FRAME_INTERVAL);
        return;
      }
    } else {
      this.syncSince = 0;
    }
    this.lastDraw = Date.now();
    this.drawnAt = this.watched?.written ?? 0;
    const t0 = performance.now();
    const out = this.renderer.render(this.compose());
    const t1 = trace ? performance.now() : 0;
    if (out.length > 0 && !this.opts.write(out)) this.blocked = true;
    const t2 = performance.now();
    this.lastDrawCost = t2 - t0;
    trace?.(`draw ${this.opts.role}: ${out.length} bytes, render ${(t1 - t0).toFixed(1)} ms, write ${(t2 - t1).toFixed(1)} ms${this.blocked ? ', blocked' : ''}`);
  }

  /** The whole screen as it should look now. */
  private compose(): Frame {
    const g = this.grid;
    const winRows = this.rows - 1;
    const model = this.watched;
    let cursor = { x: 0, y: 0, visible: false };
    let modes: Modes | undefined;
    if (model) {
      modes = model.modes();
      const scroll = this.mode.kind === 'scroll' ? this.mode : undefined;
      const c = model.cursor();
      // A terminal smaller than the window shows the part around the cursor.
      this.pan.left = panTo(this.pan.left, c.x, model.cols, this.cols);
      this.pan.top = panTo(this.pan.top, c.y, model.rows, winRows);
      if (scroll) {
        const grow = model.scrollbackLength - scroll.base;
        model.readGrid(g, { scrollUp: Math.min(model.scrollbackLength, scroll.offset + grow), left: this.pan.left, rows: winRows });
      } else {
        model.readGrid(g, { left: this.pan.left, top: this.pan.top, rows: winRows });
      }
      const usedCols = Math.min(this.cols, model.cols - this.pan.left);
      const usedRows = Math.min(winRows, model.rows - this.pan.top);
      // Outside the window (a terminal larger than the session): marked, as tmux does.
      const dot = this.opts.caps.unicode ? '·' : '.';
      for (let y = 0; y < winRows; y++) {
        if (y < usedRows) fillRow(g, y, usedCols, this.cols, dot, UNUSED_PEN);
        else fillRow(g, y, 0, this.cols, dot, UNUSED_PEN);
      }
      const cx = c.x - this.pan.left;
      const cy = c.y - this.pan.top;
      // A pending wrap (x = cols) shows on the window's last column, not past it.
      cursor = { x: Math.min(cx, usedCols - 1, this.cols - 1), y: cy, visible: !modes.cursorHidden && !scroll && cx >= 0 && cx <= this.cols && cy >= 0 && cy < winRows };
      if (scroll) this.drawScrollIndicator(Math.min(model.scrollbackLength, scroll.offset + (model.scrollbackLength - scroll.base)), model.scrollbackLength);
    } else {
      for (let y = 0; y < winRows; y++) fillRow(g, y, 0, this.cols, ' ', PLAIN);
      const msg = this.layout ? 'waiting for the screen…' : 'connecting…';
      putText(g, Math.max(0, (this.cols - textWidth(msg)) >> 1), winRows >> 1, msg, PLAIN);
    }
    if (this.mode.kind === 'help') this.drawHelp();
    const statusCursor = this.drawStatus();
    if (statusCursor !== undefined) cursor = { x: statusCursor, y: this.rows - 1, visible: true };
    const overlay = this.mode.kind !== 'normal' && this.mode.kind !== 'prefix';
    return {
      grid: g,
      cursor: {
        ...cursor,
        style: statusCursor !== undefined ? 'block' : modes?.cursorStyle ?? 'block',
        blink: modes?.cursorBlink ?? false,
      },
      modes: {
        appCursor: !overlay && (modes?.appCursor ?? false),
        appKeypad: !overlay && (modes?.appKeypad ?? false),
        bracketedPaste: overlay ? this.mode.kind === 'prompt' : modes?.bracketedPaste ?? false,
        mouseTracking: overlay ? 'none' : modes?.mouseTracking ?? 'none',
        mouseEncoding: modes?.mouseEncoding ?? 'default',
        sendFocus: !overlay && (modes?.sendFocus ?? false),
      },
    };
  }

  /** The bottom line; returns the cursor column when a prompt is being edited. */
  private drawStatus(): number | undefined {
    const g = this.grid;
    const y = this.rows - 1;
    const mode = this.mode;
    // The bar is the same frame after frame (each keystroke's echo is one):
    // it is laid out again only when something it shows has changed.
    const notice = this.notice && Date.now() < this.notice.until ? this.notice : undefined;
    const drawn = this.statusDrawn;
    if (
      drawn && drawn.grid === g && drawn.layout === this.layout && drawn.connection === this.connection &&
      drawn.notice === notice && drawn.kind === mode.kind && (mode.kind !== 'prompt' && mode.kind !== 'confirm')
    ) {
      return undefined;
    }
    this.statusDrawn = { grid: g, layout: this.layout, connection: this.connection, notice, kind: mode.kind };
    if (mode.kind === 'prompt') {
      fillRow(g, y, 0, this.cols, ' ', NOTICE_PEN);
      const x = putText(g, 0, y, mode.label + mode.text, NOTICE_PEN);
      return Math.min(x, this.cols - 1);
    }
    if (mode.kind === 'confirm') {
      fillRow(g, y, 0, this.cols, ' ', NOTICE_PEN);
      const x = putText(g, 0, y, truncate(mode.question, this.cols - 1), NOTICE_PEN);
      return Math.min(x, this.cols - 1);
    }
    if (notice) {
      const pen = notice.warn ? WARN_PEN : NOTICE_PEN;
      fillRow(g, y, 0, this.cols, ' ', pen);
      putText(g, 0, y, truncate(notice.text, this.cols), pen);
      return undefined;
    }
    fillRow(g, y, 0, this.cols, ' ', STATUS_PEN);
    const l = this.layout;
    // Left: the session and its windows, which win the space (as in tmux).
    let x = 0;
    if (l) {
      x = putText(g, 0, y, `[${truncate(cleanLabel(l.name, 32), 20)}] `, STATUS_PEN);
      for (const w of l.windows) {
        const active = w.id === l.active;
        const label = `${w.index}:${truncate(cleanLabel(w.name, 32), 16)}${active ? '*' : ''} `;
        x = putText(g, x, y, label, active ? STATUS_ACTIVE : STATUS_PEN);
      }
    }
    // Right: who is attached and the connection, in the longest form that fits.
    const room = this.cols - x - 1;
    const right = this.statusRight().find((r) => textWidth(r) <= room) ?? '';
    putText(g, this.cols - textWidth(right) - 1, y, right, this.connection.ok ? STATUS_PEN : WARN_PEN);
    return undefined;
  }

  /** The right side of the status bar, from the fullest form to the most compact. */
  private statusRight(): string[] {
    const l = this.layout;
    const conn = this.connection.text ? `${this.connection.ok ? '●' : '○'} ${this.connection.text}` : '';
    const dot = this.connection.text ? (this.connection.ok ? '●' : '○') : '';
    const prefix = this.mode.kind === 'prefix' ? `${this.opts.prefixName} … │ ` : '';
    const people = (named: boolean): string =>
      (l?.clients ?? [])
        .map((c) => {
          const who = c.id === l!.you ? 'you' : named ? cleanLabel(c.name, 24) + (c.role === 'owner' ? ' (user)' : '') : c.role === 'owner' ? 'user' : 'helper';
          return `${who} ${c.rw ? 'rw' : 'ro'}`;
        })
        .join(' · ');
    const join = (...parts: string[]): string => prefix + parts.filter((p) => p !== '').join(' │ ');
    const me = l?.clients.find((c) => c.id === l.you);
    return [
      join(people(true), conn),
      join(people(false), conn),
      join(people(false), dot),
      join(me ? `you ${me.rw ? 'rw' : 'ro'}` : '', dot),
      join(dot),
    ];
  }

  private drawScrollIndicator(offset: number, total: number): void {
    const s = `[${offset}/${total}]`;
    putText(this.grid, Math.max(0, this.cols - textWidth(s)), 0, s, NOTICE_PEN);
  }

  private drawHelp(): void {
    const p = this.opts.prefixName;
    const lines = [
      `shareterm keys: press ${p}, then`,
      '',
      '  c     new window            &   kill window',
      '  n p   next / previous       ,   rename window',
      '  0-9   select window         [   scroll back (q leaves)',
      `  d     ${this.opts.role === 'owner' ? 'end the session     ' : 'leave the session   '}  ?   this help`,
      `  ${p.padEnd(5)} send ${p} to the program`,
    ];
    if (this.opts.role === 'owner') {
      lines.push('', 'yours alone, as the user sharing:', '  r     let the helper type, or not', '  k     disconnect the helper');
    }
    lines.push('', 'any key closes this');
    const w = Math.min(this.cols, Math.max(...lines.map((l) => textWidth(l))) + 4);
    const h = Math.min(this.rows - 1, lines.length + 2);
    const x0 = Math.max(0, (this.cols - w) >> 1);
    const y0 = Math.max(0, (this.rows - 1 - h) >> 1);
    for (let y = 0; y < h; y++) {
      fillRow(this.grid, y0 + y, x0, x0 + w, ' ', BOX_PEN);
      const line = lines[y - 1];
      if (y > 0 && line !== undefined) putText(this.grid, x0 + 2, y0 + y, line, BOX_PEN, x0 + w);
    }
  }
}

/** Keep `cursor` inside a view of `view` cells onto `size` cells, moving as little as possible. */
function panTo(current: number, cursor: number, size: number, view: number): number {
  if (size <= view) return 0;
  let p = Math.min(current, size - view);
  if (cursor < p) p = cursor;
  else if (cursor >= p + view) p = cursor - view + 1;
  return Math.max(0, p);
}

/** Bytes in the UTF-8 sequence that starts with `b` (1 for stray continuation bytes). */
function utf8Length(b: number): number {
  return b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
}

function charKey(ch: string): Key {
  const c = ch.codePointAt(0)!;
  if (c === 0x0d || c === 0x0a) return 'Enter';
  if (c === 0x7f || c === 0x08) return 'Backspace';
  if (c === 0x1b) return 'Escape';
  if (c === 0x09) return 'Tab';
  if (c < 0x20) return `C-${String.fromCharCode(c + 0x60)}`;
  return ch;
}

function seqKey(t: Token): Key {
  if (t.kind !== 'seq') return '';
  if (t.type === 'lone-esc') return 'Escape';
  if (t.type === 'csi' || t.type === 'ss3') {
    const f = String.fromCharCode(t.final);
    const arrows: Record<string, Key> = { A: 'Up', B: 'Down', C: 'Right', D: 'Left', H: 'Home', F: 'End' };
    if (arrows[f] && (t.params === '' || t.params === '1')) return arrows[f]!;
    if (f === '~') {
      const tilde: Record<string, Key> = { '5': 'PageUp', '6': 'PageDown', '1': 'Home', '7': 'Home', '4': 'End', '8': 'End' };
      return tilde[t.params] ?? '';
    }
  }
  if (t.type === 'esc') return `M-${String.fromCharCode(t.final)}`;
  return '';
}

/** "C-b" style name of a control byte. */
export function prefixKeyName(byte: number): string {
  return byte < 0x20 ? `C-${String.fromCharCode(byte + 0x60)}` : String.fromCharCode(byte);
}
