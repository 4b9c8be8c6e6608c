// The results table: medians over rounds for each system, shareterm's ratio
// to tmux and to the seed pipeline, and each figure against its SPEC §5
// target. The same markdown goes to the console and to BENCHMARKS.md.

import { median } from './stats.js';
import type { SystemName } from './systems.js';
import type { EchoResult } from './workloads.js';

/** Everything measured, per system, one entry per round. */
export interface Results {
  throughput: Partial<Record<SystemName, number[]>>; // MiB/s
  throughputRound: Partial<Record<SystemName, number[]>>; // the round of each throughput figure
  termBytes: Partial<Record<SystemName, number[]>>; // terminal bytes per output byte
  echoHelper: Partial<Record<SystemName, EchoResult[]>>;
  echoUser: Partial<Record<SystemName, EchoResult[]>>;
  rssStart: Partial<Record<SystemName, Record<string, number>[]>>; // MB per process role, 1 s after start
  rssIdle: Partial<Record<SystemName, Record<string, number>[]>>; // …after settling idle
  rssUsed: Partial<Record<SystemName, Record<string, number>[]>>; // …idle again after echo and the flood
  rssPeak: Partial<Record<SystemName, Record<string, number>[]>>;
  cpu: Partial<Record<SystemName, Record<string, number>[]>>; // CPU s per process during the throughput run
  cpuMain: Partial<Record<SystemName, Record<string, number>[]>>; // …of which its main thread
  seconds: Partial<Record<SystemName, number[]>>; // duration of the throughput run
  benchCpu: Partial<Record<SystemName, number[]>>; // CPU s of the benchmark process (terminal emulators) in it
  sides: Partial<Record<SystemName, Record<string, 'user' | 'helper'>>>;
  ctrlc: Partial<Record<SystemName, number[]>>; // s, Infinity: did not recover
  ctrlcQueued: Partial<Record<SystemName, number[]>>; // bytes held by the link at Ctrl-C
  ctrlcHeld: Partial<Record<SystemName, number[]>>; // bytes held on average during the flood
  wire: Partial<Record<SystemName, number[]>>;
  wireForward: Partial<Record<SystemName, number[]>>;
  wirePaced: Partial<Record<SystemName, number[]>>;
  wirePacedForward: Partial<Record<SystemName, number[]>>;
  idle: Partial<Record<SystemName, number[]>>; // B/s
  startup: { help: number[]; node: number[] } | undefined;
  errors: string[];
}

export function emptyResults(): Results {
  return {
    throughput: {}, throughputRound: {}, termBytes: {}, echoHelper: {}, echoUser: {}, rssStart: {}, rssIdle: {}, rssUsed: {}, rssPeak: {}, cpu: {}, cpuMain: {}, seconds: {}, benchCpu: {}, sides: {},
    ctrlc: {}, ctrlcQueued: {}, ctrlcHeld: {}, wire: {}, wireForward: {}, wirePaced: {}, wirePacedForward: {}, idle: {}, startup: undefined, errors: [],
  };
}

export function push<T>(rec: Partial<Record<SystemName, T[]>>, s: SystemName, v: T): void {
  (rec[s] ??= []).push(v);
}

export interface Settings {
  systems: SystemName[];
  skipped: Partial<Record<SystemName, string>>;
  sizeMiB: number;
  /** The steady flood for wire bytes: MiB at MiB/s. */
  pacedMiB: number;
  pacedRate: number;
  /** The steady flood's bytes deflated on their own (zlib level 9 and 1), per byte: a floor for compressing the stream. */
  deflated: { best: number; fast: number };
  floodSeconds: number;
  capSeconds: number;
  idleSeconds: number;
  /** Idle time before the idle memory figures. */
  settleSeconds: number;
  keys: number;
}

type Fmt = (v: number) => string;
const fixed = (d: number): Fmt => (v) => (Number.isFinite(v) ? v.toFixed(d) : Number.isNaN(v) ? '—' : 'did not recover');

interface Row {
  figure: string;
  values: Partial<Record<SystemName, number>>;
  fmt: Fmt;
  /** Rounds behind each median, for the notes ("3 rounds"). */
  counts?: Partial<Record<SystemName, string>>;
  target?: string;
  met?: boolean | undefined;
  /** Ratios make sense (a figure where both sides have a value). */
  ratio?: boolean;
  /** Ratios given as such (no per-system values): shareterm's to tmux and to the seed. */
  ratios?: { tmux?: number; seed?: number };
}

