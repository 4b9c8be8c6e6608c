// Damage tracking: a tracked grid re-reads only the model rows that changed,
// and the renderer looks only at damaged rows — while every frame still
// shows exactly the model (overlays come and go, combining characters,
// scrolling, a pan to the side).
import test from 'ava';
import { createGrid, rowText, type Grid } from '../../src/mux/grid.js';
import { putText, fillRow } from '../../src/view/text.js';
import { Renderer } from '../../src/view/render.js';
import { TermModel } from '../../src/mux/term.js';
import { FULL, emulator, feed, frameOf, pick, prng, screen } from './helpers.js';

const damaged = (g: Grid): number[] => [...g.damage!].flatMap((d, y) => (d ? [y] : []));
const rows = (g: Grid): string[] => Array.from({ length: g.rows }, (_, y) => rowText(g, y).trimEnd());

test('only changed rows are damaged; the renderer draws those and clears the damage', async (t) => {
  const m = emulator(20, 6);
  await feed(m, 'one\r\ntwo\r\nthree');
  const g = createGrid(20, 6, true);
  const r = new Renderer(FULL);
  m.readGrid(g);
  t.deepEqual(damaged(g), [0, 1, 2, 3, 4, 5], 'a new grid is damaged everywhere');
  r.render(frameOf(g));
  t.deepEqual(damaged(g), []);
  m.readGrid(g);
  t.deepEqual(damaged(g), [], 'nothing changed, nothing damaged');
  await feed(m, '\x1b[2;1Htwo!');
  m.readGrid(g);
  t.deepEqual(damaged(g), [1]);
  const out = r.render(frameOf(g));
  t.regex(out, /two!|!/);
  t.notRegex(out, /one|three/, 'unchanged rows are not redrawn');
  t.deepEqual(rows(g), rows(screen(m)));
});

test('an overlay over model rows is taken away by the next read, and the terminal shows the model again', async (t) => {
  const m = emulator(20, 4);
  await feed(m, 'alpha\r\nbeta\r\ngamma');
  const g = createGrid(20, 4, true);
  const r = new Renderer(FULL);
  const term = emulator(20, 4); // what the real terminal shows
  m.readGrid(g);
  await feed(term, r.start() + r.render(frameOf(g)));
  putText(g, 0, 1, 'HELP BOX', { fg: 0, bg: 0, attrs: 32 });
  t.deepEqual(damaged(g), [1]);
  await feed(term, r.render(frameOf(g)));
  t.is(term.lineText(1), 'HELP BOX');
  // The overlay is gone: the model has not changed, yet its row is read again.
  m.readGrid(g);
  t.deepEqual(damaged(g), [1]);
  await feed(term, r.render(frameOf(g)));
  t.deepEqual([0, 1, 2].map((y) => term.lineText(y)), ['alpha', 'beta', 'gamma']);
  // Writing what is already there damages nothing (the status bar each frame).
  fillRow(g, 3, 10, 20, ' ', { fg: 0, bg: 0, attrs: 0 });
  t.deepEqual(damaged(g), []);
});

test('rows with combining characters, scrolling and panning read right on a tracked grid', async (t) => {
  const m = emulator(30, 4);
  const g = createGrid(12, 4, true);
  const check = async (bytes: string, left: number, what: string): Promise<void> => {
    await feed(m, bytes);
    m.readGrid(g, { left });
    const want = createGrid(12, 4);
    m.readGrid(want, { left });
    t.deepEqual(rows(g), rows(want), what);
    t.deepEqual([...g.fg], [...want.fg], what);
    t.deepEqual([...g.attrs], [...want.attrs], what);
  };
  await check('cafe\u0301 e\u0301e\u0301\r\nplain', 0, 'combining characters');
  await check('\x1b[1;1He\u0301', 0, 'a combining character written over a plain one');
  // Same words in the emulator (e plus a combining mark), other text.
  await check('\x1b[1;4He\u0300', 0, 'a combining character replaced by another');
  await check('\r\n\x1b[1mbold\x1b[m\r\nmore\r\nlines\r\nscrolled', 0, 'after scrolling');
  await check('\x1b[1;14Hfar right\x1b[31m red', 10, 'panned right');
  await check('', 0, 'panned back');
  await check('\x1b[2J', 0, 'cleared');
});

