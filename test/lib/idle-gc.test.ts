import test from 'ava';
import v8 from 'node:v8';
import { IdleCollector } from '../../src/lib/idle-gc.js';

/** A collector on fake CPU and heap gauges; `busy(ms)` spends CPU before the next tick. */
function fake(opts: { heap: number; settle?: boolean }) {
  let cpu = 0;
  let heap = 10 << 20; // when the collector starts
  const grown = opts.heap;
  const collected: number[] = [];
  const trimmed: number[] = []; // collections done when each trim came
  let rss = 60 << 20;
  const c = new IdleCollector({
    period: 1000, quietShare: 0.02, quietPeriods: 3, growth: 4 << 20,
    // Off unless a test is about it: the others follow growth alone.
    settle: opts.settle ?? false,
    cpuMicros: () => cpu,
    heapBytes: () => heap,
    rssBytes: () => rss,
    collect: () => {
      collected.push(heap);
      heap = Math.max(10 << 20, heap - (8 << 20)); // each collection gives back up to 8 MiB
    },
    trim: () => {
      trimmed.push(collected.length);
      rss -= 3 << 20; // gives back 3 MiB of C heap
      return true;
    },
  });
  heap = grown; // then a burst grows it
  return {
    c,
    collected,
    trimmed,
    busy: (ms: number) => (cpu += ms * 1000),
    grow: (bytes: number) => (heap += bytes),
    growRss: (bytes: number) => (rss += bytes),
    heap: () => heap,
  };
}

test('collects only after enough quiet periods, then a series, one per period', (t) => {
  const f = fake({ heap: 40 << 20 });
  t.false(f.c.tick(), 'quiet 1');
  t.false(f.c.tick(), 'quiet 2');
  t.true(f.c.tick(), 'quiet 3: grown past the floor (nothing collected yet), so collect');
  t.true(f.c.tick(), 'the series goes on');
  t.true(f.c.tick());
  t.true(f.c.tick());
  t.false(f.c.tick(), 'a series is four collections');
  t.is(f.collected.length, 4);
  t.deepEqual(f.trimmed, [4], 'the C heap is trimmed once, after the last collection of the series');
  t.is(f.c.trims, 1);
  t.is(f.heap(), 10 << 20);
  for (let i = 0; i < 10; i++) t.false(f.c.tick(), 'settled: no growth, no collection');
  t.deepEqual(f.trimmed, [4], 'and not again while nothing is collected');
});

test('activity (more than 2% of a CPU in a period) resets the quiet count', (t) => {
  const f = fake({ heap: 40 << 20 });
  f.c.tick();
  f.c.tick();
  f.busy(21); // 2.1% of a 1 s period
  t.false(f.c.tick());
  f.busy(19); // under 2%: quiet
  t.false(f.c.tick());
  t.false(f.c.tick());
  t.true(f.c.tick(), 'three quiet periods in a row');
});

test('a series cut short by activity starts over at the next quiet spell', (t) => {
  const f = fake({ heap: 60 << 20 });
  for (let i = 0; i < 3; i++) f.c.tick();
  t.is(f.collected.length, 1);
  f.busy(500);
  t.false(f.c.tick());
  t.deepEqual(f.trimmed, [], 'no trim for a series cut short: the process is busy again');
  // The heap (52 MiB) is above what it will settle to; the next quiet spell collects again.
  for (let i = 0; i < 2; i++) t.false(f.c.tick());
  t.true(f.c.tick());
  t.is(f.collected.length, 2);
  for (let i = 0; i < 3; i++) t.true(f.c.tick());
  t.deepEqual(f.trimmed, [5], 'the series that finishes ends in a trim');
});

test('no trim when told there is none to call', (t) => {
  let n = 0;
  const c = new IdleCollector({ period: 1000, quietPeriods: 1, growth: 0, cpuMicros: () => 0, heapBytes: () => 30 << 20, rssBytes: () => 60 << 20, collect: () => void n++, trim: undefined });
  for (let i = 0; i < 4; i++) t.true(c.tick());
  t.is(n, 4);
  t.is(c.trims, 0);
});

test('after settling, collects again only once the heap has grown by the threshold', (t) => {
  const f = fake({ heap: 40 << 20 });
  for (let i = 0; i < 7; i++) f.c.tick();
  t.is(f.collected.length, 4);
  f.busy(1000);
  f.c.tick();
  f.grow((4 << 20) - 1);
  for (let i = 0; i < 5; i++) t.false(f.c.tick(), 'grown by less than 4 MiB');
  f.busy(1000);
  f.c.tick();
  f.grow(1);
  for (let i = 0; i < 2; i++) t.false(f.c.tick());
  t.true(f.c.tick(), 'grown by 4 MiB: a new series');
});