function med(rec: Partial<Record<SystemName, number[]>>, s: SystemName): number | undefined {
  const xs = rec[s];
  return xs && xs.length > 0 ? median(xs) : undefined;
}

function echoMed(rec: Partial<Record<SystemName, EchoResult[]>>, s: SystemName, k: 'p50' | 'p95' | 'p99'): number | undefined {
  const xs = rec[s];
  return xs && xs.length > 0 ? median(xs.map((e) => e[k])) : undefined;
}

/** Sum of the median RSS of a system's processes on one side. */
function sideRss(r: Results, s: SystemName, side: 'user' | 'helper', rec = r.rssIdle): number | undefined {
  const rounds = rec[s];
  const sides = r.sides[s];
  if (!rounds || rounds.length === 0 || !sides) return undefined;
  let sum = 0;
  let any = false;
  for (const role of Object.keys(sides)) {
    if (sides[role] !== side) continue;
    sum += median(rounds.map((x) => x[role] ?? NaN));
    any = true;
  }
  return any ? sum : undefined;
}

/**
 * The median over rounds of shareterm's figure ÷ another system's in the
 * same round. The systems of a round run back to back, so this pairs each
 * with one taken under the same load; on a machine whose load drifts during
 * the run it can differ much from the ratio of the medians.
 */
export function pairedRatio(values: Partial<Record<SystemName, number[]>>, rounds: Partial<Record<SystemName, number[]>> | undefined, other: SystemName): number | undefined {
  const ours = values.shareterm;
  const theirs = values[other];
  const oursAt = rounds?.shareterm;
  const theirsAt = rounds?.[other];
  if (!ours || !theirs || !oursAt || !theirsAt) return undefined;
  const ratios: number[] = [];
  oursAt.forEach((round, i) => {
    const j = theirsAt.indexOf(round);
    if (j >= 0 && theirs[j]! > 0) ratios.push(ours[i]! / theirs[j]!);
  });
  return ratios.length > 0 ? median(ratios) : undefined;
}

function roleRss(rec: Partial<Record<SystemName, Record<string, number>[]>>, s: SystemName, role: string): number | undefined {
  const rounds = rec[s];
  return rounds && rounds.length > 0 ? median(rounds.map((x) => x[role] ?? NaN)) : undefined;
}

