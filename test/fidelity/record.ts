// Records the fidelity corpus (not a test; run by hand after a build):
//
//   node dist/test/fidelity/record.js            # every stream
//   node dist/test/fidelity/record.js vim-c top  # just these
//
// Each real program runs in a real pty at the corpus size (80x23: an 80x24
// terminal less the status bar), driven by scripted keystrokes, with an
// emulated terminal (our TermModel) answering its queries as the session's
// model would. Every byte it writes is saved, unchanged, to
// test/fixtures/streams/NAME.vt. The hand-made streams (handmade.ts) are
// written there too. Recordings of live programs (top, ls of /usr/bin, git
// log) differ from run to run; the tests compare screens derived from the
// same file, so any recording will do, and the committed ones are what CI
// uses. Needs vim, less, man, top, git, bash and python3 with curses.

import fs from 'node:fs';
import path from 'node:path';
import { Term, ROOT, closeAllTerms } from '../helpers/term.js';
import { CORPUS, STREAMS_DIR, TEXT_DIR, streamPath } from './corpus.js';
import { HANDMADE } from './handmade.js';

/** One step of a recording: type keys, wait for the screen, or wait for more output. */
type Step = string | { wait: RegExp } | { more: true };

interface Recording {
  file: string;
  args: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  steps: Step[];
  /** The program does not end by itself after the steps: kill it. */
  kill?: boolean;
}

/** How long the output must be quiet after a keystroke before the next (a recording tool may wait; tests never do). */
const QUIET = 150; // ms
const DEADLINE = 15000; // ms

const VIM = ['-N', '-u', 'NONE', '-i', 'NONE', '-n', '--cmd', 'syntax on'];
const ESC = '\x1b';

const RECORDINGS: Record<string, Recording> = {
  'vim-c': {
    file: 'vim',
    args: [...VIM, '-c', 'set nu ruler laststatus=2', 'sample.c'],
    steps: [
      { wait: /"sample.c"/ }, '/main\r', '\x06', '\x02', '\x05', '\x05', '\x05', '\x19', '\x19', 'gg', '12G', 'dd', '3dd', 'P',
      `Oinserted above${ESC}`, `A // appended${ESC}`, '0xxx', `iabc${ESC}`, 'G', `o/* a new last line */${ESC}`,
      ':set nonu\r', ':set nu\r', '50%', 'zt', 'zb', 'zz', '\x04', '\x15', ':q!\r',
    ],
  },
  'vim-truecolor': {
    file: 'vim',
    args: [...VIM, '--cmd', 'set termguicolors', '-c', 'set nu cursorline laststatus=2', 'sample.c'],
    steps: [{ wait: /"sample.c"/ }, '/count\r', 'V5j', ESC, '\x06', '\x05', '\x05', 'k', 'k', ':q!\r'],
  },
  'vim-utf8': {
    file: 'vim',
    args: [...VIM, '-c', 'set nu laststatus=2', 'unicode.txt'],
    steps: [
      { wait: /CJK/ }, 'jj', 'w', 'x', 'x', `i漢字😀${ESC}`, `Aαβγ 中${ESC}`, 'j$', `o新しい行 with é and 👍${ESC}`, 'jdd', 'kk', 'w', 'x',
      ':set nowrap\r', '20zl', '20zl', 'zH', ':set wrap\r', 'G', `o${'中文'.repeat(25)}${ESC}`, 'u', ':q!\r',
    ],
  },
  'less-search': {
    file: 'less',
    args: ['sample.c'],
    env: { LESS: undefined, LESSHISTFILE: '-' },
    steps: [{ wait: /ring_put|sample\.c/ }, ' ', ' ', 'b', '/ring\r', 'n', 'n', 'N', 'G', 'g', 'j', 'j', 'j', 'k', 'k', 'k', '\x04', '\x15', 'q'],
  },
  'man-ls': {
    file: 'man',
    args: ['ls'],
    env: { PAGER: 'less', MANPAGER: undefined, LESS: undefined, LESSHISTFILE: '-', MANWIDTH: undefined },
    steps: [{ wait: /LS\(1\)/ }, ' ', ' ', '/sort\r', 'n', 'b', 'k', 'k', 'q'],
  },
  top: {
    file: 'top',
    args: ['-d', '0.5'],
    steps: [{ wait: /PID/ }, { more: true }, { more: true }, 'q'],
  },
  'ls-color': {
    file: 'sh',
    args: ['-c', 'ls --color=always -la /etc; ls --color=always -l /usr/bin | head -120'],
    steps: [],
  },
  'git-log': {
    file: 'sh',
    args: ['-c', `git -C '${ROOT}' --no-pager log --color=always --stat -p -n 6 | head -c 70000`],
    steps: [],
  },
  'bash-readline': {
    file: 'bash',
    args: ['--norc', '--noprofile', '-i'],
    env: { HISTFILE: '/dev/null', PS1: '$ ' },
    steps: [
      { wait: /^\$$/m }, 'echo hello world', '\x1b[D', '\x1b[D', '\x1b[D', '\x1b[D', '\x1b[D', 'big ', '\x01', '\x1b[C', '\x1b[C', '\x04', '\x04',
      'ec', '\x05', '\r',
      `echo ${'a-long-line-that-wraps '.repeat(5)}`, '\x01', '\x1b[C\x1b[C\x1b[C\x1b[C\x1b[C', 'INSERTED ', '\x04\x04\x04', '\r',
      "printf '\\033[1;31mred\\033[m and \\033[4mul\\033[m\\n'\r",
      '\x12hello', '\r',
      'for i in $(seq 1 30); do echo "line $i"; done\r',
      '\x0c', 'echo after clear\r', 'exit\r',
    ],
  },
  'curses-demo': {
    file: 'python3',
    args: [path.join(ROOT, 'test', 'fidelity', 'curses-demo.py')],
    steps: [],
  },
};

