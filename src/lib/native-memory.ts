// Our one native module (native/memory.cc, built by `npm ci` with node-gyp
// as node-pty is): malloc_trim(0), to give the C heap's free pages back;
// V8's memory-pressure collection, which also lets go of code that has not
// run for a while; and the cap on glibc's arenas, set as the CLI starts (see
// there). Where it was not built there is nothing to trim or cap, and
// collections are `gc()`'s (src/lib/idle-gc.ts).

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { trace } from './debug.js';

interface NativeMemory {
  /** malloc_trim(0): true when it gave memory back (false where there is no glibc). */
  trim(): boolean;
  /** A full collection as under critical memory pressure: compacting, and ageing code. */
  pressure(): boolean;
  /** mallopt(M_ARENA_MAX, n): true when set (false where there is no glibc). */
  arenas(n: number): boolean;
}

let loaded: NativeMemory | null | undefined;

function native(): NativeMemory | undefined {
  if (loaded === undefined) loaded = load();
  return loaded ?? undefined;
}

/** The native trim (true when it gave memory back), or undefined where it is not built. */
export function mallocTrim(): (() => boolean) | undefined {
  const m = native();
  return m && ((): boolean => m.trim());
}

/** The memory-pressure collection, or undefined where it is not built. */
export function pressureCollection(): (() => void) | undefined {
  const m = native();
  return m && ((): void => void m.pressure());
}

/**
 * Threads that have no C heap arena yet share the ones there are, from now
 * on (as MALLOC_ARENA_MAX=1 would, set from inside). Called first thing by
 * the CLI; by then Node's start has given one helper thread an arena, so
 * there are two, not the env variable's one. True when set.
 */
export function capArenas(): boolean {
  return native()?.arenas(1) ?? false;
}

/** The package's root: the nearest directory above this module with our package.json. */
function packageRoot(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'shareterm') return dir;
    } catch {
      // none here (or unreadable): look further up
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function load(): NativeMemory | null {
  const root = packageRoot();
  const file = root && path.join(root, 'build', 'Release', 'memory.node');
  try {
    if (!file) throw new Error('no package root');
    const m = createRequire(import.meta.url)(file) as Partial<NativeMemory>;
    if (typeof m.trim !== 'function' || typeof m.pressure !== 'function' || typeof m.arenas !== 'function') throw new Error('no trim(), pressure() or arenas() in it');
    return m as NativeMemory;
  } catch (e) {
    trace?.(`native-memory: not available (${file ?? 'no package root'}: ${(e as Error).message})`);
    return null;
  }
}
