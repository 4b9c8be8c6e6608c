// Medians and percentiles, and reading a process's memory from /proc.

import fs from 'node:fs';

/** The q-quantile (0..1) by linear interpolation; NaN for no samples. Infinity sorts last. */
export function quantile(xs: readonly number[], q: number): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  if (lo === hi || s[hi] === Infinity) return s[lo === hi ? lo : hi]!;
  return s[lo]! + (s[hi]! - s[lo]!) * (i - lo);
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** Resident and peak resident memory of a process, in MB (10^6 bytes); undefined if it is gone. */
export function memory(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
    return { rss: (kb('VmRSS') * 1024) / 1e6, hwm: (kb('VmHWM') * 1024) / 1e6 };
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used, in seconds; undefined if it is gone. */
export function cpuSeconds(pid: number, thread?: number): number | undefined {
  try {
    const s = fs.readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS; // utime, stime (fields 14, 15)
  } catch {
    return undefined;
  }
}

/** sysconf(_SC_CLK_TCK): 100 on every Linux that matters. */
const CLOCK_TICKS = 100;
