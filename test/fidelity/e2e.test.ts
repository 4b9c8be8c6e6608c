// Fidelity end to end (issue 3): real `share` and `listen` processes in real
// ptys on loopback, the session's program cat-ing a corpus stream. Once the
// output has arrived, the window area of the helper's terminal (100x30,
// xterm-256color, COLORTERM=truecolor) and of the user's (80x24) equal, cell
// for cell, a model fed the same bytes directly at the session size (80x23).
// Then the user opens a second window and comes back, so the helper is sent
// a snapshot of the finished screen, and the comparison is made again.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { startPair } from '../helpers/pair.js';
import { closeAllTerms, tempDir, type Term } from '../helpers/term.js';
import { TermModel } from '../../src/mux/term.js';
import { detectCaps, type Caps } from '../../src/view/caps.js';
import { CORPUS, loadStream } from './corpus.js';
import { cursorAndModesDiff, directModel, flushed, gridOf, lastAltExit, replicaDiff, screenDiff } from './pipeline.js';

test.afterEach.always(closeAllTerms);

const ENV = { TERM: 'xterm-256color', COLORTERM: 'truecolor' };
/** What both terminals (xterm-256color, COLORTERM=truecolor, C.UTF-8) are drawn with. */
const CAPS: Caps = detectCaps({ ...ENV, LANG: 'C.UTF-8' });
const USER = { cols: 80, rows: 24 };
const HELPER = { cols: 100, rows: 30 };
/** The session window: the user's terminal (the smaller that may type) less the status bar. */
const WINDOW = { cols: USER.cols, rows: USER.rows - 1 };
const DEADLINE = 15000; // ms

/** Every recorded program, and the hand-made streams a real program path adds most to. */
const STREAMS = CORPUS.filter((s) => s.source === 'recorded' || ['sgr', 'unicode', 'line-drawing', 'scroll-regions'].includes(s.name));

/** Wait until the window area of `term` shows what `want` holds; fail with the last difference. */
async function showsWindow(term: Term, want: TermModel, what: string): Promise<void> {
  const end = Date.now() + DEADLINE;
  let d = '';
  for (;;) {
    await term.flushed();
    d = screenDiff(gridOf(term.model), gridOf(want), want.cols, want.rows, CAPS) || cursorAndModesDiff(term.model, want);
    if (!d) return;
    if (Date.now() > end) throw new Error(`${what}: after ${DEADLINE} ms: ${d}\nscreen:\n${term.text()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Wait until the status bar (the last row) of `term` matches `re`. */
async function statusShows(term: Term, re: RegExp, what: string): Promise<void> {
  const end = Date.now() + DEADLINE;
  for (;;) {
    await term.flushed();
    if (re.test(term.model.lineText(term.model.rows - 1))) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; status: ${term.model.lineText(term.model.rows - 1)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether a snapshot of `m` rebuilds it exactly. */
async function snapshotExact(m: TermModel): Promise<boolean> {
  const r = new TermModel({ cols: m.cols, rows: m.rows, scrollback: 5000 });
  r.write(m.snapshot());
  await flushed(r);
  const d = replicaDiff(r, m);
  r.dispose();
  return d === '';
}

for (const s of STREAMS) {
  test.serial(`${s.name}: the helper's and the user's screens equal the directly-fed window, live and after a snapshot`, async (t) => {
    let bytes = loadStream(s.name);
    // A program that ends by leaving the alternate screen is compared on its last full screen.
    const cut = lastAltExit(bytes);
    if (cut > 0) bytes = bytes.subarray(0, cut);
    const dir = tempDir('shareterm-fidelity-');
    const file = path.join(dir, `${s.name}.vt`);
    fs.writeFileSync(file, bytes);
    const want = await directModel(bytes, WINDOW.cols, WINDOW.rows);
    // Raw mode: the bytes reach the terminal as recorded (no LF to CR LF),
    // and the model's answers to queries in them are not echoed.
    const command = ['sh', '-c', 'stty raw -echo; cat "$1"; exec sleep 600', 'sh', file];
    // Not waiting for the status bars (the user's shows a notice for seconds): the screens are the condition.
    const p = await startPair({ command, user: { ...USER, env: ENV }, helper: { ...HELPER, env: ENV }, waitReady: false });
    try {
      await showsWindow(p.listen, want, 'the helper, live');
      await showsWindow(p.share, want, 'the user, live');
      t.true(await snapshotExact(want), 'a snapshot of this screen rebuilds it exactly');
      // A second window, then back: the helper gets a snapshot of window 0.
      p.share.type('\x02c');
      await statusShows(p.listen, /\b1:\S*\*/, 'window 1 active on the helper');
      p.share.type('\x020');
      await statusShows(p.listen, /\b0:\S*\*/, 'window 0 active again on the helper');
      await showsWindow(p.listen, want, 'the helper, after a snapshot');
      await showsWindow(p.share, want, 'the user, after switching back');
      t.pass();
    } finally {
      want.dispose();
      await p.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
