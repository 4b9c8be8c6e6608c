// Give memory back once the process goes quiet.
//
// V8 sizes its heap for the work it sees: a flood of output grows the young
// generation to ~28 MB and the old one with it, and V8 shrinks them again
// only from its "memory reducer", which it arms after a full collection. A
// flood seldom needs one (its garbage dies young), so after `cat` of a big
// file `share` sat at 100 MB for as long as the session then stayed idle.
// A session is mostly idle between bursts; so, once the process has used
// next to no CPU for a few seconds and its heap has grown since it last
// settled, collect everything, a few times a couple of seconds apart: the
// heap shrinks back to what is live. Each pause (a few ms for a heap this
// size) comes only after seconds of quiet, never in a burst.
//
// Each collection is the one V8 makes under memory pressure, from our native
// module (src/lib/native-memory.ts), where it is built; else `gc()`'s. V8
// ages code only in the former: five of them, and bytecode that has not run
// since (start-up's: the command line, TLS, reading certificates; a flood's)
// is let go, ~1 MB of share's heap after a 16 MiB `cat`, and compiled again
// if it ever runs.
//
// The series ends by trimming the C heap (src/lib/native-memory.ts): a flood
// leaves it full of free holes that glibc's free() never returns (share:
// ~5 MB after a 16 MiB `cat`, measured with malloc_info), and the
// collections above have just freed the buffers that were still holding
// some of them. So a series also starts when the resident set has grown
// (2 MiB over the lowest it was while quiet) though V8's heap has not:
// listen's heap barely grows in a flood, its C heap does.
//
// And once, at the first quiet spell after start-up, a trim whether or not
// anything grew: V8's own reducer (~8 s after start-up) has collected by
// then, but nothing trims the C heap, which the TLS set-up, reading
// certificates and the session's first screens left with free holes (~1 MB
// of listen's and share's idle set, measured). Not a collection: V8's
// reducer has made one, and another, made under memory pressure, left share
// ~1 MB larger after a later flood.

import { createRequire } from 'node:module';
import { trace } from './debug.js';
import { mallocTrim, pressureCollection } from './native-memory.js';

export interface IdleCollectorOptions {
  /** How often to look, ms. */
  period?: number;
  /** Quiet means at most this share of one CPU used over a period. */
  quietShare?: number;
  /** Collect after this many quiet periods in a row. */
  quietPeriods?: number;
  /** …and only when the heap has grown this many bytes since it last settled. */
  growth?: number;
  /** Test seams. */
  cpuMicros?: () => number;
  heapBytes?: () => number;
  collect?: () => void;
  /** Resident set size, bytes. */
  rssBytes?: () => number;
  /** …or once the resident set has grown this many bytes over the lowest it was while quiet. */
  rssGrowth?: number;
  /** Gives the C heap's free pages back; true when it released any (undefined: never trim). */
  trim?: () => boolean;
  /** Trim once at the first quiet spell, grown or not (default true). */
  settle?: boolean;
}

const PERIOD_MS = 2000;
const QUIET_SHARE = 0.02;
/**
 * Ten seconds: V8's own memory reducer shrinks the heap ~8 s after a full
 * collection (as after start-up), and does it better (it also returns
 * pooled pages); collecting earlier would only pre-empt it.
 */
const QUIET_PERIODS = 5;
const GROWTH = 4 << 20;
const RSS_GROWTH = 2 << 20;
/**
 * Collections in a row, a period apart. V8 gives back the young generation
 * only when it sees a low allocation rate over its last ~5 s of collections,
 * so the first collection after a burst empties the old generation and a
 * later one (with only idle seconds behind it) shrinks the young one.
 */
const SERIES = 4;

export class IdleCollector {
  private readonly period: number;
  private readonly quietShare: number;
  private readonly quietPeriods: number;
  private readonly growth: number;
  private readonly cpuMicros: () => number;
  private readonly heapBytes: () => number;
  private readonly collect: (() => void) | undefined;
  private readonly trim: (() => boolean) | undefined;
  private readonly rssBytes: () => number;
  private readonly rssGrowth: number;
  /** The lowest resident set seen while quiet, or right after the last trim (start-up's is not counted). */
  private rssFloor = Infinity;
  private lastCpu: number;
  private quiet = 0;
  /**
   * Heap size right after the last collection (or the smallest seen since);
   * at first, the heap when started (start-up growth is V8's own reducer's to undo).
   */
  private floor: number;
  /** Collections still to make, one per quiet period, in the series under way. */
  private series = 0;
  /** The first quiet spell's trim is still to come. */
  private settling: boolean;
  /** Collections done, for tests and traces. */
  collections = 0;
  /** Trims done (one per finished series, and start-up's), for tests and traces. */
  trims = 0;

