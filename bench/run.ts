// `npm run bench`: the same workloads against a plain pty, tmux with a
// shared socket, the seed pipeline (tmux + socat + openssl) and shareterm,
// in interleaved rounds (A, B, C, D, A, B, …), then a table of medians, the
// ratios to tmux and to the seed, and each figure against its SPEC §5
// target. `--write` puts the table in BENCHMARKS.md. Not part of `npm test`.

import fs from 'node:fs';
import zlib from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../test/helpers/term.js';
import { SYSTEMS, startSystem, unavailable, makeSeedCert, snapshotCli, type SystemName, type Setup, type Context } from './systems.js';
import { floodFile, paceScript } from './data.js';
import { throughput, echo, ctrlC, wire, idle, weigh, startup, sleep } from './workloads.js';
import { emptyResults, push, mainTable, memoryTable, roundsTable, type Settings } from './report.js';
import { notes } from './notes.js';
import { parseCli } from './args.js';

const WORKLOADS = ['throughput', 'echo', 'memory', 'ctrlc', 'wire', 'idle', 'startup'] as const;
type Workload = (typeof WORKLOADS)[number];

const USAGE = `Usage: npm run bench -- [options]

Runs each workload against a plain pty, a bare node relay (a floor), tmux
(shared socket), the seed pipeline (tmux + socat + openssl) and shareterm, in
interleaved rounds, and prints medians, ratios and the SPEC §5 targets. tmux and socat are optional
(apt-get install tmux socat); without them those columns are skipped.

  --quick              short run: 1 round, 50 keys, 5 s flood, 10 s idle
  --only LIST          workloads, comma-separated: ${WORKLOADS.join(',')}
  --systems LIST       systems, comma-separated: ${SYSTEMS.join(',')}
  --rounds N           rounds of throughput/echo/memory (default 5, quick 1)
  --slow-rounds N      rounds of ctrlc and wire (default 3, quick 1)
  --keys N             keystrokes per echo measurement (default 200, quick 50)
  --size-mib N         size of the flood file (default 16)
  --paced-mib N        size of the steady flood for wire bytes (default 4, quick 2)
  --paced-rate N       its rate, MiB/s (default 1)
  --flood-seconds N    flood before Ctrl-C on the slow link (default 10, quick 5)
  --cap-seconds N      give up waiting for the prompt after Ctrl-C (default 30, quick 20)
  --idle-seconds N     idle measurement (default 60, quick 10)
  --settle-seconds N   idle time before each idle memory figure (default 20)
  --startup-runs N     runs of --help and node -e 0 each (default 15, quick 5)
  --write              write the results to BENCHMARKS.md
  --json FILE          write every round's values as JSON
  --cli DIR            measure the shareterm built in DIR (a checkout or an
                       export with bin/ and dist/ built; default: this one)
  -h, --help           this text

To tell whether a change is faster, compare two builds round by round:
npm run bench:ab -- --help.`;

interface Options {
  workloads: Set<Workload>;
  systems: SystemName[];
  rounds: number;
  slowRounds: number;
  keys: number;
  sizeMiB: number;
  pacedMiB: number;
  pacedRate: number;
  floodSeconds: number;
  capSeconds: number;
  idleSeconds: number;
  settleSeconds: number;
  startupRuns: number;
  write: boolean;
  json: string | undefined;
  /** Root of the shareterm build to measure (default: this checkout). */
  cli: string | undefined;
  quick: boolean;
}

function options(argv: string[]): Options {
  const { values: v, num, list } = parseCli('bench', USAGE, argv, {
    quick: { type: 'boolean' }, only: { type: 'string' }, systems: { type: 'string' },
    rounds: { type: 'string' }, 'slow-rounds': { type: 'string' }, keys: { type: 'string' },
    'size-mib': { type: 'string' }, 'paced-mib': { type: 'string' }, 'paced-rate': { type: 'string' }, 'flood-seconds': { type: 'string' }, 'cap-seconds': { type: 'string' },
    'idle-seconds': { type: 'string' }, 'settle-seconds': { type: 'string' }, 'startup-runs': { type: 'string' },
    write: { type: 'boolean' }, json: { type: 'string' }, cli: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  });
  const q = Boolean(v.quick);
  return {
    quick: q,
    workloads: new Set(list('only', v.only, WORKLOADS)),
    systems: list('systems', v.systems, SYSTEMS),
    rounds: Math.round(num('rounds', v.rounds, q ? 1 : 5)),
    slowRounds: Math.round(num('slow-rounds', v['slow-rounds'], q ? 1 : 3)),
    keys: Math.round(num('keys', v.keys, q ? 50 : 200)),
    sizeMiB: num('size-mib', v['size-mib'], 16),
    pacedMiB: num('paced-mib', v['paced-mib'], q ? 2 : 4),
    pacedRate: num('paced-rate', v['paced-rate'], 1),
    floodSeconds: num('flood-seconds', v['flood-seconds'], q ? 5 : 10),
    capSeconds: num('cap-seconds', v['cap-seconds'], q ? 20 : 30),
    idleSeconds: num('idle-seconds', v['idle-seconds'], q ? 10 : 60),
    settleSeconds: num('settle-seconds', v['settle-seconds'], 20),
    startupRuns: Math.round(num('startup-runs', v['startup-runs'], q ? 5 : 15)),
    write: Boolean(v.write),
    json: v.json,
    cli: v.cli === undefined ? undefined : path.resolve(v.cli),
  };
}

