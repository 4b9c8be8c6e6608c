// The helper's view of one share: replicas of the user's windows fed from
// the connection, drawn by a Viewer on this terminal. It outlives a single
// connection: when the network drops it, the view stays up saying
// "reconnecting", and the user's side re-dials into it; it resyncs from a
// snapshot, and input typed meanwhile is sent once, in order.

import { randomBytes } from 'node:crypto';
import { APP } from '../cli/version.js';
import type { Link } from '../proto/link.js';
import { MAX_FRAME } from '../proto/frame.js';
import { PROTOCOL_VERSION, type ShareMessage, type ViewMessage, type ShareHello } from '../proto/messages.js';
import { TermModel } from '../mux/term.js';
import type { Viewer } from '../view/viewer.js';
import { bindTerminal, terminalSize, terminalViewer } from '../view/tty.js';
import { cleanLabel } from '../view/text.js';
import type { Disposable } from '../lib/event.js';
import { trace } from '../lib/debug.js';

/** Who this listener is to the shares it helps, across their reconnects. */
export const VIEWER_ID = randomBytes(12).toString('hex');
/** Keystrokes go out in frames of at most this size (a 1 MB paste is many frames). */
const INPUT_CHUNK = 32 << 10; // bytes
/** Input kept for resending after a reconnect. */
const INPUT_LOG = 1 << 20; // bytes
/** Stop reading the connection when this much output waits to be parsed… */
const REPLICA_HIGH_WATER = 4 << 20; // bytes
/** …and read again below this. */
const REPLICA_LOW_WATER = 1 << 20; // bytes
/** How long a view waits for the user's side to re-dial after the network dropped it. */
export const RESUME_GRACE = 120_000; // ms

type ShareLink = Link<ShareMessage, ViewMessage>;

export interface ViewOptions {
  readOnly: boolean;
  prefix: number;
  helperName: string;
  scrollback: number; // lines kept per replica
}

/** One share, shown on this terminal until it ends. */
export class HelperView {
  readonly sessionId: string;
  private link: ShareLink | undefined;
  private readonly replicas = new Map<number, TermModel>();
  private readonly viewer: Viewer;
  private readonly terminal: Disposable;
  private readonly readOnly: boolean;
  private inputSeq = 0;
  private readonly inputLog: { seq: number; data: Uint8Array }[] = [];
  private inputLogBytes = 0;
  private processed = 0; // bytes of out data and snap characters on this connection
  private ackQueued = false;
  private paused = false;
  private graceTimer: NodeJS.Timeout | undefined;
  private endReason: string | undefined;
  private ended = false;
  private resolveDone: (reason: string) => void = () => {};
  /** Resolves with the reason, once the view has ended and the terminal is back. */
  readonly done: Promise<string>;

  constructor(hello: ShareHello, private readonly opts: ViewOptions) {
    this.sessionId = hello.session;
    this.readOnly = opts.readOnly || hello.readOnly;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.viewer = terminalViewer({
      role: 'helper',
      prefix: opts.prefix,
      model: (id) => this.replicas.get(id),
      host: {
        input: (d) => this.input(d),
        command: (name, args) => this.link?.send({ t: 'cmd', name, args }),
        detach: () => this.end('the helper left'),
        resize: (cols, rows) => this.link?.send({ t: 'size', cols, rows }),
      },
    });
    this.terminal = bindTerminal(this.viewer);
  }

  /** True while waiting for the user's side to re-dial. */
  get disconnected(): boolean {
    return this.link === undefined && !this.ended;
  }

  /** Take a connection whose share hello has been accepted: say hello back and show it. */
  attach(link: ShareLink, hello: ShareHello): void {
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    this.link = link;
    this.processed = 0;
    this.paused = false;
    const size = terminalSize();
    link.setMaxFrame(MAX_FRAME);
    link.send({
      t: 'hello', v: PROTOCOL_VERSION, role: 'view', app: APP, name: this.opts.helperName, readOnly: this.readOnly,
      cols: size.cols, rows: size.rows, viewer: VIEWER_ID, z: true,
    });
    link.startKeepAlive();
    // Input the user's side has not applied goes again, once, in order.
    if (hello.resume?.viewer === VIEWER_ID) {
      const from = hello.resume.seq;
      const kept = this.inputLog.filter((e) => e.seq > from);
      if (kept.length > 0 && kept[0]!.seq > from + 1) this.viewer.showNotice('some keys typed while disconnected were lost', true);
      for (const e of kept) link.send({ t: 'in', data: e.data, seq: e.seq });
    }
    this.viewer.setConnection('connected', true);
    // A new connection is a new client to the session: it must hear we scroll.
    if (this.viewer.scrolling) link.send({ t: 'cmd', name: 'scroll-mode', args: [1] });
    link.onMessage.on((m) => this.message(m));
    link.onClose.on((c) => {
      if (this.link !== link) return;
      this.link = undefined;
      if (this.ended) return;
      if (this.endReason !== undefined || c.by !== 'network') {
        this.end(this.endReason ?? cleanLabel(c.reason, 200));
        return;
      }
      // The network dropped it: keep the view, wait for the user's side to re-dial.
      this.viewer.setConnection('reconnecting…', false);
      this.viewer.showNotice(`lost the connection (${cleanLabel(c.reason, 80)}); waiting for the user's side to reconnect`, true);
      this.graceTimer = setTimeout(() => this.end(`the user's connection was lost (${cleanLabel(c.reason, 80)})`), RESUME_GRACE);
    });
  }