function rows(r: Results, st: Settings): Row[] {
  const per = (f: (s: SystemName) => number | undefined): Partial<Record<SystemName, number>> => {
    const o: Partial<Record<SystemName, number>> = {};
    for (const s of st.systems) {
      const v = f(s);
      if (v !== undefined) o[s] = v;
    }
    return o;
  };
  const out: Row[] = [];
  const tput = per((s) => med(r.throughput, s));
  if (Object.keys(tput).length > 0) {
    const ratio = tput.shareterm !== undefined && tput.tmux !== undefined ? tput.shareterm / tput.tmux : undefined;
    out.push({ figure: `output reaching the helper's terminal, \`cat\` ${st.sizeMiB} MiB of coloured text, MiB/s`, values: tput, fmt: fixed(1), ratio: true, target: '≥ 2× tmux', met: ratio === undefined ? undefined : ratio >= 2 });
    const paired = { tmux: pairedRatio(r.throughput, r.throughputRound, 'tmux'), seed: pairedRatio(r.throughput, r.throughputRound, 'seed') };
    if (paired.tmux !== undefined || paired.seed !== undefined) {
      out.push({ figure: '… shareterm ÷ each system in the same round (run back to back, under the same load), median over rounds', values: {}, fmt: fixed(1), ratios: paired });
    }
    out.push({ figure: "… bytes drawn on the helper's terminal per output byte", values: per((s) => med(r.termBytes, s)), fmt: fixed(3), ratio: true });
  }
  for (const [who, rec] of [['helper', r.echoHelper], ['user', r.echoUser]] as const) {
    for (const k of ['p50', 'p95', 'p99'] as const) {
      const v = per((s) => echoMed(rec, s, k));
      if (Object.keys(v).length === 0) continue;
      const targeted = who === 'helper' && k !== 'p95';
      out.push({
        figure: `${who}'s keystroke echo on the ${who}'s terminal, ${k}, ms`,
        values: v, fmt: fixed(2), ratio: true,
        ...(targeted ? { target: '< tmux', met: v.shareterm !== undefined && v.tmux !== undefined ? v.shareterm < v.tmux : undefined } : {}),
      });
    }
  }
  const cc = per((s) => med(r.ctrlc, s));
  if (Object.keys(cc).length > 0) {
    out.push({ figure: `Ctrl-C by the helper after a ${st.floodSeconds} s flood, slow link (50 ms each way, 1 Mbit/s, 64 KiB queue): until the helper sees the prompt, s`, values: cc, fmt: fixed(2), ratio: true, target: '≤ 0.4 s', met: cc.shareterm === undefined ? undefined : cc.shareterm <= 0.4 });
  }
  const wp = per((s) => med(r.wirePaced, s));
  if (Object.keys(wp).length > 0) {
    out.push({ figure: `wire bytes (both ways) per output byte, steady text flood (${st.pacedMiB} MiB at ${st.pacedRate} MiB/s) on loopback`, values: wp, fmt: fixed(3), ratio: true, target: '≤ 0.2', met: wp.shareterm === undefined ? undefined : wp.shareterm <= 0.2 });
  }
  const w = per((s) => med(r.wire, s));
  if (Object.keys(w).length > 0) {
    out.push({ figure: `wire bytes (both ways) per output byte, \`cat\` ${st.sizeMiB} MiB as fast as it goes, loopback`, values: w, fmt: fixed(3), ratio: true, target: '≤ 0.2', met: w.shareterm === undefined ? undefined : w.shareterm <= 0.2 });
  }
  const idle = per((s) => med(r.idle, s));
  if (Object.keys(idle).length > 0) {
    out.push({ figure: `idle session on the wire (both ways, ${st.idleSeconds} s), B/s`, values: idle, fmt: fixed(1), ratio: true, target: '≤ 10 B/s', met: idle.shareterm === undefined ? undefined : idle.shareterm <= 10 });
  }
  const memRows = (rec: Results['rssIdle'], when: string): void => {
    const share = roleRss(rec, 'shareterm', 'share');
    const listen = roleRss(rec, 'shareterm', 'listen');
    const u = per((s) => sideRss(r, s, 'user', rec));
    if (Object.keys(u).length === 0) return;
    out.push({ figure: `resident memory, ${when}, one window: the user's side (sum of its processes), MB`, values: u, fmt: fixed(1), ratio: true, target: '≤ 60 MB per process', met: share === undefined ? undefined : share <= 60 });
    out.push({ figure: `resident memory, ${when}, one window: the helper's side, MB`, values: per((s) => sideRss(r, s, 'helper', rec)), fmt: fixed(1), ratio: true, target: '≤ 60 MB per process', met: listen === undefined ? undefined : listen <= 60 });
  };
  memRows(r.rssIdle, `idle (${st.settleSeconds} s after start-up)`);
  memRows(r.rssUsed, `idle again (${st.settleSeconds} s after the echo and the ${st.sizeMiB} MiB flood)`);
  if (r.startup) {
    const over = median(r.startup.help) - median(r.startup.node);
    out.push({ figure: `start-up, \`shareterm --help\` over \`node -e 0\` (${median(r.startup.node).toFixed(0)} ms), ms`, values: { shareterm: over }, fmt: fixed(0), target: '≤ 150 ms', met: over <= 150 });
  }
  return out;
}

const LABEL: Record<SystemName, string> = { plain: 'plain pty', relay: 'node relay (floor)', tmux: 'tmux socket', seed: 'seed (tmux+socat)', shareterm: 'shareterm' };

function ratioText(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '—';
  return `${(a / b).toFixed(2)}×`;
}