/** An error in one line: the message, then the non-blank lines of any screen it carries. */
function oneLine(e: string): string {
  const [first, ...rest] = e.split('\n');
  const screen = rest.filter((l) => l.trim() !== '' && l !== '---').map((l) => l.trim());
  return screen.length > 0 ? `${first} ${screen.join(' / ').slice(0, 400)}` : first!;
}

const log = (s: string): void => {
  process.stderr.write(`bench: ${s}\n`);
};

/** Systems still running, closed on Ctrl-C so no tmux server or share is left behind. */
const live = new Set<Setup>();

async function start(name: SystemName, ctx: Context, link?: Parameters<typeof startSystem>[2]): Promise<Setup> {
  const s = await startSystem(name, ctx, link);
  live.add(s);
  return s;
}

async function stop(s: Setup): Promise<void> {
  live.delete(s);
  await s.close();
}

function version(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.error ? 'not installed' : (r.stdout || r.stderr).split('\n')[0]!.trim();
}

/** The commit the run measured, and whether the tree had uncommitted changes under src/ or bin/. */
function gitState(root = ROOT): string {
  const git = (args: string[]): string => spawnSync('git', ['-C', root, ...args], { encoding: 'utf8' }).stdout?.trim() ?? '';
  const head = git(['rev-parse', '--short', 'HEAD']) || 'unknown commit';
  const dirty = git(['status', '--porcelain', '--', 'src', 'bin']);
  return dirty ? `${head} plus uncommitted changes in src/ or bin/ (built into dist/ at the time)` : head;
}

