// What a running session keeps loaded. Every builtin module Node loads stays
// for the life of the process (its source, code and objects), and share and
// listen are meant to run for hours within SPEC §5's memory figure; so the
// builtins only a fallback, another platform or a dependency's self-checks
// would use are left unloaded (src/lib/assert.ts, src/view/caps.ts,
// src/lib/idle-gc.ts, src/tls/identity.ts, bin/shareterm.cjs), and threads
// share the C heap's arenas (src/lib/native-memory.ts).
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { threadArenas } from '../helpers/arenas.js';
import { BASH, startListen, startShare } from '../helpers/pair.js';
import { closeAllTerms, tempDir, until, type Term } from '../helpers/term.js';

test.afterEach.always(closeAllTerms);

/** Node's ES module loader: the CLI is a CommonJS bundle, so it never loads (bin/shareterm.cjs). */
const ESM_LOADER = 'internal/modules/esm/loader';

/**
 * Builtins a side may not load in a session like this one. listen's list is
 * shorter: net.Server's listen() loads node:cluster, which loads
 * node:child_process and node:dgram (Node 20), so they are not ours to leave.
 */
const UNWANTED = {
  share: ['assert', 'child_process', 'dgram', 'v8', 'vm', ESM_LOADER],
  listen: ['assert', 'v8', 'vm', ESM_LOADER],
};

/** The builtins `term`'s process has loaded, asked for with SIGUSR2 (the preload below answers). */
async function builtins(term: Term, dir: string): Promise<Set<string>> {
  const file = path.join(dir, `modules-${term.pty.pid}`);
  process.kill(term.pty.pid, 'SIGUSR2');
  await until(() => fs.existsSync(file), `${file} to be written`);
  const names = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('NativeModule ')).map((l) => l.slice('NativeModule '.length));
  return new Set(names);
}

test.serial('a session loads no builtin it does not use (node:assert, v8, vm, the ES module loader; for share, child_process and dgram), and its threads share the C heap arenas', async (t) => {
  const dir = tempDir();
  // Written whole, then renamed, so the test never reads half a list.
  const preload = path.join(dir, 'modules.cjs');
  fs.writeFileSync(preload, `process.on('SIGUSR2', () => {
    const fs = require('fs');
    const file = ${JSON.stringify(dir)} + '/modules-' + process.pid;
    fs.writeFileSync(file + '.part', process.moduleLoadList.join('\\n'));
    fs.renameSync(file + '.part', file);
  });\n`);
  // The listener's identity first: making one runs the generator in a child
  // process, which a listener that has one never needs.
  const first = await startListen([], {}, dir);
  await first.listen.close();
  const env = { NODE_OPTIONS: `--require ${preload}` };
  const { listen, port, fingerprint } = await startListen([], { env }, dir);
  const share = startShare(port, ['--fingerprint', fingerprint], BASH, { env }, dir);
  await share.waitFor(/shared with/, 'the share to show it is shared');
  await listen.waitFor(/● connected/, 'the helper to show the session');
  // Both sides type, a second window opens and closes: the session's paths run.
  share.type('echo user-$((6*7))\r');
  await listen.waitFor(/^user-42$/m, "the user's output on the helper's screen");
  listen.type('echo helper-$((5*11))\r');
  await share.waitFor(/^helper-55$/m, "the helper's output on the user's screen");
  share.type('\x02c');
  await listen.waitFor(/1:bash\*/, 'a second window on the helper’s status bar');
  share.type('exit\r');
  await listen.waitFor(/0:bash\*/, 'back to the first window');

  for (const [side, term] of [['share', share], ['listen', listen]] as const) {
    const loaded = await builtins(term, dir);
    // The list is the real one: what every session needs is on it.
    for (const needed of ['tls', 'zlib', 'tty']) t.true(loaded.has(needed), `${side} loaded ${needed}`);
    t.deepEqual(UNWANTED[side].filter((m) => loaded.has(m)), [], `${side} loaded none of ${UNWANTED[side].join(', ')}`);
    // The C heap's arenas are capped as the CLI starts (src/lib/native-memory.ts):
    // V8's helper threads share what is there then, not one each (4 or more).
    const arenas = threadArenas(term.pty.pid);
    t.true(arenas <= 2, `${side} keeps ${arenas} thread arenas`);
  }
});
