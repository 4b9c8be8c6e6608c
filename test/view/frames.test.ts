// How often the viewer draws under load: at most once per display refresh,
// and less often when frames are slow to make or write, so that drawing
// never crowds out the reading and parsing it shows.
import test from 'ava';
import { Viewer } from '../../src/view/viewer.js';
import { TermModel } from '../../src/mux/term.js';
import { FULL } from './helpers.js';

function viewer(model: TermModel, write: (s: string) => boolean): Viewer {
  const v = new Viewer({
    role: 'helper', prefix: 2, prefixName: 'C-b', caps: FULL, write,
    host: { input() {}, command() {}, detach() {}, resize() {} },
    model: () => model, cols: 80, rows: 25,
  });
  v.setLayout({ t: 'layout', name: 's', windows: [{ id: 1, index: 0, name: 'sh' }], active: 1, clients: [{ id: 1, name: 'me', role: 'helper', rw: true }], you: 1, cols: 80, rows: 24 } as never);
  return v;
}

/** Feed a screenful of new output every 2 ms for `ms`; count the frames drawn. */
async function flood(write: (s: string) => void, ms: number): Promise<number> {
  const model = new TermModel({ cols: 80, rows: 24, scrollback: 100 });
  let frames = 0;
  const v = viewer(model, (s) => {
    frames++;
    write(s);
    return true;
  });
  v.start();
  frames = 0;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    let text = '';
    for (let i = 0; i < 24; i++) text += `\x1b[3${n % 8}mline ${n++} ${'x'.repeat(60)}\x1b[m\r\n`;
    model.write(text);
    await new Promise((r) => setTimeout(r, 2));
  }
  v.stop();
  model.dispose();
  return frames;
}

const spin = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

test.serial('under a flood, slow frames come less often: drawing takes at most about a fifth of the time', async (t) => {
  // A terminal that takes 20 ms to take each frame: at one frame per refresh
  // (16 ms) it would be drawn to all the time (~45 frames a second).
  const slow = await flood(() => spin(20), 1000);
  t.true(slow >= 3, `${slow} frames`);
  t.true(slow <= 14, `${slow} frames in a second of 20 ms frames`);
});

test.serial('under a flood, quick frames come once per display refresh', async (t) => {
  const quick = await flood(() => {}, 1000);
  t.true(quick >= 10, `${quick} frames`);
  t.true(quick <= 64, `${quick} frames in a second`);
});
