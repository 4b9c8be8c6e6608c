// The A/B report (bench/ab.ts): per-round ratios and the sign test.
import test from 'ava';
import { signTest, compare, table } from '../../bench/ab.js';

test('the sign test is the exact two-sided binomial tail', (t) => {
  t.is(signTest(0, 5), 2 / 32);
  t.is(signTest(5, 5), 2 / 32);
  t.is(signTest(6, 12), 1);
  // 9 of 12: 2 × (C(12,0) + C(12,1) + C(12,2) + C(12,3)) / 2^12 = 2 × 299 / 4096.
  t.is(signTest(9, 12), (2 * 299) / 4096);
  t.is(signTest(0, 0), 1);
});

test('rounds are paired by index; a drifting load moves both builds, not the ratio', (t) => {
  // The machine halves its speed after round 2: B is 10% faster in every round.
  const c = compare({ name: 'x', higher: true, a: [20, 20, 10, 10, 10], b: [22, 22, 11, 11, 11] });
  t.is(c.medianA, 10);
  t.is(c.medianB, 11);
  t.is(Math.round(c.ratio * 1000) / 1000, 1.1);
  t.is(c.bWins, 5);
  t.is(c.decided, 5);
  t.is(c.p, 2 / 32);
});

test('lower is better for latencies and CPU; ties and missing rounds are not counted', (t) => {
  const b: number[] = [0.9, 1.0, 1.2];
  b[4] = 0.5; // round 4 failed for B (a hole), round 5 did not
  const c = compare({ name: 'p50', higher: false, a: [1, 1, 1, 1, 1], b });
  t.is(c.decided, 3); // rounds 1, 3 and 5 (round 2 a tie, round 4 missing)
  t.is(c.bWins, 2); // 0.9 and 0.5
  t.is(c.ratio, 0.95); // median of 0.9, 1, 1.2, 0.5
});

test('the table has a row per figure with its ratio and p', (t) => {
  const out = table([{ name: 'throughput, MiB/s', higher: true, a: [10, 10], b: [12, 12] }]);
  t.regex(out, /\| throughput, MiB\/s \| 10\.0 \| 12\.0 \| 1\.20× \| 2 of 2 \| 0\.500 \|/);
});
