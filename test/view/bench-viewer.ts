// Measures a whole Viewer frame (compose from a model + render), not a test:
// `node dist/test/view/bench-viewer.js` after a build. A keystroke's echo on
// a full shell screen is the case that matters for latency.
import { Viewer } from '../../src/view/viewer.js';
import { TermModel } from '../../src/mux/term.js';
import { FULL } from './helpers.js';

const COLS = 120;
const ROWS = 40;
const model = new TermModel({ cols: COLS, rows: ROWS - 1, scrollback: 2000 });
let out = 0;
const viewer = new Viewer({
  role: 'helper', prefix: 2, prefixName: 'C-b', caps: FULL,
  write: (s) => { out += s.length; return true; },
  host: { input() {}, command() {}, detach() {}, resize() {} },
  model: () => model, cols: COLS, rows: ROWS,
});
let text = '';
for (let i = 0; i < 60; i++) text += `\x1b[32m-rw-r--r--\x1b[0m 1 root root  ${1000 + i} Nov 21 12:00 \x1b[1;34mfile-${i}.txt\x1b[0m some more words here\r\n`;
model.write(text + '$ ');
viewer.setLayout({ t: 'layout', name: 'bench', windows: [{ id: 1, index: 0, name: 'bash' }], active: 1, clients: [{ id: 1, name: 'root@vm', role: 'owner', rw: true }, { id: 2, name: 'helper', role: 'helper', rw: true }], you: 2, cols: COLS, rows: ROWS - 1 } as never);
viewer.start();
const draw = (viewer as unknown as { draw(): void }).draw.bind(viewer);
const N = 3000;
for (let i = 0; i < 300; i++) { model.write('x'); draw(); }
const t0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) { model.write(i % 80 === 79 ? '\r\x1b[K$ ' : 'x'); draw(); }
console.log(`echo frame 120x40 (compose + render): ${(Number(process.hrtime.bigint() - t0) / 1000 / N).toFixed(1)} µs, ${(out / (N + 300)).toFixed(0)} chars a frame`);
