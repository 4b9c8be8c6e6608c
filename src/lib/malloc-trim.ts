// The C heap's free pages back to the system: malloc_trim(0), from our one
// native module (native/memory.c, built by `npm ci` with node-gyp as
// node-pty is). Loaded on first use, never at start-up. Where it was not
// built, or the C library has no malloc_trim, there is nothing to trim.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { trace } from './debug.js';

type Trim = () => boolean;

let loaded: Trim | null | undefined;

/** The native trim (true when it gave memory back), or undefined where it is not built. */
export function mallocTrim(): Trim | undefined {
  if (loaded === undefined) loaded = load();
  return loaded ?? undefined;
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

function load(): Trim | null {
  const root = packageRoot();
  const file = root && path.join(root, 'build', 'Release', 'memory.node');
  try {
    if (!file) throw new Error('no package root');
    const m = createRequire(import.meta.url)(file) as { trim?: unknown };
    if (typeof m.trim !== 'function') throw new Error('no trim() in it');
    return m.trim as Trim;
  } catch (e) {
    trace?.(`malloc-trim: not available (${file ?? 'no package root'}: ${(e as Error).message})`);
    return null;
  }
}
