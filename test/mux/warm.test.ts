import test from 'ava';
import { warmOutputPath, warmText, warmWhenQuiet, type WarmResult } from '../../src/mux/warm.js';
import { Session } from '../../src/mux/session.js';
import { echoPtyFactory, type EchoPty } from '../../src/mux/echo-pty.js';
import { scanChunk } from '../../src/mux/stale.js';
import { detectCaps } from '../../src/view/caps.js';

const caps = detectCaps({ TERM: 'xterm-256color', COLORTERM: 'truecolor' });
const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate').length;

test('the synthetic output is coloured text a flood is made of: plain for the skipping model, many lines, several kinds of SGR', (t) => {
  const text = warmText(64 << 10);
  t.true(text.length >= 64 << 10 && text.length < (64 << 10) + 400);
  const scan = scanChunk(text);
  t.true(scan.plain, 'only text, CR, LF, TAB, SGR and EL');
  t.true(scan.lfs > 600, `${scan.lfs} lines`);
  const s = Buffer.from(text).toString('utf8');
  for (const sgr of ['\x1b[38;5;', '\x1b[38;2;', '\x1b[1;34m', '\x1b[4m', '\x1b[K', '\t']) t.true(s.includes(sgr), JSON.stringify(sgr));
  t.deepEqual(warmText(4096), warmText(4096), 'the same every time');
});

test.serial('the warm-up runs output through a session, a drawing viewer and a framed, compressed client, then leaves nothing running', async (t) => {
  const before = timers();
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string | Uint8Array) => {
    out.push(String(s));
    return true;
  }) as typeof process.stdout.write;
  let r;
  try {
    r = await warmOutputPath({ cols: 120, rows: 39, scrollback: 2000, caps, bytes: 512 << 10 }).done;
  } finally {
    process.stdout.write = write;
  }
  t.is(out.length, 0, 'nothing written to the terminal');
  t.true(r.bytes >= 512 << 10, `${r.bytes} bytes of output`);
  t.true(r.drawn > 0, 'the viewer drew');
  t.true(r.framed > 0, 'the helper client got compressed frames');
  // The viewer's last frame shows the end of the output: the paced path was followed to the end.
  t.true(r.skipped > 0, `${r.skipped} bytes skipped as stale, as a flood is`);
  t.true(r.frames >= 1, `${r.frames} paced frames`);
  await new Promise((res) => setImmediate(res));
  t.is(timers(), before, 'no timers or immediates left behind');
});

test.serial('stop() ends the warm-up early', async (t) => {
  const w = warmOutputPath({ cols: 80, rows: 23, scrollback: 100, caps, bytes: 8 << 20 });
  await new Promise((res) => setImmediate(res));
  w.stop();
  const r = await w.done;
  t.true(r.bytes < 8 << 20, `stopped after ${r.bytes} bytes`);
});

test.serial('it waits for the session to be quiet: output keeps it waiting, a quiet moment starts it, disposing cancels it', async (t) => {
  const ptys: EchoPty[] = [];
  const session = new Session({ name: 's', file: 'sh', args: [], cwd: '/', env: {}, cols: 80, rows: 23, scrollback: 100, spawn: echoPtyFactory(ptys) });
  session.start();
  t.teardown(() => session.end('done'));
  let result: WarmResult | undefined;
  const warm = warmWhenQuiet(session, { cols: 80, rows: 23, scrollback: 100, caps, bytes: 64 << 10, quietFor: 150, done: (r) => (result = r) });
  t.teardown(() => warm.dispose());
  // Output every 40 ms for half a second: never quiet for 150 ms.
  const busyUntil = Date.now() + 500;
  while (Date.now() < busyUntil) {
    ptys[0]!.emit('output\r\n');
    await new Promise((r) => setTimeout(r, 40));
  }
  t.is(result, undefined, 'not while output flows');
  const deadline = Date.now() + 5000;
  while (!result && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.truthy(result, 'warmed once quiet');
  t.true(result!.bytes >= 64 << 10);

  const other = new Session({ name: 's2', file: 'sh', args: [], cwd: '/', env: {}, cols: 80, rows: 23, scrollback: 100, spawn: echoPtyFactory() });
  other.start();
  t.teardown(() => other.end('done'));
  let ran = false;
  warmWhenQuiet(other, { cols: 80, rows: 23, scrollback: 100, caps, bytes: 64 << 10, quietFor: 100, done: () => (ran = true) }).dispose();
  await new Promise((r) => setTimeout(r, 400));
  t.false(ran, 'cancelled before it began');
});