  constructor(opts: IdleCollectorOptions = {}) {
    this.period = opts.period ?? PERIOD_MS;
    this.quietShare = opts.quietShare ?? QUIET_SHARE;
    this.quietPeriods = opts.quietPeriods ?? QUIET_PERIODS;
    this.growth = opts.growth ?? GROWTH;
    this.cpuMicros = opts.cpuMicros ?? ((): number => {
      const u = process.cpuUsage();
      return u.user + u.system;
    });
    this.heapBytes = opts.heapBytes ?? ((): number => process.memoryUsage().heapTotal);
    this.collect = opts.collect ?? defaultCollection();
    this.trim = 'trim' in opts ? opts.trim : (): boolean => mallocTrim()?.() ?? false;
    this.rssBytes = opts.rssBytes ?? ((): number => process.memoryUsage.rss());
    this.rssGrowth = opts.rssGrowth ?? RSS_GROWTH;
    this.settling = opts.settle ?? true;
    this.lastCpu = this.cpuMicros();
    this.floor = this.heapBytes();
  }

  /** True when a collection can be made here at all. */
  get available(): boolean {
    return this.collect !== undefined;
  }

  /** One look, once per period: collect if quiet long enough and grown. True when it collected. */
  tick(): boolean {
    const cpu = this.cpuMicros();
    const used = cpu - this.lastCpu;
    this.lastCpu = cpu;
    const heap = this.heapBytes();
    trace?.(`idle-gc: cpu ${(used / 1000).toFixed(1)} ms, heap ${(heap / 1048576).toFixed(1)} MiB, floor ${(this.floor / 1048576).toFixed(1)}, series ${this.series}`);
    if (used > this.period * 1000 * this.quietShare) {
      this.quiet = 0;
      if (this.series > 0) {
        // Cut short: the heap has not settled, so the next quiet spell starts over.
        this.series = 0;
        this.floor = 0;
      }
      return false;
    }
    this.quiet++;
    if (heap < this.floor) this.floor = heap; // V8 shrank it itself
    const rss = this.rssBytes();
    if (rss < this.rssFloor) this.rssFloor = rss;
    if (!this.collect) return false;
    if (this.series === 0) {
      if (this.quiet < this.quietPeriods) return false;
      const grown = heap >= this.floor + this.growth || rss >= this.rssFloor + this.rssGrowth;
      const settle = this.settling;
      this.settling = false;
      if (!grown) {
        if (settle) this.settle();
        return false;
      }
      this.series = SERIES;
    }
    this.collect();
    this.series--;
    this.collections++;
    this.floor = this.heapBytes();
    trace?.(`idle-gc: collected, heap ${(heap / 1048576).toFixed(1)} -> ${(this.floor / 1048576).toFixed(1)} MiB`);
    if (this.series === 0) {
      if (this.trim) {
        const released = this.trim();
        this.trims++;
        trace?.(`idle-gc: trimmed the C heap: ${released ? 'gave memory back' : 'nothing given back'}`);
      }
      this.rssFloor = this.rssBytes();
      trace?.(`idle-gc: series done, resident ${(rss / 1048576).toFixed(1)} -> ${(this.rssFloor / 1048576).toFixed(1)} MiB`);
    }
    // The collection's own CPU is not activity.
    this.lastCpu = this.cpuMicros();
    return true;
  }

  /** Start-up's free holes in the C heap back, once (a series ends in its own trim). */
  private settle(): void {
    if (!this.trim) return;
    const released = this.trim();
    this.trims++;
    this.rssFloor = this.rssBytes();
    trace?.(`idle-gc: settled after start-up, trimmed the C heap: ${released ? 'gave memory back' : 'nothing given back'}`);
  }

  /** Look every period until stopped; the timer never keeps the process alive. */
  start(): () => void {
    if (!this.collect) return () => undefined;
    const t = setInterval(() => this.tick(), this.period);
    t.unref();
    return () => clearInterval(t);
  }
}

/**
 * The memory-pressure collection (native), or else `gc()`'s, or else none;
 * chosen at the first collection.
 */
function defaultCollection(): (() => void) | undefined {
  let collect: (() => void) | undefined;
  return (): void => {
    collect ??= pressureCollection() ?? fullCollection() ?? ((): void => {});
    collect();
  };
}

/**
 * V8's full, compacting collection (what `--expose-gc` gives), taken without
 * the flag on the command line: set it, fetch `gc` from a fresh context, and
 * unset it. Undefined if this V8 will not give it.
 */
function fullCollection(): (() => void) | undefined {
  try {
    // Required here, not imported: node:v8 and node:vm load ~15 internal
    // modules (~0.2 MB resident) that only this fallback needs.
    const require = createRequire(import.meta.url);
    const v8 = require('node:v8') as typeof import('node:v8');
    const vm = require('node:vm') as typeof import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    v8.setFlagsFromString('--no-expose-gc');
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}