  /** End the view: leave the connection, put the terminal back. */
  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.graceTimer);
    const goodbye = this.link && !this.link.isClosed ? this.link.close(reason) : Promise.resolve();
    this.link = undefined;
    this.terminal.dispose();
    for (const r of this.replicas.values()) r.dispose();
    this.replicas.clear();
    // Done once the user's side has our goodbye: we may exit next, and a
    // goodbye lost with us would read as a dropped connection there.
    void goodbye.then(() => this.resolveDone(reason));
  }

  private input(d: Uint8Array): void {
    trace?.(`typed ${d.length}`);
    if (this.readOnly) {
      this.viewer.showNotice('you are read-only: your keys are not sent');
      return;
    }
    for (let o = 0; o < d.length; o += INPUT_CHUNK) {
      // A copy: the terminal's buffer may be reused, and the log keeps it.
      const data = Uint8Array.from(d.subarray(o, o + INPUT_CHUNK));
      const seq = ++this.inputSeq;
      this.inputLog.push({ seq, data });
      this.inputLogBytes += data.length;
      while (this.inputLogBytes > INPUT_LOG && this.inputLog.length > 1) this.inputLogBytes -= this.inputLog.shift()!.data.length;
      // Sent now if connected; otherwise when the user's side is back.
      this.link?.send({ t: 'in', data, seq });
    }
  }

  /**
   * Acknowledge what has been parsed (not merely received), at most once per
   * turn of the event loop: the sharing side keeps what is in flight near a
   * round trip's worth, so a slow link or a slow terminal never backs up.
   */
  private acknowledge(n: number, link: ShareLink): void {
    if (link !== this.link) return;
    this.processed += n;
    if (this.ackQueued) return;
    this.ackQueued = true;
    setImmediate(() => {
      this.ackQueued = false;
      if (link === this.link) link.send({ t: 'ack', n: this.processed });
    });
  }

  private parsed(m: TermModel, link: ShareLink): void {
    if (this.paused && m.pending < REPLICA_LOW_WATER && link === this.link) {
      this.paused = false;
      link.stream.resume();
    }
  }

  private message(m: ShareMessage): void {
    const link = this.link;
    if (!link) return;
    switch (m.t) {
      case 'layout': {
        // Replicas of windows that are gone are dropped.
        const ids = new Set(m.windows.map((w) => w.id));
        for (const [id, r] of this.replicas) {
          if (!ids.has(id)) {
            r.dispose();
            this.replicas.delete(id);
          }
        }
        this.viewer.setLayout(m);
        break;
      }
      case 'snap': {
        trace?.(`got snap ${m.data.length}`);
        let r = this.replicas.get(m.w);
        if (!r) {
          // A replica's answers to queries are dropped: only the user's side answers.
          r = new TermModel({ cols: m.cols, rows: m.rows, scrollback: this.opts.scrollback });
          this.replicas.set(m.w, r);
        }
        r.reset(m.cols, m.rows);
        const rr = r;
        const n = m.data.length;
        r.write(m.data, () => {
          this.parsed(rr, link);
          this.acknowledge(n, link);
          this.viewer.reloaded();
        });
        this.viewer.refresh();
        break;
      }
      case 'out': {
        const r = this.replicas.get(m.w);
        const n = m.data.length;
        if (!r) {
          this.acknowledge(n, link);
          break;
        }
        r.write(m.data, () => {
          this.parsed(r, link);
          this.acknowledge(n, link);
        });
        if (!this.paused && r.pending > REPLICA_HIGH_WATER) {
          this.paused = true;
          link.stream.pause();
        }
        break;
      }
      case 'resize':
        this.replicas.get(m.w)?.resize(m.cols, m.rows);
        break;
      case 'msg':
        this.viewer.showNotice(m.text);
        break;
      case 'end':
        this.endReason = cleanLabel(m.reason, 200);
        link.close(this.endReason);
        break;
      default:
        break;
    }
  }
}
