import test from 'ava';
import { TokenBucket, idleClock } from '../../src/lib/bucket.js';

test('take: a burst, then the rate; a refusal takes nothing', (t) => {
  let now = 0;
  const b = new TokenBucket(100, 1000, () => now); // 100 at once, 1 per ms
  t.true(b.take(60));
  t.false(b.take(60), 'only 40 left');
  t.true(b.take(40), 'the refusal took nothing');
  now += 10;
  t.false(b.take(11));
  t.true(b.take(10));
  now += 1000;
  t.false(b.take(101), 'never more than the burst');
  b.take(100);
  b.refill();
  t.true(b.take(100));
});

test('charge: takes whatever it holds, and stays refused until the debt is paid', (t) => {
  let now = 0;
  const b = new TokenBucket(100, 1000, () => now);
  t.true(b.charge(100));
  t.false(b.charge(50), '50 in debt');
  now += 49;
  t.false(b.charge(0), 'still 1 in debt');
  now += 1;
  t.true(b.charge(0));
});

test('charge: debt stops at maxDebt, so a long flood is paid off as soon as a short one', (t) => {
  let now = 0;
  const b = new TokenBucket(100, 1000, () => now, 100);
  t.false(b.charge(1_000_000), 'deep in debt');
  now += 100;
  t.true(b.charge(0), 'owed only 100: paid after 100 ms');
  now += 100;
  t.true(b.take(100), 'and full again after 100 more');
});

test('idleClock runs while the event loop waits and stands still while this process is busy', async (t) => {
  const a = idleClock();
  const until = performance.now() + 30;
  while (performance.now() < until) {
    // busy
  }
  t.is(idleClock(), a, 'no idle time while busy');
  // (The test runner's own messages wake the loop now and then: not all of
  // the wait need be idle, but most is.)
  await new Promise((r) => setTimeout(r, 200));
  t.true(idleClock() - a >= 100, `idle ${(idleClock() - a).toFixed(1)} ms of 200`);
});
