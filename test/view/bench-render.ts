// Measures the renderer's JS cost (not a test: run by hand after a build with
// `node dist/test/view/bench-render.js`): a full 120x40 repaint of a typical
// screen and of a worst-case random one, and a one-cell change.
import { Renderer } from '../../src/view/render.js';
import { COLOR_P16, COLOR_P256, createGrid, setCell, type Grid } from '../../src/mux/grid.js';
import { FULL, copyGrid, frameOf, prng, randomGrid } from './helpers.js';

const COLS = 120;
const ROWS = 40;

/** Shell-like text: mostly plain words, some colour runs, short lines, a status bar. */
function typical(): Grid {
  const rnd = prng(7);
  const g = createGrid(COLS, ROWS);
  const words = ['ls', '-la', 'drwxr-xr-x', 'src', 'README.md', 'node_modules', '$', 'git', 'status', 'modified:', 'total', '4096', 'café', '日本語'];
  for (let y = 0; y < ROWS - 1; y++) {
    let x = 0;
    const end = Math.floor(rnd() * COLS);
    while (x < end) {
      const w = words[Math.floor(rnd() * words.length)]!;
      const fg = rnd() < 0.3 ? COLOR_P16 | Math.floor(rnd() * 16) : rnd() < 0.1 ? COLOR_P256 | Math.floor(rnd() * 256) : 0;
      for (const ch of w) {
        const wide = ch >= '\u3000';
        if (x + (wide ? 2 : 1) > COLS) break;
        setCell(g, x, y, ch, wide ? 2 : 1, fg, 0, 0);
        if (wide) setCell(g, x + 1, y, '', 0, fg, 0, 0);
        x += wide ? 2 : 1;
      }
      x++;
    }
  }
  const bar = '[0] 0:bash* 1:vim  helper (can type) connected';
  for (let x = 0; x < COLS; x++) setCell(g, x, ROWS - 1, bar[x] ?? ' ', 1, COLOR_P16, COLOR_P16 | 2, 0);
  return g;
}

function time(label: string, n: number, fn: () => string): void {
  let bytes = 0;
  for (let i = 0; i < 200; i++) bytes = fn().length; // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) bytes = fn().length;
  const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
  console.log(`${label.padEnd(44)} ${us.toFixed(1).padStart(8)} µs  ${String(bytes).padStart(6)} chars`);
}

for (const [name, grid] of [['typical', typical()], ['random (worst case)', randomGrid(prng(3), COLS, ROWS)]] as const) {
  const r = new Renderer(FULL);
  const f = frameOf(grid, 0, 0);
  time(`full repaint 120x40, ${name}`, 2000, () => {
    r.invalidate();
    return r.render(f);
  });
  for (const colors of [256, 8] as const) {
    const r2 = new Renderer({ ...FULL, colors });
    time(`full repaint 120x40, ${name}, ${colors} colours`, 2000, () => {
      r2.invalidate();
      return r2.render(f);
    });
  }
  const a = copyGrid(grid);
  const b = copyGrid(grid);
  setCell(b, 60, 20, '#', 1, COLOR_P16 | 1, 0, 0);
  const fa = frameOf(a, 0, 0);
  const fb = frameOf(b, 0, 0);
  r.render(fa);
  let flip = false;
  time(`one-cell change 120x40, ${name}`, 20000, () => {
    flip = !flip;
    return r.render(flip ? fb : fa);
  });
  time(`no change 120x40, ${name}`, 20000, () => r.render(fb));
}