/** The main table, as markdown. */
export function mainTable(r: Results, st: Settings): string {
  const cols = st.systems;
  const head = ['figure', ...cols.map((s) => LABEL[s]), 'shareterm ÷ tmux', 'shareterm ÷ seed', 'target (SPEC §5)', 'met'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '--:')).join('|')}|`];
  const all = rows(r, st);
  if (all.length === 0) return 'Nothing was measured.';
  for (const row of all) {
    const cells = cols.map((s) => (row.ratios ? '' : row.values[s] === undefined ? (st.skipped[s] ? 'skipped' : 'n/a') : row.fmt(row.values[s]!)));
    const rt = row.ratios ? ratioText(row.ratios.tmux, 1) : row.ratio ? ratioText(row.values.shareterm, row.values.tmux) : '—';
    const rs = row.ratios ? ratioText(row.ratios.seed, 1) : row.ratio ? ratioText(row.values.shareterm, row.values.seed) : '—';
    const met = row.target === undefined ? '' : row.met === undefined ? 'not measured' : row.met ? '**met**' : '**not met**';
    lines.push(`| ${[row.figure, ...cells, rt, rs, row.target ?? '', met].join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Per process: resident memory idle and peak (after the throughput flood), CPU during the flood. */
export function memoryTable(r: Results, st: Settings): string {
  const lines = ['| system | process | side | RSS 1 s after start-up, MB | idle RSS, MB | peak RSS (VmHWM) after the flood, MB | idle RSS after the flood, MB | CPU during the flood, s (% of its duration) | … of which its main thread, s |', '|---|---|---|--:|--:|--:|--:|--:|--:|'];
  for (const s of st.systems) {
    const sides = r.sides[s];
    if (!sides) continue;
    for (const role of Object.keys(sides)) {
      const start = roleRss(r.rssStart, s, role);
      const idle = roleRss(r.rssIdle, s, role);
      const peak = roleRss(r.rssPeak, s, role);
      const used = roleRss(r.rssUsed, s, role);
      const mb = (x: number | undefined): string => (x === undefined ? '—' : fixed(1)(x));
      const cpu = roleRss(r.cpu, s, role);
      const dur = med(r.seconds, s);
      const cpuText = cpu === undefined ? '—' : `${cpu.toFixed(2)}${dur ? ` (${((cpu / dur) * 100).toFixed(0)}%)` : ''}`;
      const main = roleRss(r.cpuMain, s, role);
      lines.push(`| ${LABEL[s]} | ${role} | ${sides[role]} | ${mb(start)} | ${mb(idle)} | ${mb(peak)} | ${mb(used)} | ${cpuText} | ${main === undefined ? '—' : main.toFixed(2)} |`);
    }
  }
  return lines.length > 2 ? lines.join('\n') : '';
}

/** Every round's value, for the record. */
export function roundsTable(r: Results, st: Settings): string {
  const fmtList = (xs: number[] | undefined, d: number): string => (xs && xs.length > 0 ? xs.map((x) => fixed(d)(x)).join(', ') : '—');
  const lines = ['| figure | ' + st.systems.map((s) => LABEL[s]).join(' | ') + ' |', '|---|' + st.systems.map(() => '---').join('|') + '|'];
  const add = (name: string, f: (s: SystemName) => string): void => {
    const cells = st.systems.map(f);
    if (cells.some((c) => c !== '—')) lines.push(`| ${name} | ${cells.join(' | ')} |`);
  };
  add('throughput, MiB/s', (s) => fmtList(r.throughput[s], 1));
  add('… CPU of the benchmark process (the terminal emulators) meanwhile, s', (s) => fmtList(r.benchCpu[s], 2));
  add('helper echo p50 / p99, ms', (s) => (r.echoHelper[s] ?? []).map((e) => `${e.p50.toFixed(2)}/${e.p99.toFixed(2)}`).join(', ') || '—');
  add('user echo p50 / p99, ms', (s) => (r.echoUser[s] ?? []).map((e) => `${e.p50.toFixed(2)}/${e.p99.toFixed(2)}`).join(', ') || '—');
  add('Ctrl-C on the slow link, s', (s) => fmtList(r.ctrlc[s], 2));
  add('… bytes the slow link held (queue + wire) at Ctrl-C', (s) => fmtList(r.ctrlcQueued[s], 0));
  add('… and on average over the second half of the flood', (s) => fmtList(r.ctrlcHeld[s], 0));
  add('wire bytes per output byte, steady flood', (s) => fmtList(r.wirePaced[s], 3));
  add('… user → helper only', (s) => fmtList(r.wirePacedForward[s], 3));
  add('wire bytes per output byte, `cat` flood', (s) => fmtList(r.wire[s], 3));
  add('… user → helper only', (s) => fmtList(r.wireForward[s], 3));
  add('idle, B/s', (s) => fmtList(r.idle[s], 1));
  let out = lines.join('\n');
  if (r.startup) {
    out += `\n\nStart-up, ms per run: \`shareterm --help\` ${r.startup.help.map((x) => x.toFixed(0)).join(', ')}; \`node -e 0\` ${r.startup.node.map((x) => x.toFixed(0)).join(', ')}.`;
  }
  return out;
}