test('a heap V8 shrank itself lowers the floor', (t) => {
  let heap = 20 << 20;
  let n = 0;
  const c = new IdleCollector({ period: 1000, quietPeriods: 1, growth: 4 << 20, cpuMicros: () => 0, heapBytes: () => heap, rssBytes: () => 60 << 20, collect: () => void n++ });
  heap = 30 << 20;
  for (let i = 0; i < 4; i++) c.tick();
  t.is(n, 4);
  heap = 12 << 20; // V8's memory reducer
  t.false(c.tick());
  heap = 17 << 20; // 5 MiB over the new floor
  t.true(c.tick());
});

test('a resident set grown by 2 MiB over its quiet floor starts a series though the heap has not grown', (t) => {
  const f = fake({ heap: 10 << 20 }); // the heap never grows past its floor
  for (let i = 0; i < 5; i++) t.false(f.c.tick(), 'quiet: the resident set sets its floor');
  f.busy(1000); // a flood: the C heap grows, V8's does not
  f.growRss((2 << 20) - 1);
  t.false(f.c.tick());
  for (let i = 0; i < 5; i++) t.false(f.c.tick(), 'grown by less than 2 MiB');
  f.busy(1000);
  f.growRss(1);
  t.false(f.c.tick());
  t.false(f.c.tick());
  t.false(f.c.tick());
  t.true(f.c.tick(), 'three quiet periods after growing 2 MiB: a series');
  for (let i = 0; i < 3; i++) t.true(f.c.tick());
  t.deepEqual(f.trimmed, [4], 'ending in a trim');
  for (let i = 0; i < 10; i++) t.false(f.c.tick(), 'the resident set after the trim is the new floor');
});

test("start-up's resident set, given back as the process goes quiet, is not growth", (t) => {
  const f = fake({ heap: 10 << 20 });
  f.growRss(10 << 20); // start-up: 70 MiB, falling to 60 once V8 settles
  t.false(f.c.tick());
  for (let i = 0; i < 5; i++) {
    f.growRss(-(2 << 20));
    t.false(f.c.tick());
  }
  for (let i = 0; i < 10; i++) t.false(f.c.tick());
  t.is(f.collected.length, 0);
});

test("once, at the first quiet spell, start-up's free holes in the C heap: a trim though nothing grew, no collection; then nothing until something does", (t) => {
  const f = fake({ heap: 10 << 20, settle: true });
  t.false(f.c.tick(), 'quiet 1');
  t.false(f.c.tick(), 'quiet 2');
  t.false(f.c.tick(), 'quiet 3: settle');
  t.deepEqual(f.trimmed, [0], 'a trim, no collection');
  t.is(f.c.trims, 1);
  for (let i = 0; i < 10; i++) t.false(f.c.tick(), 'settled: nothing grew, nothing more');
  t.deepEqual(f.trimmed, [0]);
  f.busy(1000);
  f.c.tick();
  f.grow(4 << 20);
  for (let i = 0; i < 2; i++) t.false(f.c.tick());
  t.true(f.c.tick(), 'grown: a series, as before');
  for (let i = 0; i < 3; i++) t.true(f.c.tick());
  t.is(f.collected.length, 4);
  t.deepEqual(f.trimmed, [0, 4]);
});

test('a burst before the first quiet spell gets the whole series, and no settling after it', (t) => {
  const f = fake({ heap: 40 << 20, settle: true });
  for (let i = 0; i < 6; i++) t.is(f.c.tick(), i >= 2, `tick ${i + 1}`);
  t.is(f.collected.length, 4, 'a series of four');
  t.deepEqual(f.trimmed, [4], 'ending in its trim');
  for (let i = 0; i < 10; i++) t.false(f.c.tick());
  t.is(f.collected.length, 4);
  t.deepEqual(f.trimmed, [4], 'no other');
});

test('no collection while the heap is no larger than when the collector started', (t) => {
  const f = fake({ heap: 10 << 20 });
  for (let i = 0; i < 10; i++) t.false(f.c.tick());
  t.is(f.collected.length, 0);
});

test('the real collection gives a grown heap back', (t) => {
  const c = new IdleCollector({ period: 1000, quietPeriods: 1, growth: 0, cpuMicros: () => 0 });
  t.true(c.available, 'this V8 lets us collect');
  // Grow the old generation with objects that then die.
  let keep: object[][] = [];
  for (let i = 0; i < 40; i++) keep.push(Array.from({ length: 20_000 }, (_, j) => ({ i, j })));
  const grown = v8.getHeapStatistics().used_heap_size;
  keep = [];
  t.is(keep.length, 0);
  t.true(c.tick(), 'collected');
  const after = v8.getHeapStatistics().used_heap_size;
  t.true(after < grown - (20 << 20), `used heap ${(grown / 1048576).toFixed(1)} -> ${(after / 1048576).toFixed(1)} MiB`);
  t.is(c.collections, 1);
});
