// Interleaved A/B of two shareterm builds: `npm run bench:ab -- --b DIR`.
//
// One round of a 16 MiB flood varies by ±20% on a shared 2-core machine, and
// two runs of the whole benchmark are taken under different loads, so a
// change worth less than that cannot be seen by comparing two runs. Here
// both builds are measured in every round, back to back, in alternating
// order (A B, B A, …), each on systems started fresh. Each round gives one
// ratio B ÷ A taken under the same load. The report gives:
// - the median of those ratios;
// - how many rounds B won;
// - the exact two-sided sign test's p for that count: the chance of a split
//   at least as uneven if the two builds were the same.
//
// Workloads as in `npm run bench` (bench/workloads.ts): throughput of the
// flood to the helper's terminal (with each process's CPU meanwhile) and the
// helper's and the user's keystroke echo.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCli } from './args.js';
import { startSystem, snapshotCli, type Context, type Setup } from './systems.js';
import { throughput, echo, sleep } from './workloads.js';
import { floodFile } from './data.js';
import { median } from './stats.js';

const WORKLOADS = ['throughput', 'echo'] as const;
type Workload = (typeof WORKLOADS)[number];

const USAGE = `Usage: npm run bench:ab -- --b DIR [options]

Measures two shareterm builds in interleaved rounds (A B, B A, …), each on
freshly started systems, and prints per figure the medians, the median of
the per-round ratios B ÷ A, how many rounds B won, and the sign test's p.

  --a DIR              build A: a checkout or export with bin/ and dist/ built
                       (default: this checkout)
  --b DIR              build B (required)
  --rounds N           rounds (default 12)
  --only LIST          workloads, comma-separated: ${WORKLOADS.join(',')} (default both)
  --keys N             keystrokes per echo measurement (default 100)
  --size-mib N         size of the flood (default 16)
  --idle-seconds N     idle time after start-up before measuring (default 1.5)
  -h, --help           this text`;

/** One figure's values, by round, for each build; `higher` when more is better. */
export interface Figure {
  name: string;
  higher: boolean;
  a: number[];
  b: number[];
}

export interface Comparison {
  medianA: number;
  medianB: number;
  /** Median of the per-round ratios B ÷ A. */
  ratio: number;
  /** Rounds in which B did better than A, of those with both values and no tie. */
  bWins: number;
  decided: number;
  /** Exact two-sided sign test: the chance of a split at least this uneven under no difference. */
  p: number;
}

/** Exact two-sided binomial (p = 1/2) tail: the sign test for `k` wins of `n`. */
export function signTest(k: number, n: number): number {
  if (n === 0) return 1;
  const m = Math.min(k, n - k);
  let tail = 0;
  let c = 1; // C(n, 0)
  for (let i = 0; i <= m; i++) {
    tail += c;
    c = (c * (n - i)) / (i + 1);
  }
  return Math.min(1, (2 * tail) / 2 ** n);
}

/** Compare a figure round by round (rounds where either value is missing are left out). */
export function compare(f: Figure): Comparison {
  const ratios: number[] = [];
  let bWins = 0;
  let decided = 0;
  f.a.forEach((a, i) => {
    const b = f.b[i];
    if (b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || a <= 0) return;
    ratios.push(b / a);
    if (a === b) return;
    decided++;
    if (f.higher ? b > a : b < a) bWins++;
  });
  return { medianA: median(f.a), medianB: median(f.b), ratio: median(ratios), bWins, decided, p: signTest(bWins, decided) };
}

/** The report: one row per figure. */
export function table(figures: Figure[]): string {
  const fmt = (x: number): string => (Number.isFinite(x) ? (Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2)) : '—');
  const lines = ['| figure | A | B | B ÷ A (paired) | B better in | sign test p |', '|---|--:|--:|--:|--:|--:|'];
  for (const f of figures) {
    const c = compare(f);
    lines.push(`| ${f.name} | ${fmt(c.medianA)} | ${fmt(c.medianB)} | ${fmt(c.ratio)}× | ${c.bWins} of ${c.decided} | ${c.p.toFixed(3)} |`);
  }
  return lines.join('\n');
}

