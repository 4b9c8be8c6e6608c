// Core logic for a shareterm session, independent of message transport
// (as sshx's session.rs): windows, attached clients, who may type, the size
// policy, and the per-client stream of output and snapshots. It never
// touches sockets or the process's own terminal; share/listen wire it up.

import type { Layout, Snap, Out, Resize, Notice, End, Role, ClientInfo } from '../proto/messages.js';
import type { PtyFactory } from './pty.js';
import { SNAPSHOT_SCROLLBACK, type StreamItem } from './term.js';
import { Window } from './window.js';
import { FlowControl } from './flow.js';
import { trace } from '../lib/debug.js';
import { Emitter, type Disposable } from '../lib/event.js';
import { TokenBucket, idleClock } from '../lib/bucket.js';
import { runCommand } from './commands.js';

/** Rows every viewer gives to the status bar. */
export const STATUS_ROWS = 1; // rows
/** Scrollback sent with a resync after congestion: the screen is what matters then. */
const RESYNC_SCROLLBACK = 0; // lines
/**
 * Output a viewer is streamed raw, in a burst and per second after it: an
 * echo, a screenful from vim or `ls`, a build's steady trickle. More than
 * that (a flood) is paced instead: the viewer gets the current screen once
 * per PACED_FRAME, never the bytes in between, so neither the wire nor the
 * viewer's parser carries output nobody can read (mosh's frames; tmux's
 * clients likewise see redraws, not the program's bytes).
 */
export const RAW_BURST = 64 << 10; // bytes
export const RAW_RATE = 256 << 10; // bytes per second
/** A paced viewer's frame interval: a flood is shown at 30 frames a second. */
export const PACED_FRAME = 33; // ms
/**
 * Output that stops this long is over (a flood's end, the prompt after
 * Ctrl-C): a paced viewer gets the screen then, as soon as the model has
 * caught up, not at its next frame. Longer than the gaps in a steady stream
 * of 4 KiB reads at 1 MiB/s…
 */
const PACED_QUIET = 8; // ms
/** …and never sooner than this after the last frame (output in bursts stays near the frame rate). */
const PACED_MIN_GAP = 16; // ms
/** How often window names follow the foreground program (tmux automatic-rename). */
const RENAME_POLL = 1000; // ms
const MAX_WINDOWS = 100;

/** What a client is sent: the status bar's facts and its window's output stream. */
export type ClientEvent = Layout | Snap | Out | Resize | Notice | End;

/** Where a client's events go (a link to a remote viewer, or a local viewer). */
export interface ClientSink {
  send(ev: ClientEvent): void;
  /** The session is done with this client (kicked, or it detached). */
  close(reason: string): void;
}

export interface AttachOptions {
  name: string;
  role: Role;
  canWrite: boolean;
  /** Never allow typing, whatever the owner toggles (share/listen --read-only). */
  lockedReadOnly: boolean;
  cols: number; // the client's whole terminal, status bar included
  rows: number;
  /**
   * A local client reads the session's models directly and gets no output
   * stream or snapshots — only layout, notices and the end.
   */
  local: boolean;
}

export interface SessionOptions {
  name: string;
  file: string; // the program for new windows ($SHELL, or share -- COMMAND)
  args: string[];
  cwd: string;
  env: Record<string, string>;
  cols: number; // initial window size
  rows: number;
  scrollback: number; // lines per window
  spawn: PtyFactory;
  /** A paced viewer's frame interval (PACED_FRAME; tests stretch it). */
  pacedFrame?: number; // ms
}

/** One attached viewer, as the session sees it. */
export class Client {
  private static nextId = 1;
  readonly id = Client.nextId++;
  canWrite: boolean;
  cols: number;
  rows: number;
  /** The window whose stream this client follows live, once its snapshot is sent. */
  live: number | undefined;
  /** Bumped whenever a new snapshot is asked for, so stale ones are dropped. */
  generation = 0;
  detached = false;
  /** What this client's viewer has acknowledged of its stream (remote clients only). */
  readonly flow = new FlowControl();
  /** Output was skipped because the window was full: a snapshot is owed once it drains. */
  behind = false;
  /** Raw output this client may still be streamed before it is paced (RAW_BURST, RAW_RATE). */
  readonly rawBudget = new TokenBucket(RAW_BURST, RAW_RATE, idleClock);
  /** Shown a flood as frames: output is skipped, a snapshot goes every PACED_FRAME. */
  paced = false;
  /** Output was skipped since the last paced frame. */
  owed = false;
  pacer: NodeJS.Timeout | undefined;
  /** When its last paced frame was asked for (performance.now()). */
  framedAt = -Infinity;
  /**
   * The viewer is scrolling back: it is streamed raw (never paced), so the
   * history it reads stays whole; see Session.setScrolling.
   */
  scrolling = false;
  /** The viewer's copy of the history is short (a resync or a paced frame replaced it). */
  partialHistory = false;

