// The status bar is laid out again only when something it shows changed
// (not on every keystroke's echo), so each of those things must show at once:
// the windows and people of a new layout, the connection, a notice and its
// end, the prefix key waiting, a new terminal size. And while nothing changed,
// echoes draw only the rows that changed.
import test from 'ava';
import { Viewer } from '../../src/view/viewer.js';
import { TermModel } from '../../src/mux/term.js';
import type { Layout } from '../../src/proto/messages.js';
import { FULL, emulator, feed } from './helpers.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function layout(windows: string[], people = 1): Layout {
  return {
    t: 'layout', name: 's', active: 1, you: 1, cols: 60, rows: 9,
    windows: windows.map((name, i) => ({ id: i + 1, index: i, name })),
    clients: [{ id: 1, name: 'me', role: 'helper', rw: true }, ...(people > 1 ? [{ id: 2, name: 'ann', role: 'owner', rw: true }] : [])],
  } as Layout;
}

async function setup(): Promise<{ v: Viewer; model: TermModel; status: () => Promise<string>; out: string[] }> {
  const model = new TermModel({ cols: 60, rows: 9, scrollback: 10 });
  const term = emulator(60, 10); // the helper's real terminal
  const out: string[] = [];
  const v = new Viewer({
    role: 'helper', prefix: 2, prefixName: 'C-b', caps: FULL,
    write: (s) => {
      out.push(s);
      term.write(s);
      return true;
    },
    host: { input() {}, command() {}, detach() {}, resize() {} },
    model: () => model, cols: 60, rows: 10,
  });
  v.setLayout(layout(['sh']));
  v.start();
  const status = async (): Promise<string> => {
    await tick();
    await feed(term, '');
    return term.lineText(term.rows - 1);
  };
  return { v, model, status, out };
}

test('the status bar follows each thing it shows, and is left alone while they stay the same', async (t) => {
  const { v, model, status, out } = await setup();
  t.regex(await status(), /\[s\] 0:sh\*/);

  v.setLayout(layout(['sh', 'vim']));
  t.regex(await status(), /0:sh\* 1:vim/, 'a new window');
  v.setLayout(layout(['sh', 'vim'], 2));
  t.regex(await status(), /ann/, 'someone joined');

  v.setConnection('reconnecting', false);
  t.regex(await status(), /○ reconnecting/, 'the connection');
  v.setConnection('connected', true);
  t.regex(await status(), /● connected/);

  v.showNotice('hello there');
  t.regex(await status(), /^hello there/, 'a notice');
  // The notice's time runs out (the viewer's own timer draws then).
  const until = Date.now() + 2100;
  while (Date.now() < until && /hello there/.test(await status())) await new Promise((r) => setTimeout(r, 50));
  t.notRegex(await status(), /hello there/, 'the notice is gone when its time is up');
  t.regex(await status(), /0:sh\*/);

  v.input(Uint8Array.of(2)); // C-b: the prefix key, waiting for a command
  t.regex(await status(), /C-b …/, 'the prefix is shown');
  v.input(Uint8Array.of(2)); // C-b again: a C-b for the program, and the prefix is done
  t.notRegex(await status(), /C-b …/, 'and goes when it is done');
  t.regex(await status(), /0:sh\*/);

  // Echoes with nothing else changed: the bar is not drawn again.
  out.length = 0;
  for (const ch of 'abc') {
    model.write(ch);
    await new Promise<void>((r) => model.flush(r));
    await tick();
  }
  const drawn = out.join('');
  t.true(drawn.includes('c'), 'the echoes were drawn');
  t.false(drawn.includes('0:sh'), 'the status bar was not drawn again for an echo');

  v.resize(40, 10);
  t.regex(await status(), /0:sh\*/, 'redrawn after a resize');
  v.stop();
  model.dispose();
});
