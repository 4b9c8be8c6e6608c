// The session without transport: echo ptys, clients as plain sinks, and a
// replica model fed from a client's events that must match the window.
import test from 'ava';
import { Session, RAW_BURST, type Client, type ClientEvent, type ClientSink } from '../../src/mux/session.js';
import { type EchoPty, echoPtyFactory } from '../../src/mux/echo-pty.js';
import { TermModel } from '../../src/mux/term.js';
import { createGrid, rowText } from '../../src/mux/grid.js';
import type { Layout } from '../../src/proto/messages.js';

function makeSession(made: EchoPty[] = [], opts: { pacedFrame?: number } = {}): Session {
  const s = new Session({
    name: 'test', file: '/bin/sh', args: [], cwd: '/', env: {}, cols: 80, rows: 23, scrollback: 100,
    spawn: echoPtyFactory(made), ...opts,
  });
  s.start();
  return s;
}

/** A remote viewer: keeps a replica per window from the events it receives. */
class FakeViewer implements ClientSink {
  events: ClientEvent[] = [];
  replicas = new Map<number, TermModel>();
  layout: Layout | undefined;
  closed: string | undefined;
  send(ev: ClientEvent): void {
    this.events.push(ev);
    switch (ev.t) {
      case 'layout': this.layout = ev; break;
      case 'snap': {
        let m = this.replicas.get(ev.w);
        if (!m) {
          m = new TermModel({ cols: ev.cols, rows: ev.rows, scrollback: 100 });
          this.replicas.set(ev.w, m);
        }
        m.reset(ev.cols, ev.rows);
        m.write(ev.data);
        break;
      }
      case 'out': this.replicas.get(ev.w)?.write(ev.data); break;
      case 'resize': this.replicas.get(ev.w)?.resize(ev.cols, ev.rows); break;
      default: break;
    }
  }
  close(reason: string): void {
    this.closed = reason;
  }
}

const flushed = (m: TermModel): Promise<void> => new Promise((r) => m.flush(r));