  constructor(
    private readonly session: Session,
    readonly sink: ClientSink,
    readonly opts: AttachOptions,
  ) {
    this.canWrite = opts.canWrite && !opts.lockedReadOnly;
    this.cols = opts.cols;
    this.rows = opts.rows;
  }

  get name(): string {
    return this.opts.name;
  }

  get role(): Role {
    return this.opts.role;
  }

  get local(): boolean {
    return this.opts.local;
  }

  /** Keystrokes from this client: dropped unless it may type. */
  input(data: Uint8Array | string): void {
    this.session.input(this, data);
  }

  /** This client's terminal changed size. */
  resize(cols: number, rows: number): void {
    this.session.resizeClient(this, cols, rows);
  }

  /** Run a prefix-key command; returns a message for this client's status line, if any. */
  command(name: string, args: (string | number)[]): string | undefined {
    return runCommand(this.session, this, name, args);
  }

  /** The viewer has processed its stream up to byte `n` (see streamBytes). */
  ack(n: number): void {
    this.flow.onAck(n);
    trace?.(`ack ${n} inflight ${this.flow.inFlight} window ${this.flow.window} rtt ${this.flow.rtt} behind ${this.behind}`);
    if (this.behind && this.flow.inFlight <= this.flow.window / 2) {
      this.behind = false;
      // The screen as it stands: waiting for the backlog would make the
      // model parse what it can otherwise skip (the backlog follows).
      this.session.follow(this, RESYNC_SCROLLBACK, true);
    }
  }

  /** Leave the session. */
  detach(): void {
    this.session.detach(this);
  }
}

/** A session: windows, clients and the rules between them. */
export class Session {
  readonly name: string;
  private readonly opts: SessionOptions;
  private readonly windows = new Map<number, Window>();
  private readonly clients: Client[] = [];
  private activeId = -1;
  private nextWindowId = 0;
  private cols: number;
  private rows: number;
  private ended = false;
  private renameTimer: NodeJS.Timeout | undefined;
  /** Armed while paced viewers are owed a frame: fires once output has stopped for PACED_QUIET. */
  private quietTimer: NodeJS.Timeout | undefined;
  private readonly pacedFrame: number;
  private readonly windowSubs = new Map<number, Disposable[]>();
  /** The session is over; the reason is for people. */
  readonly onEnd = new Emitter<string>();
  /** Windows, names, clients or size changed. */
  readonly onLayout = new Emitter<void>();

  constructor(opts: SessionOptions) {
    this.opts = opts;
    this.pacedFrame = opts.pacedFrame ?? PACED_FRAME;
    this.name = opts.name;
    this.cols = opts.cols;
    this.rows = opts.rows;
  }

