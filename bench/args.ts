// Command-line parsing shared by `npm run bench` and `npm run bench:ab`:
// parseArgs, --help, and one line naming a bad option and its usage.

import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface Cli<V> {
  values: V;
  /** Print `message` and the usage, exit 2. */
  fail(message: string): never;
  /** A positive number option, or `dflt` when not given. */
  num(name: string, s: string | undefined, dflt: number): number;
  /** A comma-separated choice from `all` (in `all`'s order), or all of them when not given. */
  list<T extends string>(name: string, s: string | undefined, all: readonly T[]): T[];
}

/** Parse `argv` for the command `tool`; `--help` prints `usage` and exits 0. */
type Values<O extends NonNullable<ParseArgsConfig['options']>> = ReturnType<typeof parseArgs<{ args: string[]; options: O }>>['values'];

export function parseCli<O extends NonNullable<ParseArgsConfig['options']>>(tool: string, usage: string, argv: string[], options: O): Cli<Values<O>> {
  const fail = (message: string): never => {
    process.stderr.write(`${tool}: ${message}\n${usage}\n`);
    process.exit(2);
  };
  let values;
  try {
    values = parseArgs({ args: argv, options }).values;
  } catch (e) {
    fail((e as Error).message);
  }
  if ((values as { help?: boolean }).help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  return {
    values: values as Values<O>,
    fail,
    num(name, s, dflt) {
      if (s === undefined) return dflt;
      const n = Number(s);
      if (!Number.isFinite(n) || n <= 0) fail(`--${name} ${s} is not a positive number`);
      return n;
    },
    list(name, s, all) {
      if (s === undefined) return [...all];
      const xs = s.split(',').map((x) => x.trim()).filter(Boolean);
      for (const x of xs) if (!all.includes(x as (typeof all)[number])) fail(`--${name}: unknown "${x}" (choose from ${all.join(', ')})`);
      return all.filter((a) => xs.includes(a));
    },
  };
}
