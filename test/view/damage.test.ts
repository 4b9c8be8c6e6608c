// Damage tracking: a tracked grid re-reads only the model rows that changed,
// and the renderer looks only at damaged rows — while every frame still
// shows exactly the model (overlays come and go, combining characters,
// scrolling, a pan to the side).
import test from 'ava';
import { createGrid, rowText, type Grid } from '../../src/mux/grid.js';
import { putText, fillRow } from '../../src/view/text.js';
import { Renderer } from '../../src/view/render.js';
import { FULL, emulator, feed, frameOf, screen } from './helpers.js';

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
