// The workloads, each on a running system (see systems.ts). Every time is
// taken in this process with performance.now(): from writing a key to the
// pty, to the chunk that made the screen show its effect (term.ts).

import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import type { Setup, Proc } from './systems.js';
import type { BenchTerm } from './term.js';
import { memory, quantile, cpuSeconds } from './stats.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A token no screen shows by accident. */
const token = (): string => randomBytes(4).toString('hex').toUpperCase();

/**
 * `s` somewhere on the screen, wrapped rows joined. A shell's prompt after
 * Ctrl-C in a flood may follow the flood's text on its line: the tty cuts
 * the output anywhere, and a cut right after an ESC makes the ^C echo's `^`
 * start a privacy message (ESC ^) that swallows the CR LF before the prompt
 * — in every VT parser, tmux's and xterm.js's alike.
 */
const showsText = (s: string) => (t: BenchTerm): boolean => t.lines().join('').includes(s);

/** Type a command line (without Enter) on `on` and wait until `watch` shows it. */
async function typeCommand(on: BenchTerm, watch: BenchTerm, cmd: string): Promise<void> {
  on.type(cmd);
  await watch.when((t) => t.text().includes(cmd) || showsText(cmd)(t), { what: `the command line "${cmd}"` });
}

/** A line of the screen that is exactly `s` (trailing blanks trimmed). */
const showsLine = (s: string) => (t: BenchTerm): boolean => {
  for (let y = 0; y < t.model.rows; y++) if (t.line(y) === s) return true;
  return false;
};

export interface ThroughputResult {
  mibps: number;
  seconds: number;
  /** Bytes the helper's terminal was sent, per byte of output. */
  termBytesPerByte: number;
  polled: boolean;
  /** CPU seconds each process used from Enter to the marker. */
  cpu: Record<string, number>;
  /**
   * …of which its main thread. The rest is other threads': for node, V8's
   * optimizing compiler and concurrent GC, which compete for the cores with
   * the program and the kernel's tty work.
   */
  cpuMain: Record<string, number>;
  /** CPU seconds of this process (the terminal emulators) over the same time. */
  benchCpu: number;
}

/**
 * `cat` the flood file, then an end marker: time from Enter to the marker
 * visible (parsed) on the helper's terminal.
 */
export async function throughput(s: Setup, file: string, size: number): Promise<ThroughputResult> {
  const mark = `END_${token()}`;
  // Quoting splits the marker on the command line, so only the output matches.
  const cmd = `cat ${file}; echo ${mark.slice(0, 3)}''${mark.slice(3)}`;
  await typeCommand(s.user, s.helper, cmd);
  await sleep(300);
  if (s.user !== s.helper) s.user.sink(); // the user's terminal is not timed: infinitely fast
  const bytes0 = s.helper.bytes;
  const procs = s.procs();
  const cpu0 = procs.map((p) => cpuSeconds(p.pid) ?? NaN);
  const main0 = procs.map((p) => cpuSeconds(p.pid, p.pid) ?? NaN);
  const self0 = process.cpuUsage();
  const t0 = s.user.type('\r');
  const seen = await s.helper.when(showsLine(mark), { hint: mark, timeout: 180_000, what: `the end marker ${mark}` });
  const self = process.cpuUsage(self0);
  const cpu = Object.fromEntries(procs.map((p, i) => [p.role, (cpuSeconds(p.pid) ?? NaN) - cpu0[i]!]));
  const cpuMain = Object.fromEntries(procs.map((p, i) => [p.role, (cpuSeconds(p.pid, p.pid) ?? NaN) - main0[i]!]));
  const seconds = (seen!.visible - t0) / 1000;
  return { mibps: size / (1 << 20) / seconds, seconds, termBytesPerByte: (s.helper.bytes - bytes0) / size, polled: seen!.polled, cpu, cpuMain, benchCpu: (self.user + self.system) / 1e6 };
}

export interface EchoResult {
  samples: number[]; // ms
  p50: number;
  p95: number;
  p99: number;
}

/**
 * Type `n` keys on `side` at the prompt, one at a time, each when the last
 * has echoed plus a pause of 20–40 ms (a fast typist; longer than one 16 ms
 * frame, so a frame-paced renderer is not caught mid-frame by every key).
 * Time from the write to the echo on the same terminal.
 */
export async function echo(side: BenchTerm, n: number): Promise<EchoResult> {
  const LINE = 80; // keys before the line is cleared (C-u)
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const cursorLine = (t: BenchTerm): string => t.line(t.model.cursor().y);
  const prompt = (t: BenchTerm): boolean => cursorLine(t) === '$';
  side.type('\x15'); // C-u: start from an empty line
  await side.when(prompt, { what: 'an empty prompt line' });
  const samples: number[] = [];
  let typed = '';
  for (let i = 0; i < n; i++) {
    if (typed.length === LINE) {
      side.type('\x15');
      await side.when(prompt, { what: 'the line cleared' });
      typed = '';
      await sleep(30);
    }
    typed += letters[i % letters.length];
    const want = `$ ${typed}`;
    const t0 = side.type(typed.slice(-1));
    const seen = await side.when((t) => cursorLine(t).endsWith(want), { what: `the echo of key ${i + 1} ("${want}")`, timeout: 10_000 });
    samples.push(seen!.arrived - t0);
    await sleep(20 + Math.random() * 20);
  }
  side.type('\x15');
  await side.when(prompt, { what: 'the line cleared' });
  return { samples, p50: quantile(samples, 0.5), p95: quantile(samples, 0.95), p99: quantile(samples, 0.99) };
}