function socatVersion(): string {
  const r = spawnSync('socat', ['-V'], { encoding: 'utf8' });
  return r.error ? 'socat not installed' : `socat ${/socat version (\S+)/.exec(r.stdout)?.[1] ?? '?'}`;
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const began = Date.now();
  const results = emptyResults();
  const skipped: Partial<Record<SystemName, string>> = {};
  for (const s of o.systems) {
    const why = unavailable(s);
    if (why) {
      skipped[s] = why;
      log(`${s}: skipped — ${why}`);
    }
  }
  const systems = o.systems.filter((s) => !skipped[s]);
  const networked = systems.filter((s) => s === 'seed' || s === 'shareterm');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shareterm-bench-run-'));
  const cert = systems.includes('seed') || systems.includes('relay') ? makeSeedCert(dir) : { cert: '', key: '' };
  const ctx: Context = { dir, ...cert, bin: snapshotCli(dir, o.cli) };
  const measured = !o.cli
    ? gitState()
    : fs.existsSync(path.join(o.cli, '.git'))
      ? `${gitState(o.cli)} built in ${o.cli}`
      : `built in ${o.cli}${fs.existsSync(path.join(o.cli, 'COMMIT')) ? ` from commit ${fs.readFileSync(path.join(o.cli, 'COMMIT'), 'utf8').trim()} (\`git archive\` of it, node_modules linked, \`npm run build\`)` : ''}`;
  const size = Math.round(o.sizeMiB * (1 << 20));
  const file = floodFile(size);
  const pace = paceScript(dir);
  // Whole lines only, so the end marker after it is drawn as plain text.
  const pacedSize = fs.readFileSync(file).lastIndexOf(0x0a, Math.min(size, Math.round(o.pacedMiB * (1 << 20))) - 1) + 1;
  const load0 = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const has = (w: Workload): boolean => o.workloads.has(w);
  const attempt = async (what: string, f: () => Promise<void>): Promise<void> => {
    try {
      await f();
    } catch (e) {
      const msg = `${what}: ${(e as Error).message}`;
      results.errors.push(msg);
      log(`ERROR ${msg}`);
    }
  };

  if (has('startup')) {
    results.startup = startup(ctx.bin, o.startupRuns);
    log(`start-up: --help ${results.startup.help.map((x) => x.toFixed(0)).join(' ')} ms; node -e 0 ${results.startup.node.map((x) => x.toFixed(0)).join(' ')} ms`);
  }

  if (has('throughput') || has('echo') || has('memory')) {
    for (let r = 1; r <= o.rounds; r++) {
      for (const s of systems) {
        await attempt(`round ${r} ${s}`, async () => {
          const setup = await start(s, ctx);
          try {
            await sleep(1000);
            const procs = setup.procs();
            results.sides[s] = Object.fromEntries(procs.map((p) => [p.role, p.side]));
            const said: string[] = [];
            if (has('memory')) {
              const m0 = weigh(procs);
              push(results.rssStart, s, m0);
              await sleep(o.settleSeconds * 1000);
              const m = weigh(procs);
              push(results.rssIdle, s, m);
              said.push(`RSS ${Object.values(m0).map((x) => x.toFixed(0)).join('+')} MB at start-up, ${Object.values(m).map((x) => x.toFixed(0)).join('+')} MB idle`);
            }
            if (has('echo')) {
              const h = await echo(setup.helper, o.keys);
              const u = setup.user === setup.helper ? h : await echo(setup.user, o.keys);
              push(results.echoHelper, s, h);
              push(results.echoUser, s, u);
              said.push(`echo helper p50 ${h.p50.toFixed(2)} p99 ${h.p99.toFixed(2)} ms, user p50 ${u.p50.toFixed(2)} p99 ${u.p99.toFixed(2)} ms`);
            }
            if (has('throughput')) {
              const t = await throughput(setup, file, size);
              push(results.throughput, s, t.mibps);
              push(results.throughputRound, s, r);
              push(results.termBytes, s, t.termBytesPerByte);
              push(results.cpu, s, t.cpu);
              push(results.cpuMain, s, t.cpuMain);
              push(results.seconds, s, t.seconds);
              push(results.benchCpu, s, t.benchCpu);
              said.push(`${t.mibps.toFixed(1)} MiB/s (${t.seconds.toFixed(2)} s${t.polled ? ', found by polling' : ''}; CPU s ${Object.entries(t.cpu).map(([k, v]) => `${k} ${v.toFixed(2)} (main thread ${t.cpuMain[k]!.toFixed(2)})`).join(', ')}, terminal emulators ${t.benchCpu.toFixed(2)})`);
            }
            if (has('memory')) {
              push(results.rssPeak, s, weigh(procs, true));
              if (has('echo') || has('throughput')) {
                await sleep(o.settleSeconds * 1000);
                const m = weigh(procs);
                push(results.rssUsed, s, m);
                said.push(`RSS ${Object.values(m).map((x) => x.toFixed(0)).join('+')} MB idle after use`);
              }
            }
            log(`round ${r}/${o.rounds} ${s}: ${said.join('; ')}`);
          } finally {
            await stop(setup);
          }
        });
      }
    }
  }

  if (has('wire')) {
    for (let r = 1; r <= o.slowRounds; r++) {
      for (const s of networked) {
        await attempt(`wire round ${r} ${s}`, async () => {
          const setup = await start(s, ctx, { link: {} });
          try {
            await sleep(1000);
            const p = await wire(setup, file, pacedSize, { script: pace, rate: o.pacedRate * (1 << 20) });
            push(results.wirePaced, s, p.perByte);
            push(results.wirePacedForward, s, p.forwardPerByte);
            const w = await wire(setup, file, size);
            push(results.wire, s, w.perByte);
            push(results.wireForward, s, w.forwardPerByte);
            log(`wire round ${r}/${o.slowRounds} ${s}: wire bytes per output byte: steady ${p.perByte.toFixed(3)} (${p.forwardPerByte.toFixed(3)} user → helper), cat ${w.perByte.toFixed(3)} (${w.forwardPerByte.toFixed(3)})`);
          } finally {
            await stop(setup);
          }
        });
      }
    }
  }

  if (has('ctrlc')) {
    const slow = { delayMs: 50, rate: 125_000, queue: 64 << 10 };
    for (let r = 1; r <= o.slowRounds; r++) {
      for (const s of networked) {
        await attempt(`ctrlc round ${r} ${s}`, async () => {
          const setup = await start(s, ctx, { link: slow });
          try {
            await sleep(1000);
            const c = await ctrlC(setup, file, o.floodSeconds, o.capSeconds);
            push(results.ctrlc, s, c.seconds);
            push(results.ctrlcQueued, s, c.queued);
            push(results.ctrlcHeld, s, c.meanHeld);
            log(`ctrlc round ${r}/${o.slowRounds} ${s}: ${Number.isFinite(c.seconds) ? `${c.seconds.toFixed(2)} s` : `did not recover in ${o.capSeconds} s`} (the link held ${c.queued} bytes at Ctrl-C, ${c.meanHeld.toFixed(0)} on average in the flood's second half; ${c.delivered} bytes crossed it)${c.glued ? '; the prompt followed the flood\'s text on its line' : ''}${c.screen === undefined ? '' : `; the helper's screen ends:\n${c.screen}`}`);
          } finally {
            await stop(setup);
          }
        });
      }
    }
  }

  if (has('idle') && networked.length > 0) {
    // Both at once: idle sessions do not disturb each other.
    await attempt('idle', async () => {
      const setups: Setup[] = [];
      try {
        for (const s of networked) setups.push(await start(s, ctx, { link: {} }));
        await sleep(3000);
        const rates = await Promise.all(setups.map((st) => idle(st, o.idleSeconds)));
        setups.forEach((st, i) => push(results.idle, st.name, rates[i]!));
        log(`idle ${o.idleSeconds} s: ${setups.map((st, i) => `${st.name} ${rates[i]!.toFixed(1)} B/s`).join(', ')}`);
      } finally {
        for (const st of setups) await stop(st);
      }
    });
  }

  fs.rmSync(dir, { recursive: true, force: true });
  const minutes = (Date.now() - began) / 60000;
  const load1 = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const paced = fs.readFileSync(file).subarray(0, pacedSize);
  const deflated = { best: zlib.deflateRawSync(paced, { level: 9 }).length / pacedSize, fast: zlib.deflateRawSync(paced, { level: 1 }).length / pacedSize };
  const st: Settings = { systems: o.systems, skipped, sizeMiB: o.sizeMiB, pacedMiB: Number((pacedSize / (1 << 20)).toFixed(2)), pacedRate: o.pacedRate, deflated, floodSeconds: o.floodSeconds, capSeconds: o.capSeconds, idleSeconds: o.idleSeconds, settleSeconds: o.settleSeconds, keys: o.keys };
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const cpu = /model name\s*:\s*(.*)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
  const machine = [
    `${os.cpus().length} × ${cpu}`, `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`, `Linux ${os.release()}`,
    `Node ${process.version}`, version('tmux', ['-V']), socatVersion(), version('openssl', ['version']),
  ].join('; ');
  const rounds = `${o.rounds} round(s) of throughput/echo/memory, ${o.slowRounds} of Ctrl-C and wire, ${o.keys} keys per echo measurement, idle ${o.idleSeconds} s`;
  const skippedText = Object.entries(skipped).map(([s, why]) => `- ${s}: skipped — ${why}`).join('\n');
  const report = [
    mainTable(results, st),
    '',
    memoryTable(results, st),
    '',
    skippedText,
    results.errors.length > 0 ? `Errors:\n${results.errors.map((e) => `- ${oneLine(e)}`).join('\n')}` : '',
  ].filter((x, i, a) => x !== '' || a[i - 1] !== '').join('\n');
  process.stdout.write(`\n${report}\n\n${rounds}; took ${minutes.toFixed(1)} min; load average ${load0} at the start, ${load1} at the end.\n`);

  if (o.json) {
    fs.writeFileSync(o.json, JSON.stringify({ command, date: new Date().toISOString(), machine, options: { ...o, workloads: [...o.workloads] }, results }, (_, v: unknown) => (v === Infinity ? 'Infinity' : v), 2));
  }
  if (o.write) {
    const md = [
      '# Benchmarks',
      '',
      `Produced by \`${command}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, in ${minutes.toFixed(1)} min, against shareterm ${measured}, copied at the start of the run and run from the copy.`,
      `Machine: ${machine}. Load average ${load0} at the start, ${load1} at the end (other work was running).`,
      `${rounds}. Each figure is the median over rounds; the systems run one after another in each round (plain, relay, tmux, seed, shareterm, plain, …), each started fresh, both terminals 120×40.`,
      '',
      '## Results',
      '',
      mainTable(results, st),
      '',
      skippedText,
      '',
      '## Per process: memory, and CPU during the throughput flood',
      '',
      memoryTable(results, st),
      '',
      '## Every round',
      '',
      roundsTable(results, st),
      '',
      results.errors.length > 0 ? `## Errors\n\n${results.errors.map((e) => `- ${oneLine(e)}`).join('\n')}\n` : '',
      notes(st),
    ].join('\n').replace(/\n{3,}/g, '\n\n');
    fs.writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), md);
    log('wrote BENCHMARKS.md');
  }
}

const shutdown = (): void => {
  log('interrupted: closing what is running');
  void Promise.all([...live].map((s) => s.close())).finally(() => process.exit(130));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
    void Promise.all([...live].map((s) => s.close())).finally(() => process.exit(1));
  },
);