// Every kind of output that changes cells: each moves, replaces or clears
// rows its own way, and the emulator reports which rows it touched.
const OUTPUT: ((rnd: () => number) => string)[] = [
  (rnd) => 'abcdefghijklmnopqrstuvwxyz0123456789 '.repeat(3).slice(Math.floor(rnd() * 60)),
  () => '\r\n',
  () => '\n',
  () => '\r',
  () => '\b',
  () => '\t',
  () => '界', // wide
  () => 'e\u0301', // combining
  () => '🙂',
  (rnd) => `\x1b[${1 + Math.floor(rnd() * 9)};${1 + Math.floor(rnd() * 30)}H`,
  (rnd) => `\x1b[${Math.floor(rnd() * 4)}${'ABCD'[Math.floor(rnd() * 4)]}`,
  (rnd) => `\x1b[${Math.floor(rnd() * 4)}J`, // ED 0–3 (3: the history)
  (rnd) => `\x1b[${Math.floor(rnd() * 3)}K`,
  (rnd) => `\x1b[${Math.floor(rnd() * 4)}${'@PXLMST'[Math.floor(rnd() * 7)]}`, // ICH DCH ECH IL DL SU SD
  (rnd) => `\x1b[${Math.floor(rnd() * 3)}b`, // REP
  (rnd) => `\x1b[${Math.floor(rnd() * 3)}'${rnd() < 0.5 ? '}' : '~'}`, // DECIC DECDC
  (rnd) => (rnd() < 0.7 ? `\x1b[${1 + Math.floor(rnd() * 3)};${4 + Math.floor(rnd() * 5)}r` : '\x1b[r'), // DECSTBM
  () => '\x1bM', // RI
  () => '\x1bD', // IND
  () => '\x1bE', // NEL
  () => '\x1b#8', // DECALN
  (rnd) => (rnd() < 0.5 ? '\x1b[?1049h' : '\x1b[?1049l'),
  (rnd) => (rnd() < 0.5 ? '\x1b[?47h' : '\x1b[?47l'),
  (rnd) => (rnd() < 0.5 ? '\x1b[4h' : '\x1b[4l'), // insert mode
  (rnd) => (rnd() < 0.5 ? '\x1b[?7l' : '\x1b[?7h'), // autowrap
  (rnd) => (rnd() < 0.5 ? '\x1b[?6h' : '\x1b[?6l'), // origin mode
  () => '\x1b7',
  () => '\x1b8',
  (rnd) => `\x1b[${pick(rnd, ['1', '31', '42;1', '38;5;200', '48;2;1;2;3', '7', '0', '4:3', ''])}m`,
  () => '\x1bc', // RIS
];

test('tracked grids read after every chunk of every kind of output show exactly what a fresh read shows', async (t) => {
  // Rows the model has not touched since a grid last read them are skipped
  // without comparing: a row the emulator changed without saying so would
  // stay stale on the tracked grids here.
  const rnd = prng(20261123);
  // The cells readGrid fills: the part of the grid the model's screen covers.
  const cells = (g: Grid, cols: number, rowsIn: number): unknown[] => {
    const out: unknown[] = [];
    for (let y = 0; y < rowsIn; y++) {
      const i = y * g.cols;
      out.push([g.chars.slice(i, i + cols).join('|'), [...g.widths.subarray(i, i + cols)], [...g.fg.subarray(i, i + cols)], [...g.bg.subarray(i, i + cols)], [...g.attrs.subarray(i, i + cols)]]);
    }
    return out;
  };
  for (let round = 0; round < 12; round++) {
    const m = new TermModel({ cols: 30, rows: 10, scrollback: 15, skipStale: round % 3 === 0 });
    const every = createGrid(30, 10, true); // read after every step
    const sometimes = createGrid(24, 8, true); // every few steps, panned
    const history = createGrid(30, 10, true); // sometimes scrolled back
    const compare = (g: Grid, view: { scrollUp?: number; left?: number; top?: number; rows?: number }, what: string): void => {
      m.readGrid(g, view);
      const want = createGrid(g.cols, g.rows, true); // new: every row read
      m.readGrid(want, view);
      const cols = Math.min(g.cols, m.cols - (view.left ?? 0));
      const rowsIn = Math.min(view.rows ?? g.rows, g.rows, m.rows - (view.top ?? 0));
      t.deepEqual(cells(g, cols, rowsIn), cells(want, cols, rowsIn), what);
    };
    for (let step = 0; step < 150; step++) {
      const r = rnd();
      let what: string;
      if (r < 0.03) {
        const cols = 20 + Math.floor(rnd() * 15);
        const rowsNow = 6 + Math.floor(rnd() * 6);
        m.resize(cols, rowsNow);
        what = `resize ${cols}x${rowsNow}`;
      } else if (r < 0.04) {
        m.reset(m.cols, m.rows);
        what = 'reset';
      } else if (r < 0.08) {
        // A flood of plain lines: a skipping model skips most of it and
        // keeps the history as a run of output, rebuilt when read.
        let flood = '';
        for (let i = 0; i < 800; i++) flood += `line ${i} of the flood ${'x'.repeat(i % 23)}\r\n`;
        m.write(flood);
        what = 'flood';
      } else {
        let bytes = '';
        for (let k = 1 + Math.floor(rnd() * 4); k > 0; k--) bytes += pick(rnd, OUTPUT)(rnd);
        m.write(bytes);
        what = JSON.stringify(bytes);
      }
      await new Promise<void>((resolve) => m.flush(resolve));
      const at = `round ${round} step ${step}: ${what}`;
      compare(every, {}, `${at} (every step)`);
      if (step % 3 === 0) compare(sometimes, { left: step % 2, top: step % 4 === 0 ? 1 : 0, rows: 7 }, `${at} (panned)`);
      if (step % 5 === 0) compare(history, { scrollUp: step % 10 === 0 ? Math.min(3, m.scrollbackLength) : 0 }, `${at} (history)`);
    }
    m.dispose();
  }
});

test("a tracked grid remembers its last read by numbers only: it keeps none of the model's lines alive", async (t) => {
  // What a grid remembers of its last read is numbers only: holding the
  // emulator's ring of lines would keep a flood's whole history (MBs) alive
  // after the model let it go, for as long as nothing was drawn again.
  const m = new TermModel({ cols: 40, rows: 10, scrollback: 500 });
  const g = createGrid(40, 10, true);
  let text = '';
  for (let i = 0; i < 600; i++) text += `line ${i}\r\n`;
  await feed(m, text);
  m.readGrid(g);
  t.truthy(g.seen);
  for (const [k, v] of Object.entries(g.seen!)) t.is(typeof v, 'number', `seen.${k}`);
  m.dispose();
});