export interface CtrlCResult {
  /** Seconds from Ctrl-C to the fresh prompt on the helper's screen; Infinity if it never came. */
  seconds: number;
  /** What the link held (queue + on the wire, user → helper) when Ctrl-C was typed. */
  queued: number;
  /** What it held on average over the second half of the flood, sampled every 100 ms. */
  meanHeld: number;
  /** Output bytes that crossed the link during the flood. */
  delivered: number;
  /** When the prompt never came: the helper's screen at the end, its last lines (what it shows instead). */
  screen?: string;
  /** The prompt came on the line of the flood's last text (see showsText), not on its own. */
  glued?: boolean;
}

/**
 * On a slow link: flood for `floodSeconds`, then the helper types Ctrl-C;
 * time until the helper's screen shows the fresh prompt (a prompt set just
 * for this, so no earlier one matches), giving up after `capSeconds`.
 */
export async function ctrlC(s: Setup, file: string, floodSeconds: number, capSeconds: number): Promise<CtrlCResult> {
  const ps = `R${token()}$`;
  s.user.type(`PS1='${ps.slice(0, 2)}''${ps.slice(2)} '; while :; do cat ${file}; done`);
  await sleep(200);
  s.user.sink(); // the flood on the user's own screen is not timed
  s.user.type('\r');
  const held: number[] = [];
  const t1 = performance.now();
  const sampler = setInterval(() => {
    const x = s.link?.stats().forward;
    if (x && performance.now() - t1 > (floodSeconds * 1000) / 2) held.push(x.queued + x.onWire);
  }, 100);
  await sleep(floodSeconds * 1000);
  clearInterval(sampler);
  const st = s.link?.stats();
  const t0 = s.helper.type('\x03');
  const seen = await s.helper.when(showsText(ps), { hint: ps, timeout: capSeconds * 1000, soft: true, what: 'the fresh prompt' });
  return {
    seconds: seen ? (seen.arrived - t0) / 1000 : Infinity,
    queued: st ? st.forward.queued + st.forward.onWire : 0,
    meanHeld: held.length > 0 ? held.reduce((a, b) => a + b, 0) / held.length : 0,
    delivered: st ? st.forward.delivered : 0,
    ...(seen ? (showsLine(ps)(s.helper) ? {} : { glued: true }) : { screen: s.helper.lines().slice(-4).join('\n') }),
  };
}

export interface WireResult {
  /** Bytes on the wire (both directions) per byte the program wrote. */
  perByte: number;
  /** The same, user → helper only. */
  forwardPerByte: number;
  seconds: number;
}

/**
 * The flood through a counting link; wire bytes per output byte. `cat`
 * floods as fast as the pty takes it (tmux and shareterm then skip what
 * they cannot draw in time); with `pace` the same text comes at a steady
 * `pace.rate` bytes/s, slow enough that nothing needs skipping, so the
 * figure is about encoding and compression.
 */
export async function wire(s: Setup, file: string, size: number, pace?: { script: string; rate: number }): Promise<WireResult> {
  if (!s.link) throw new Error('wire needs a link');
  const mark = `END_${token()}`;
  const run = pace ? `${process.execPath} ${pace.script} ${file} ${size} ${pace.rate}` : `cat ${file}`;
  await typeCommand(s.user, s.helper, `${run}; echo ${mark.slice(0, 3)}''${mark.slice(3)}`);
  await sleep(500);
  s.user.sink();
  s.link.resetCounters();
  const t0 = s.user.type('\r');
  const seen = await s.helper.when(showsLine(mark), { hint: mark, timeout: 180_000, what: `the end marker ${mark}` });
  await sleep(1000); // what trails the last frame (acknowledgements, a status redraw)
  const st = s.link.stats();
  return {
    perByte: (st.forward.delivered + st.reverse.delivered) / size,
    forwardPerByte: st.forward.delivered / size,
    seconds: (seen!.visible - t0) / 1000,
  };
}

/** Bytes per second on the wire, both directions, while nobody types and nothing prints. */
export async function idle(s: Setup, seconds: number): Promise<number> {
  if (!s.link) throw new Error('idle needs a link');
  s.link.resetCounters();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const st = s.link.stats();
  return (st.forward.delivered + st.reverse.delivered) / ((performance.now() - t0) / 1000);
}

/** Resident memory of each process, MB; `peak` gives the high-water mark instead. */
export function weigh(procs: Proc[], peak = false): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of procs) {
    const m = p.pid > 0 ? memory(p.pid) : undefined;
    out[p.role] = m ? (peak ? m.hwm : m.rss) : NaN;
  }
  return out;
}

/** Wall time of `shareterm --help` and of `node -e 0`, interleaved, ms each. */
export function startup(bin: string, runs: number): { help: number[]; node: number[] } {
  const time = (args: string[]): number => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed`);
    return performance.now() - t0;
  };
  time([bin, '--help']); // warm the file cache
  time(['-e', '0']);
  const help: number[] = [];
  const node: number[] = [];
  for (let i = 0; i < runs; i++) {
    node.push(time(['-e', '0']));
    help.push(time([bin, '--help']));
  }
  return { help, node };
}
