import test from 'ava';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { capArenas, mallocTrim, pressureCollection } from '../../src/lib/native-memory.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const module = pathToFileURL(path.join(here, '..', '..', 'src', 'lib', 'native-memory.js')).href;
const arenasModule = pathToFileURL(path.join(here, '..', 'helpers', 'arenas.js')).href;

test('the native module is built and loads (glibc)', (t) => {
  const trim = mallocTrim();
  t.is(typeof trim, 'function', 'build/Release/memory.node (npm ci builds it with node-gyp)');
  t.is(typeof trim?.(), 'boolean');
  t.is(typeof pressureCollection(), 'function');
  t.is(typeof capArenas, 'function');
});

// In a fresh process: 200 buffers of 60 kB in the C heap, each followed by a
// small one that stays, so freeing the big ones leaves holes glibc's free()
// cannot give back. The trim must give them back.
test('trimming gives back the free holes in the C heap', (t) => {
  const script = `
    import fs from 'node:fs';
    import { mallocTrim } from ${JSON.stringify(module)};
    const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
    let big = [];
    const keep = [];
    for (let i = 0; i < 200; i++) {
      big.push(Buffer.alloc(60_000, 1));
      keep.push(Buffer.alloc(1_000, 2));
    }
    big = [];
    for (let i = 0; i < 3; i++) gc();
    const before = rss();
    const trim = mallocTrim();
    const released = trim();
    const after = rss();
    console.log(JSON.stringify({ before, after, released, kept: keep.length }));
  `;
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout) as { before: number; after: number; released: boolean; kept: number };
  t.true(o.released, 'malloc_trim says it gave memory back');
  const mb = (n: number): string => (n / 1e6).toFixed(1);
  t.true(o.before - o.after > 6e6, `RSS ${mb(o.before)} -> ${mb(o.after)} MB: 12 MB of holes freed, at least half given back`);
});

// In a fresh process: a large function run once, then nothing but
// collections. Those V8 makes under memory pressure age its bytecode and let
// it go after five; `gc()`'s are forced collections, which V8 never lets
// age code.
test('memory-pressure collections let go of code that no longer runs; gc() does not', (t) => {
  const run = (how: 'pressure' | 'gc'): { before: number; after: number } => {
    const script = `
      import v8 from 'node:v8';
      import { pressureCollection } from ${JSON.stringify(module)};
      const bytecode = () => v8.getHeapCodeStatistics().bytecode_and_metadata_size;
      let body = 'let s = 0;';
      for (let i = 0; i < 3000; i++) body += 's += (a * ' + i + ') ^ (b + ' + i + ');';
      new Function('a', 'b', body + 'return s;')(1, 2);
      const collect = ${JSON.stringify(how)} === 'gc' ? gc : pressureCollection();
      collect();
      const before = bytecode();
      for (let i = 0; i < 8; i++) collect();
      console.log(JSON.stringify({ before, after: bytecode() }));
    `;
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
    t.is(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { before: number; after: number };
  };
  const kb = (n: number): string => (n / 1e3).toFixed(0);
  const p = run('pressure');
  t.true(p.before - p.after > 100e3, `pressure: bytecode ${kb(p.before)} -> ${kb(p.after)} kB: the function's let go`);
  const g = run('gc');
  t.true(g.before - g.after < 20e3, `gc(): bytecode ${kb(g.before)} -> ${kb(g.after)} kB: kept`);
});

// In a fresh process: four threads that each allocate 20,000 small C-heap
// buffers. glibc gives each thread an arena of its own (a 64 MiB reservation
// whose touched pages it keeps); once capped, threads share the arenas there
// already are.
test('capping the arenas makes new threads share the C heap arenas there are', (t) => {
  const run = (cap: boolean): { capped: boolean; before: number; after: number } => {
    const script = `
      import fs from 'node:fs';
      import { Worker } from 'node:worker_threads';
      import { capArenas } from ${JSON.stringify(module)};
      import { threadArenas as arenas } from ${JSON.stringify(arenasModule)};
      const capped = ${cap} ? capArenas() : false;
      const before = arenas();
      await Promise.all(Array.from({ length: 4 }, () => new Promise((resolve) => {
        const w = new Worker('const a = []; for (let i = 0; i < 20000; i++) a.push(Buffer.allocUnsafeSlow(200)); require("worker_threads").parentPort.postMessage(a.length)', { eval: true, execArgv: [] });
        w.once('message', () => w.terminate().then(resolve));
      })));
      console.log(JSON.stringify({ capped, before, after: arenas() }));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    t.is(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { capped: boolean; before: number; after: number };
  };
  const free = run(false);
  t.true(free.after - free.before >= 4, `uncapped: ${free.before} -> ${free.after} thread arenas, one per new thread`);
  const capped = run(true);
  t.true(capped.capped, 'mallopt took the cap');
  t.is(capped.after, capped.before, `capped: ${capped.before} -> ${capped.after} thread arenas`);
});
