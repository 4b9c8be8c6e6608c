// The flood: coloured text such as builds, logs and `ls --color` print —
// lines of varied words, numbers and paths with 16- and 256-colour SGR, bold
// and dim, all shorter than the 120 columns of the terminals. Generated once
// (deterministic) and cached in the temp directory.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const WORDS = (
  'the of and to in is that for it as was with be by on not he this are or his from at which but have an they you ' +
  'were her all she there would their we him been has when who will more no if out so said what up its about into than ' +
  'them can only other new some could time these two may then do first any my now such like our over man me even most ' +
  'made after also did many before must through back years where much your way well down should because each just ' +
  'build compile link error warning note info debug trace request response connect session window buffer render frame ' +
  'socket packet header payload checksum offset length timeout retry cache index table column schema migrate deploy ' +
  'commit branch merge rebase tag release version module package import export function return value object array'
).split(' ');
const DIRS = ['src', 'lib', 'test', 'bin', 'docs', 'node_modules', 'dist', 'build', 'include', 'vendor'];
const EXTS = ['.ts', '.js', '.c', '.h', '.rs', '.go', '.py', '.json', '.md', '.txt'];
const LEVELS: [string, string][] = [['INFO', '32'], ['WARN', '33'], ['ERROR', '1;31'], ['DEBUG', '36'], ['TRACE', '2;37']];

/** A small deterministic PRNG (mulberry32), so every run floods the same bytes. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lines until `bytes` bytes (the last line cut to fit, ending in a newline). */
export function floodText(bytes: number, seed = 1): Buffer {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const words = (n: number): string => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const file = (): string => `${pick(DIRS)}/${pick(WORDS)}${pick(EXTS)}`;
  const out: string[] = [];
  let size = 0;
  let clock = 0;
  while (size < bytes) {
    const kind = r();
    let line: string;
    if (kind < 0.4) {
      // A log line: dim time, coloured level, text, a path and a value.
      clock += Math.floor(r() * 900);
      const ms = clock % 1000;
      const s = Math.floor(clock / 1000) % 60;
      const m = Math.floor(clock / 60000) % 60;
      const [lvl, col] = pick(LEVELS);
      line = `\x1b[2m12:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(ms).padStart(3, '0')}\x1b[0m \x1b[${col}m${lvl.padEnd(5)}\x1b[0m ${words(3 + Math.floor(r() * 8))} \x1b[4m${file()}:${1 + Math.floor(r() * 999)}\x1b[24m value=0x${Math.floor(r() * 0xffffff).toString(16)}`;
    } else if (kind < 0.6) {
      // `ls --color`: directories, executables, plain files in columns.
      const cells: string[] = [];
      for (let i = 0; i < 4 + Math.floor(r() * 3); i++) {
        const name = `${pick(WORDS)}${r() < 0.5 ? pick(EXTS) : ''}`.padEnd(16);
        const c = r();
        cells.push(c < 0.3 ? `\x1b[01;34m${name}\x1b[0m` : c < 0.45 ? `\x1b[01;32m${name}\x1b[0m` : name);
      }
      line = cells.join(' ');
    } else if (kind < 0.8) {
      // 256-colour words (a syntax highlighter or a prompt theme).
      const parts: string[] = [];
      for (let i = 0; i < 4 + Math.floor(r() * 8); i++) parts.push(`\x1b[38;5;${Math.floor(r() * 256)}m${pick(WORDS)}`);
      line = `${parts.join(' ')}\x1b[0m`;
    } else {
      // Plain prose, sometimes bold.
      const t = words(5 + Math.floor(r() * 12));
      line = r() < 0.2 ? `\x1b[1m${t}\x1b[22m` : t;
    }
    const b = `${line}\n`;
    out.push(b);
    size += Buffer.byteLength(b);
  }
  // Cut to size; end with SGR 0 and a newline so the marker after it is plain.
  const tail = Buffer.from('\x1b[0m\n');
  return Buffer.concat([Buffer.from(out.join('')).subarray(0, bytes - tail.length), tail]);
}

/** The flood file of `bytes` bytes, generated on first use and kept in the temp dir. */
export function floodFile(bytes: number): string {
  const dir = path.join(os.tmpdir(), 'shareterm-bench');
  fs.mkdirSync(dir, { recursive: true });
  const f = path.join(dir, `flood-v1-${bytes}.txt`);
  if (!fs.existsSync(f) || fs.statSync(f).size !== bytes) {
    const tmp = `${f}.${process.pid}`;
    fs.writeFileSync(tmp, floodText(bytes));
    fs.renameSync(tmp, f);
  }
  return f;
}

/**
 * A script that writes the first `bytes` of a file to stdout at `rate`
 * bytes/s (a steady flood, not one as fast as the pty takes it), run with
 * node in the session: `node pace.mjs FILE BYTES RATE`.
 */
export function paceScript(dir: string): string {
  const f = path.join(dir, 'pace.mjs');
  fs.writeFileSync(f, `// Write a file to stdout at a steady rate (shareterm benchmark).
import fs from 'node:fs';
const [file, bytes, rate] = process.argv.slice(2);
const data = fs.readFileSync(file).subarray(0, Number(bytes));
const CHUNK = 4096;
const t0 = performance.now();
let i = 0;
function step() {
  while (i < data.length) {
    const due = t0 + (i / Number(rate)) * 1000;
    const now = performance.now();
    if (due > now + 1) return void setTimeout(step, due - now);
    const ok = process.stdout.write(data.subarray(i, i + CHUNK));
    i += CHUNK;
    if (!ok) return void process.stdout.once('drain', step);
  }
}
step();
`);
  return f;
}