/** Run one program and return everything it wrote. */
async function record(name: string, rec: Recording, cols: number, rows: number): Promise<Buffer> {
  const term = new Term(rec.file, rec.args, {
    cols,
    rows,
    cwd: rec.cwd ?? TEXT_DIR,
    env: { COLORTERM: 'truecolor', ...rec.env },
  });
  const size = (): number => term.raw.reduce((n, b) => n + b.length, 0);
  const quiet = async (): Promise<void> => {
    const end = Date.now() + DEADLINE;
    let last = -1;
    let since = Date.now();
    while (Date.now() - since < QUIET) {
      if (Date.now() > end) throw new Error(`${name}: output never went quiet`);
      const n = size();
      if (n !== last) {
        last = n;
        since = Date.now();
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  try {
    for (const step of rec.steps) {
      if (typeof step === 'string') {
        term.type(step);
        await quiet();
      } else if ('wait' in step) {
        await term.waitFor(step.wait, `${name}: ${String(step.wait)}`, DEADLINE);
        await quiet();
      } else {
        const n = size();
        const end = Date.now() + DEADLINE;
        while (size() === n) {
          if (Date.now() > end) throw new Error(`${name}: no more output`);
          await new Promise((r) => setTimeout(r, 10));
        }
        await quiet();
      }
    }
    if (rec.kill) await term.close();
    else await term.waitExit(DEADLINE);
    return Buffer.concat(term.raw);
  } finally {
    await term.close();
  }
}

async function main(): Promise<void> {
  const only = new Set(process.argv.slice(2));
  fs.mkdirSync(STREAMS_DIR, { recursive: true });
  for (const s of CORPUS) {
    if (only.size > 0 && !only.has(s.name)) continue;
    let bytes: Buffer;
    if (s.source === 'handmade') {
      bytes = Buffer.from(HANDMADE[s.name]!(), 'utf8');
    } else {
      const rec = RECORDINGS[s.name];
      if (!rec) throw new Error(`no recording script for ${s.name}`);
      bytes = await record(s.name, rec, s.cols, s.rows);
    }
    fs.writeFileSync(streamPath(s.name), bytes);
    process.stdout.write(`${s.name}: ${bytes.length} bytes\n`);
  }
  await closeAllTerms();
}

main().catch((e: unknown) => {
  process.stderr.write(`record: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