async function screen(m: TermModel): Promise<string[]> {
  await flushed(m);
  const g = createGrid(m.cols, m.rows);
  m.readGrid(g);
  return Array.from({ length: m.rows }, (_, y) => rowText(g, y).trimEnd());
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const local = { local: true, lockedReadOnly: false } as const;
const remote = { local: false, lockedReadOnly: false } as const;

test('a remote client gets a snapshot then the live stream, and its replica matches the window', async (t) => {
  const ptys: EchoPty[] = [];
  const s = makeSession(ptys);
  ptys[0]!.emit('before attach\r\n\x1b[1;31mred\x1b[m ');
  const v = new FakeViewer();
  s.attach(v, { ...remote, name: 'bob', role: 'helper', canWrite: true, cols: 80, rows: 24 });
  ptys[0]!.emit('after \x1b[');   // a sequence split across chunks around the snapshot
  ptys[0]!.emit('32mgreen\x1b[m');
  await until(() => v.events.some((e) => e.t === 'snap'), 'snapshot');
  const w = s.activeWindow!;
  await until(() => v.replicas.size === 1, 'replica');
  t.deepEqual(await screen(v.replicas.get(w.id)!), await screen(w.model));
  t.is((await screen(w.model))[1], 'red after green');
  s.end('test over');
});

test('input from a read-only client never reaches the program; the owner can toggle it', async (t) => {
  const ptys: EchoPty[] = [];
  const s = makeSession(ptys);
  const owner = s.attach(new FakeViewer(), { ...local, name: 'alice', role: 'owner', canWrite: true, cols: 80, rows: 24 });
  const hv = new FakeViewer();
  const helper = s.attach(hv, { ...remote, name: 'bob', role: 'helper', canWrite: false, cols: 80, rows: 24 });
  helper.input('sneaky');
  t.deepEqual(ptys[0]!.written, []);
  t.is(helper.command('new-window', []), 'you are read-only');
  t.is(helper.command('toggle-write', []), 'only the user sharing the session can do that');
  t.is(owner.command('toggle-write', []), 'bob may type');
  helper.input('ok');
  t.is(new TextDecoder().decode(ptys[0]!.written[0]), 'ok');
  t.true(hv.events.some((e) => e.t === 'msg' && /may type/.test(e.text)));
  t.is(owner.command('kick', []), 'bob disconnected');
  t.is(hv.closed, 'the user disconnected you');
  s.end('done');
});

test('locked read-only clients cannot be given write access', (t) => {
  const s = makeSession();
  const owner = s.attach(new FakeViewer(), { ...local, name: 'alice', role: 'owner', canWrite: true, cols: 80, rows: 24 });
  s.attach(new FakeViewer(), { local: false, lockedReadOnly: true, name: 'bob', role: 'helper', canWrite: true, cols: 80, rows: 24 });
  t.regex(owner.command('toggle-write', []) ?? '', /read-only for this whole session/);
  s.end('done');
});

test('size is the smallest writer less the status bar; read-only clients never shrink it', async (t) => {
  const s = makeSession();
  s.attach(new FakeViewer(), { ...local, name: 'alice', role: 'owner', canWrite: true, cols: 120, rows: 40 });
  t.deepEqual(s.size, { cols: 120, rows: 39 });
  const ro = s.attach(new FakeViewer(), { ...remote, name: 'ro', role: 'helper', canWrite: false, cols: 60, rows: 20 });
  t.deepEqual(s.size, { cols: 120, rows: 39 });
  const rw = s.attach(new FakeViewer(), { ...remote, name: 'rw', role: 'helper', canWrite: true, cols: 100, rows: 50 });
  t.deepEqual(s.size, { cols: 100, rows: 39 });
  rw.resize(90, 30);
  t.deepEqual(s.size, { cols: 90, rows: 29 });
  await flushed(s.activeWindow!.model); // the model follows in stream order
  t.is(s.activeWindow!.model.cols, 90);
  rw.detach();
  t.deepEqual(s.size, { cols: 120, rows: 39 });
  ro.detach();
  s.end('done');
});

test('resizes reach a remote replica in stream order', async (t) => {
  const ptys: EchoPty[] = [];
  const s = makeSession(ptys);
  const v = new FakeViewer();
  const helper = s.attach(v, { ...remote, name: 'bob', role: 'helper', canWrite: true, cols: 80, rows: 24 });
  await until(() => v.replicas.size === 1, 'snapshot');
  ptys[0]!.emit('x'.repeat(70) + '\r\n');
  helper.resize(40, 12);
  ptys[0]!.emit('after resize');
  const m = v.replicas.get(s.activeWindow!.id)!;
  await until(() => m.cols === 40, 'replica resize');
  t.deepEqual(await screen(m), await screen(s.activeWindow!.model));
  s.end('done');
});

test('windows: new, select, next, kill; remote clients follow with snapshots; last exit ends the session', async (t) => {
  const ptys: EchoPty[] = [];
  const s = makeSession(ptys);
  const v = new FakeViewer();
  const c = s.attach(v, { ...remote, name: 'bob', role: 'helper', canWrite: true, cols: 80, rows: 24 });
  ptys[0]!.emit('window zero');
  t.is(c.command('new-window', []), undefined);
  t.is(ptys.length, 2);
  ptys[1]!.emit('window one');
  t.deepEqual(v.layout!.windows.map((w) => w.index), [0, 1]);
  t.is(v.layout!.active, s.activeWindow!.id);
  await until(() => v.replicas.has(s.activeWindow!.id), 'snapshot of the new window');
  t.is(c.command('select-window', [5]), 'no window 5');
  t.is(c.command('next-window', []), undefined);
  t.is(s.activeWindow!.index, 0);
  await until(() => v.replicas.has(s.activeWindow!.id), 'snapshot on switch');
  const zero = v.replicas.get(s.activeWindow!.id)!;
  await until(() => zero.lineText(0) === 'window zero', 'window zero content');
  let ended = '';
  s.onEnd.on((r) => (ended = r));
  t.is(c.command('kill-window', []), undefined);
  await until(() => s.listWindows().length === 1, 'window killed');
  t.is(s.activeWindow!.index, 1);
  ptys[1]!.end(0);
  await until(() => ended !== '', 'session end');
  t.is(ended, 'the shell exited');
  t.true(v.events.some((e) => e.t === 'end'));
});

/** A FakeViewer that acknowledges what its replicas have parsed, as listen does. */
class AckingViewer extends FakeViewer {
  client: Client | undefined;
  private processed = 0;
  override send(ev: ClientEvent): void {
    super.send(ev);
    if (ev.t === 'snap' || ev.t === 'out') {
      const n = ev.data.length;
      const m = this.replicas.get(ev.w);
      if (m) m.flush(() => this.client?.ack((this.processed += n)));
      else this.client?.ack((this.processed += n));
    }
  }
  /** Bytes of output and snapshots received since `from` (an index into events). */
  streamed(from = 0): number {
    return this.events.slice(from).reduce((a, e) => a + (e.t === 'snap' || e.t === 'out' ? e.data.length : 0), 0);
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Lines of output at about `rate` bytes per second, `bytes` in all; their text is `line N`. */
async function flood(pty: EchoPty, bytes: number, rate: number, first = 0): Promise<number> {
  const t0 = Date.now();
  let sent = 0;
  let n = first;
  while (sent < bytes) {
    let chunk = '';
    while (chunk.length < 4000) chunk += `\x1b[3${n % 8}mline ${n++}\x1b[m some words to fill the line up\r\n`;
    pty.emit(chunk);
    sent += chunk.length;
    // Keep to the rate (the event loop runs meanwhile: timers, acks).
    while (Date.now() - t0 < (sent / rate) * 1000) await new Promise((r) => setTimeout(r, 2));
    await tick();
  }
  return n;
}

/** A session with one remote helper that acknowledges, once its first snapshot is in. */
async function ackingHelper<V extends AckingViewer = AckingViewer>(
  opts: { pacedFrame?: number; viewer?: V } = {},
): Promise<{ ptys: EchoPty[]; s: Session; v: V; c: Client }> {
  const ptys: EchoPty[] = [];
  const s = makeSession(ptys, opts.pacedFrame === undefined ? {} : { pacedFrame: opts.pacedFrame });
  const v = opts.viewer ?? (new AckingViewer() as V);
  const c = s.attach(v, { ...remote, name: 'bob', role: 'helper', canWrite: true, cols: 80, rows: 24 });
  v.client = c;
  await until(() => v.replicas.size === 1, 'first snapshot');
  return { ptys, s, v, c };
}

/** Whether a line of the viewer's replica of window `w` holds `text`. */
function shows(v: FakeViewer, w: number, text: string): boolean {
  const m = v.replicas.get(w)!;
  for (let y = 0; y < m.rows; y++) if (m.lineText(y).includes(text)) return true;
  return false;
}

test('a flood is paced: the viewer gets the screen a frame at a time, not the bytes, then the stream again', async (t) => {
  const { ptys, s, v, c } = await ackingHelper();
  const from = v.events.length;
  const out = 1 << 20;
  await flood(ptys[0]!, out, 2 << 20); // 1 MiB in half a second
  await until(() => !c.paced, 'the stream again after the flood');
  const w = s.activeWindow!;
  t.deepEqual(await screen(v.replicas.get(w.id)!), await screen(w.model), 'the viewer shows the last screen');
  const snaps = v.events.slice(from).filter((e) => e.t === 'snap').length;
  t.true(snaps >= 5, `frames during the flood (${snaps})`);
  t.true(v.streamed(from) < out / 4, `sent ${v.streamed(from)} of ${out} bytes`);
  // Once quiet, an echo streams as it is: no snapshot, no waiting for a frame.
  const mark = v.events.length;
  ptys[0]!.emit('echo!');
  await until(() => v.events.length > mark, 'the echo');
  t.deepEqual(v.events.slice(mark).map((e) => e.t), ['out']);
  t.regex(v.replicas.get(w.id)!.lineText(w.model.cursor().y), /echo!$/);
  s.end('done');
});

test('the end of a flood reaches a paced viewer as soon as the output stops, not at its next frame', async (t) => {
  // Frames two seconds apart: the end could only come in time by not waiting for one.
  const { ptys, s, v, c } = await ackingHelper({ pacedFrame: 2000 });
  t.teardown(() => s.end('done'));
  const w = s.activeWindow!;
  let n = 0;
  for (let round = 1; round <= 2; round++) {
    n = await flood(ptys[0]!, 512 << 10, 8 << 20, n); // 64 ms of output
    t.true(c.paced, `round ${round}: paced`);
    await until(() => shows(v, w.id, `line ${n - 1} `), `round ${round}: the flood's last line on the viewer`, 1000);
  }
  t.deepEqual(await screen(v.replicas.get(w.id)!), await screen(w.model));
});

test('output that ends right after a paced frame reaches the viewer once the minimum gap is over, not at its next frame', async (t) => {
  // Right after the quiet frame after the flood is sent, the program writes a
  // last line: its output stops again within the gap after that frame.
  let armed = false;
  let framedAt = 0;
  class EagerViewer extends AckingViewer {
    override send(ev: ClientEvent): void {
      super.send(ev);
      if (armed && ev.t === 'snap') {
        armed = false;
        framedAt = performance.now();
        setImmediate(() => ptys[0]!.emit('the last line\r\n'));
      }
    }
  }
  // Frames two seconds apart: only the quiet frame can bring the last output in time.
  const { ptys, s, v, c } = await ackingHelper({ pacedFrame: 2000, viewer: new EagerViewer() });
  t.teardown(() => s.end('done'));
  const w = s.activeWindow!;
  const n = await flood(ptys[0]!, 512 << 10, 8 << 20);
  t.true(c.paced, 'paced');
  armed = true;
  await until(() => shows(v, w.id, `line ${n - 1} `), "the flood's last line on the viewer", 1000);
  t.false(armed, 'the line after it was written when that frame came');
  await until(() => shows(v, w.id, 'the last line'), 'the line written right after that frame', 1000);
  t.true(performance.now() - framedAt < 1000, 'well before the next frame');
  t.deepEqual(await screen(v.replicas.get(w.id)!), await screen(w.model));
});

/** A viewer whose acknowledgements can be held, then released (a link that stalls). */
class StalledViewer extends AckingViewer {
  held = false;
  private pending = 0;
  override send(ev: ClientEvent): void {
    if (!this.held) return super.send(ev);
    FakeViewer.prototype.send.call(this, ev);
    if (ev.t === 'snap' || ev.t === 'out') this.pending += ev.data.length;
  }
  release(): void {
    this.held = false;
    this.client?.ack(this.pending);
  }
}

test.serial('a flood while a viewer is behind paces it all the same, and it catches up with the screen as it stands', async (t) => {
  const ptys: EchoPty[] = [];
  const s = makeSession(ptys);
  t.teardown(() => s.end('done'));
  const v = new StalledViewer();
  const c = s.attach(v, { ...remote, name: 'bob', role: 'helper', canWrite: true, cols: 80, rows: 24 });
  v.client = c;
  await until(() => v.replicas.size === 1, 'first snapshot');
  // Echoes, acknowledged: the window is sized from what the link has shown it carries.
  let i = 0;
  await until(() => {
    ptys[0]!.emit(`echo ${i++}\r\n`);
    return c.flow.window < RAW_BURST;
  }, 'a window smaller than the raw burst');
  await until(() => c.flow.inFlight === 0, 'echoes acknowledged');
  // Then the link stalls: a little output fills the window and the viewer is behind.
  v.held = true;
  let n = 0;
  while (!c.behind) n = await flood(ptys[0]!, 4000, 4 << 20, n);
  t.false(c.paced);
  // What it misses is a flood: it is paced (no raw burst when it catches up).
  n = await flood(ptys[0]!, 512 << 10, 4 << 20, n);
  t.true(c.paced, 'paced while behind');
  v.release();
  const w = s.activeWindow!;
  await until(() => !c.paced && !c.behind, 'the stream again');
  t.deepEqual(await screen(v.replicas.get(w.id)!), await screen(w.model));
  t.regex(w.model.lineText(w.model.cursor().y - 1), new RegExp(`line ${n - 1} `));
});

test('a viewer scrolling back gets the whole history once, then every byte (no pacing) until it stops', async (t) => {
  const { ptys, s, v, c } = await ackingHelper();
  let n = await flood(ptys[0]!, 512 << 10, 4 << 20);
  await until(() => !c.paced, 'the flood is over');
  const w = s.activeWindow!;
  const replica = (): TermModel => v.replicas.get(w.id)!;
  t.true(replica().scrollbackLength < 50, 'paced frames carry no history');
  // C-b [ on the viewer sends scroll-mode 1.
  t.is(c.command('scroll-mode', [1]), undefined);
  await until(() => replica().scrollbackLength === w.model.scrollbackLength, 'the history');
  await flushed(replica());
  await flushed(w.model);
  const history = (m: TermModel): string => m.snapshot(100);
  t.is(history(replica()), history(w.model));
  // While scrolling, a flood streams whole: the history stays complete. At
  // 512 KiB/s it would be paced otherwise (past the burst, twice the raw
  // rate), yet slow enough that flow control keeps up under a loaded CI.
  const mark = v.events.length;
  n = await flood(ptys[0]!, 256 << 10, 512 << 10, n);
  await until(() => v.streamed(mark) >= 256 << 10, 'every byte');
  t.false(v.events.slice(mark).some((e) => e.t === 'snap'), 'no frames while scrolling');
  await flushed(replica());
  await flushed(w.model);
  t.is(history(replica()), history(w.model));
  // q leaves scroll mode: floods are paced again.
  t.is(c.command('scroll-mode', [0]), undefined);
  const mark2 = v.events.length;
  await flood(ptys[0]!, 512 << 10, 4 << 20, n);
  await until(() => !c.paced, 'the flood is over');
  t.true(v.events.slice(mark2).some((e) => e.t === 'snap'), 'paced again');
  s.end('done');
});
