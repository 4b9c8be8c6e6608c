// The benchmark's report: shareterm's figure paired with another system's
// taken in the same round (bench/report.ts).
import test from 'ava';
import { pairedRatio, emptyResults, push, memoryTable, type Settings } from '../../bench/report.js';

test('each round is paired with the same round of the other system, not with its position', (t) => {
  // tmux's round 2 failed: its figures are rounds 1, 3 and 4.
  const values = { shareterm: [20, 18, 30, 22], tmux: [10, 15, 11] };
  const rounds = { shareterm: [1, 2, 3, 4], tmux: [1, 3, 4] };
  // Pairs: 20/10, 30/15, 22/11 → median 2; by position it would be 20/10, 18/15, 30/11.
  t.is(pairedRatio(values, rounds, 'tmux'), 2);
});

test('a load that drifts: the paired ratio follows the rounds, the ratio of medians does not', (t) => {
  // The machine slows down after round 2 (for tmux) and round 3 (for shareterm): the
  // medians come from different loads (30 ÷ 10 = 3×), while in 4 of 5 rounds shareterm is 1.5× tmux.
  const values = { shareterm: [30, 30, 30, 15, 15], tmux: [20, 20, 10, 10, 10] };
  const rounds = { shareterm: [1, 2, 3, 4, 5], tmux: [1, 2, 3, 4, 5] };
  t.is(pairedRatio(values, rounds, 'tmux'), 1.5);
});

test('no pairs, no ratio', (t) => {
  t.is(pairedRatio({ shareterm: [20] }, { shareterm: [1] }, 'tmux'), undefined);
  t.is(pairedRatio({ shareterm: [20], tmux: [10] }, { shareterm: [1], tmux: [2] }, 'tmux'), undefined);
  t.is(pairedRatio({ shareterm: [20], tmux: [10] }, undefined, 'tmux'), undefined);
});

test("the per-process table shows each process's CPU in the flood and its main thread's share, medians over rounds", (t) => {
  const r = emptyResults();
  r.sides.shareterm = { share: 'user', listen: 'helper' };
  for (const [all, main, listen] of [[0.6, 0.3, 0.2], [0.8, 0.4, 0.1], [0.7, 0.35, 0.15]] as const) {
    push(r.cpu, 'shareterm', { share: all, listen });
    push(r.cpuMain, 'shareterm', { share: main, listen: listen / 2 });
    push(r.seconds, 'shareterm', 1);
  }
  const st = { systems: ['shareterm'] } as unknown as Settings;
  const lines = memoryTable(r, st).split('\n');
  t.true(lines[0]!.endsWith('| CPU during the flood, s (% of its duration) | … of which its main thread, s |'));
  t.is(lines[2], '| shareterm | share | user | — | — | — | — | 0.70 (70%) | 0.35 |');
  t.is(lines[3], '| shareterm | listen | helper | — | — | — | — | 0.15 (15%) | 0.07 |');
});