function options(argv: string[]): { a: string | undefined; b: string; rounds: number; workloads: Set<Workload>; keys: number; sizeMiB: number; idleSeconds: number } {
  const { values: v, fail, num, list } = parseCli('bench:ab', USAGE, argv, {
    a: { type: 'string' }, b: { type: 'string' }, rounds: { type: 'string' }, only: { type: 'string' },
    keys: { type: 'string' }, 'size-mib': { type: 'string' }, 'idle-seconds': { type: 'string' }, help: { type: 'boolean', short: 'h' },
  });
  const build = (name: string, dir: string | undefined): string | undefined => {
    if (dir === undefined) return undefined;
    const root = path.resolve(dir);
    if (!fs.existsSync(path.join(root, 'dist', 'bundle', 'main.cjs'))) fail(`--${name} ${dir}: no built shareterm there (dist/bundle/main.cjs); run npm run build in it`);
    return root;
  };
  if (v.b === undefined) fail('--b DIR is required: the build to compare with this one');
  return {
    a: build('a', v.a),
    b: build('b', v.b)!,
    rounds: Math.round(num('rounds', v.rounds, 12)),
    workloads: new Set(list('only', v.only, WORKLOADS)),
    keys: Math.round(num('keys', v.keys, 100)),
    sizeMiB: num('size-mib', v['size-mib'], 16),
    idleSeconds: num('idle-seconds', v['idle-seconds'], 1.5),
  };
}

const log = (s: string): void => {
  process.stderr.write(`bench:ab: ${s}\n`);
};

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shareterm-bench-ab-'));
  // Copies, so that a rebuild of either checkout during the run changes nothing.
  const bins = { a: snapshotCli(path.join(dir, 'a'), o.a), b: snapshotCli(path.join(dir, 'b'), o.b) };
  const size = Math.round(o.sizeMiB * (1 << 20));
  const file = floodFile(size);
  const fig = (name: string, higher: boolean): Figure => ({ name, higher, a: [], b: [] });
  const figures = {
    mibps: fig(`throughput, ${o.sizeMiB} MiB flood to the helper's terminal, MiB/s`, true),
    share: fig("… share's CPU meanwhile, s", false),
    listen: fig("… listen's CPU meanwhile, s", false),
    p50: fig("helper's keystroke echo p50, ms", false),
    p99: fig("helper's keystroke echo p99, ms", false),
    u50: fig("user's keystroke echo p50, ms", false),
    u99: fig("user's keystroke echo p99, ms", false),
  };
  let current: Setup | undefined;
  process.on('SIGINT', () => {
    void current?.close().finally(() => process.exit(130));
  });
  for (let r = 0; r < o.rounds; r++) {
    for (const arm of r % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const)) {
      const ctx: Context = { dir: path.join(dir, arm), cert: '', key: '', bin: bins[arm] };
      const said: string[] = [];
      try {
        current = await startSystem('shareterm', ctx);
        await sleep(o.idleSeconds * 1000);
        if (o.workloads.has('echo')) {
          const e = await echo(current.helper, o.keys);
          figures.p50[arm][r] = e.p50;
          figures.p99[arm][r] = e.p99;
          const u = await echo(current.user, o.keys);
          figures.u50[arm][r] = u.p50;
          figures.u99[arm][r] = u.p99;
          said.push(`echo p50/p99 helper ${e.p50.toFixed(2)}/${e.p99.toFixed(2)} ms, user ${u.p50.toFixed(2)}/${u.p99.toFixed(2)} ms`);
        }
        if (o.workloads.has('throughput')) {
          const t = await throughput(current, file, size);
          figures.mibps[arm][r] = t.mibps;
          figures.share[arm][r] = t.cpu.share ?? NaN;
          figures.listen[arm][r] = t.cpu.listen ?? NaN;
          said.push(`${t.mibps.toFixed(1)} MiB/s`);
        }
      } catch (e) {
        said.push(`failed: ${(e as Error).message.split('\n')[0]}`);
      } finally {
        await current?.close();
        current = undefined;
      }
      log(`round ${r + 1}/${o.rounds} ${arm.toUpperCase()}: ${said.join('; ')}`);
    }
  }
  const shown = [
    ...(o.workloads.has('throughput') ? [figures.mibps, figures.share, figures.listen] : []),
    ...(o.workloads.has('echo') ? [figures.p50, figures.p99, figures.u50, figures.u99] : []),
  ];
  process.stdout.write(`A: ${o.a ?? 'this checkout'}\nB: ${o.b}\n${o.rounds} rounds, interleaved.\n\n${table(shown)}\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

// Run only as the entry point (the tests import the functions above).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main().catch((e: unknown) => {
    process.stderr.write(`bench:ab: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