  /** Open the first window. */
  start(): void {
    this.newWindow();
    this.renameTimer = setInterval(() => this.refreshNames(), RENAME_POLL);
    this.renameTimer.unref();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get size(): { cols: number; rows: number } {
    return { cols: this.cols, rows: this.rows };
  }

  /** Windows in index order. */
  listWindows(): Window[] {
    return [...this.windows.values()].sort((a, b) => a.index - b.index);
  }

  window(id: number): Window | undefined {
    return this.windows.get(id);
  }

  get activeWindow(): Window | undefined {
    return this.windows.get(this.activeId);
  }

  listClients(): readonly Client[] {
    return this.clients;
  }

  // ---- clients ----------------------------------------------------------

  /** Attach a viewer; it gets a layout now and, unless local, a snapshot soon. */
  attach(sink: ClientSink, opts: AttachOptions): Client {
    if (this.ended) throw new Error('attach to an ended session');
    const c = new Client(this, sink, opts);
    this.clients.push(c);
    this.applySize();
    this.broadcastLayout();
    if (!c.local) this.follow(c);
    return c;
  }

  detach(c: Client, reason = 'detached'): void {
    if (c.detached) return;
    c.detached = true;
    c.generation++;
    clearTimeout(c.pacer);
    const i = this.clients.indexOf(c);
    if (i >= 0) this.clients.splice(i, 1);
    c.sink.close(reason);
    this.applySize();
    this.broadcastLayout();
  }

  input(c: Client, data: Uint8Array | string): void {
    // Read-only is enforced here, on the sharing side, whatever a peer sends.
    if (!c.canWrite || c.detached) return;
    trace?.(`input ${data.length} from ${c.name}`);
    this.activeWindow?.input(data);
  }

  resizeClient(c: Client, cols: number, rows: number): void {
    if (c.cols === cols && c.rows === rows) return;
    c.cols = cols;
    c.rows = rows;
    if (this.applySize()) this.broadcastLayout();
  }

  /** Give or take a client's right to type; false when it is locked read-only. */
  setWritable(c: Client, rw: boolean): boolean {
    if (rw && c.opts.lockedReadOnly) return false;
    if (c.canWrite === rw) return true;
    c.canWrite = rw;
    this.applySize();
    this.broadcastLayout();
    return true;
  }

  /** Send a status-line notice to one client, or to all. */
  notify(text: string, to?: Client): void {
    const msg: Notice = { t: 'msg', text };
    for (const c of to ? [to] : this.clients) c.sink.send(msg);
  }

  /**
   * Start (or restart) a client's stream of the active window: a snapshot
   * at a settled point of the stream, then everything after it. A paced
   * frame takes the screen as parsed so far (`latest`): waiting for the
   * backlog would make the model parse a flood it can otherwise skip.
   */
  follow(c: Client, scrollback?: number, latest = false): void {
    if (c.local || c.detached) return;
    const w = this.activeWindow;
    const gen = ++c.generation;
    c.live = undefined;
    if (!w) return;
    w.model.requestSnapshot((data, following) => {
      if (c.detached || c.generation !== gen || (w.hasExited && !this.windows.has(w.id))) return;
      const snap: Snap = { t: 'snap', w: w.id, cols: w.model.cols, rows: w.model.rows, data };
      // A snapshot always goes, window or not: it is what ends being behind.
      c.flow.onSend(streamBytes(snap));
      c.partialHistory = (scrollback ?? SNAPSHOT_SCROLLBACK) < Math.min(this.opts.scrollback, SNAPSHOT_SCROLLBACK);
      trace?.(`snap ${data.length} chars, ${following.length} following${c.paced ? ', paced' : ''}`);
      c.sink.send(snap);
      c.live = w.id;
      for (const item of following) this.streamTo(c, streamEvent(w.id, item));
    }, scrollback, { latest });
  }

  // ---- windows ----------------------------------------------------------

  /** Open a window running the session's program and make it active; a message on failure. */
  newWindow(): string | undefined {
    if (this.windows.size >= MAX_WINDOWS) return `no more than ${MAX_WINDOWS} windows`;
    const id = this.nextWindowId++;
    const used = new Set([...this.windows.values()].map((w) => w.index));
    let index = 0;
    while (used.has(index)) index++;
    let w: Window;
    try {
      w = new Window({
        id,
        index,
        file: this.opts.file,
        args: this.opts.args,
        cwd: this.opts.cwd,
        env: this.opts.env,
        cols: this.cols,
        rows: this.rows,
        scrollback: this.opts.scrollback,
        spawn: this.opts.spawn,
      });
    } catch (e) {
      const why = `cannot start ${this.opts.file}: ${(e as Error).message}`;
      if (this.windows.size === 0) this.end(why);
      return why;
    }
    this.windows.set(id, w);
    this.windowSubs.set(id, [
      w.onStream.on((item) => this.stream(w, item)),
      w.onExit.on(() => this.windowExited(w)),
    ]);
    this.select(id);
    return undefined;
  }

  /** Make a window active for everyone. */
  select(id: number): void {
    const w = this.windows.get(id);
    if (!w || id === this.activeId) return;
    this.activeId = id;
    w.resize(this.cols, this.rows);
    this.broadcastLayout();
    for (const c of this.clients) this.follow(c);
  }

  /** The window `step` places after (or before) the active one, in index order. */
  neighbour(step: 1 | -1): Window | undefined {
    const list = this.listWindows();
    const i = list.findIndex((w) => w.id === this.activeId);
    if (list.length === 0) return undefined;
    return list[(i + step + list.length) % list.length];
  }

  renameWindow(w: Window, name: string): void {
    w.rename(name);
    this.broadcastLayout();
  }

  killWindow(w: Window): void {
    w.kill();
  }

  private windowExited(w: Window): void {
    const wasActive = w.id === this.activeId;
    const next = wasActive ? this.neighbour(1) : undefined;
    for (const s of this.windowSubs.get(w.id) ?? []) s.dispose();
    this.windowSubs.delete(w.id);
    this.windows.delete(w.id);
    w.dispose();
    if (this.windows.size === 0) {
      this.end('the shell exited');
      return;
    }
    if (wasActive && next && next.id !== w.id) {
      this.activeId = -1;
      this.select(next.id);
    } else {
      this.broadcastLayout();
    }
  }

  private stream(w: Window, item: StreamItem): void {
    const ev = streamEvent(w.id, item);
    const n = streamBytes(ev);
    let owed = false;
    for (const c of this.clients) {
      if (c.live === w.id) this.streamTo(c, ev);
      // Output a client missed while behind counts towards a flood all the
      // same: once it would have spent the raw budget, it is paced.
      else if (n > 0 && c.behind && !c.paced && !c.local && !c.detached && w.id === this.activeId) this.pace(c, n);
      if (c.owed) owed = true;
    }
    // A paced viewer owed a frame gets it once the output stops (PACED_QUIET).
    if (!owed || n === 0 || w.id !== this.activeId) return;
    if (this.quietTimer) this.quietTimer.refresh();
    else this.quietTimer = setTimeout(() => this.outputQuiet(), PACED_QUIET);
  }

  /**
   * Output has stopped while paced viewers are owed a frame: once the model
   * has parsed what came (it waits a moment in a flood), each gets the
   * screen now rather than at its next frame, or, if its last was too
   * recent, as soon as PACED_MIN_GAP has passed since.
   */
  private outputQuiet(): void {
    this.quietTimer = undefined;
    const w = this.activeWindow;
    if (!w || this.ended) return;
    if (w.model.pending > 0) {
      this.quietTimer = setTimeout(() => this.outputQuiet(), PACED_QUIET);
      return;
    }
    const now = performance.now();
    for (const c of this.clients) {
      if (!c.paced || !c.owed || c.detached || c.behind) continue;
      clearTimeout(c.pacer);
      const since = now - c.framedAt;
      // Its last frame too recent: the next once the gap is over, not a whole frame later.
      if (since < PACED_MIN_GAP) c.pacer = setTimeout(() => this.paceFrame(c), Math.ceil(PACED_MIN_GAP - since));
      else this.paceFrame(c);
    }
  }

  /**
   * Send output to a live client if its window allows; otherwise stop its
   * stream (the bytes are stale by the time the link could carry them) and
   * owe it a snapshot once its acknowledgements catch up (mosh's lesson).
   */
  private streamTo(c: Client, ev: Out | Resize): void {
    const n = streamBytes(ev);
    if (n > 0 && this.pace(c, n)) return;
    if (n > 0 && !c.flow.canSend(n)) {
      if (!c.behind) trace?.(`behind: skip ${n} inflight ${c.flow.inFlight} window ${c.flow.window}`);
      c.live = undefined;
      c.generation++;
      c.behind = true;
      return;
    }
    c.flow.onSend(n);
    c.sink.send(ev);
  }

  /**
   * Whether `n` bytes of output for `c` are skipped because it is paced (see
   * RAW_BURST): true while it is, or once this output exhausts its budget.
   */
  private pace(c: Client, n: number): boolean {
    if (c.scrolling) return false;
    if (!c.paced) {
      if (c.rawBudget.take(n)) return false;
      trace?.(`paced: skip ${n}`);
      c.paced = true;
      c.pacer = setTimeout(() => this.paceFrame(c), this.pacedFrame);
    }
    c.owed = true;
    c.live = undefined;
    c.generation++;
    return true;
  }

  /** A paced client's frame: the current screen if output was skipped, else back to streaming. */
  private paceFrame(c: Client): void {
    c.pacer = undefined;
    if (c.detached || !c.paced) return;
    if (c.owed) {
      c.owed = false;
      c.framedAt = performance.now();
      // While the window is full the acknowledgements resync it (Client.ack).
      if (!c.behind) this.follow(c, RESYNC_SCROLLBACK, true);
    } else if (c.live !== undefined) {
      // A whole frame without output: stream again, with a fresh budget.
      c.paced = false;
      c.rawBudget.refill();
      trace?.('paced: streaming again');
      return;
    }
    // (Neither: the last frame's snapshot is still on its way.)
    c.pacer = setTimeout(() => this.paceFrame(c), this.pacedFrame);
  }

  /**
   * A viewer started (or stopped) scrolling back through its copy of the
   * history. While it scrolls, it is streamed raw, never paced; if its
   * history is short, it first gets the whole of it again.
   */
  setScrolling(c: Client, on: boolean): void {
    if (c.local || c.scrolling === on) return;
    c.scrolling = on;
    if (!on) return;
    if (c.paced) {
      clearTimeout(c.pacer);
      c.pacer = undefined;
      c.paced = false;
      c.owed = false;
    }
    c.rawBudget.refill();
    if (c.partialHistory || c.live === undefined) this.follow(c, this.opts.scrollback);
  }

  private refreshNames(): void {
    let changed = false;
    for (const w of this.windows.values()) changed = w.refreshName() || changed;
    if (changed) this.broadcastLayout();
  }

  // ---- size -------------------------------------------------------------

  /**
   * The window size is the smallest terminal among clients that may type,
   * less the status bar; read-only clients never shrink it (SPEC §2).
   * Returns true if it changed.
   */
  private applySize(): boolean {
    const writers = this.clients.filter((c) => c.canWrite);
    const basis = writers.length > 0 ? writers : this.clients;
    if (basis.length === 0) return false;
    const cols = Math.max(2, Math.min(...basis.map((c) => c.cols)));
    const rows = Math.max(1, Math.min(...basis.map((c) => c.rows - STATUS_ROWS)));
    if (cols === this.cols && rows === this.rows) return false;
    this.cols = cols;
    this.rows = rows;
    // Only the active window needs the new size now; others get it when selected.
    this.activeWindow?.resize(cols, rows);
    return true;
  }

  // ---- layout and end ---------------------------------------------------

  private layoutFor(c: Client): Layout {
    return {
      t: 'layout',
      name: this.name,
      windows: this.listWindows().map((w) => ({ id: w.id, index: w.index, name: w.name })),
      active: this.activeId,
      cols: this.cols,
      rows: this.rows,
      clients: this.clients.map((x): ClientInfo => ({ id: x.id, name: x.name, role: x.role, rw: x.canWrite })),
      you: c.id,
    };
  }

  private broadcastLayout(): void {
    if (this.ended) return;
    for (const c of this.clients) c.sink.send(this.layoutFor(c));
    this.onLayout.fire();
  }

  /** End the session for everyone: programs get SIGHUP, clients get the reason. */
  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    if (this.renameTimer) clearInterval(this.renameTimer);
    clearTimeout(this.quietTimer);
    const ev: End = { t: 'end', reason };
    for (const c of this.clients.splice(0)) {
      c.detached = true;
      clearTimeout(c.pacer);
      c.sink.send(ev);
    }
    for (const w of this.windows.values()) {
      for (const s of this.windowSubs.get(w.id) ?? []) s.dispose();
      w.kill();
      w.dispose();
    }
    this.windows.clear();
    this.windowSubs.clear();
    this.onEnd.fire(reason);
  }
}

/**
 * How many bytes of a client's stream an event counts for; the viewer counts
 * the same way in its acknowledgements: output bytes and snapshot characters.
 */
export function streamBytes(ev: { t: string; data?: Uint8Array | string }): number {
  return ev.t === 'out' || ev.t === 'snap' ? (ev.data?.length ?? 0) : 0;
}

function streamEvent(w: number, item: StreamItem): Out | Resize {
  if (item instanceof Uint8Array) return { t: 'out', w, data: item };
  if (typeof item === 'string') return { t: 'out', w, data: Buffer.from(item) };
  return { t: 'resize', w, cols: item.cols, rows: item.rows };
}
