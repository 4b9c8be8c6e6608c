// Terminal capabilities per TERM: built-in knowledge wins where blessed
// misreads terminfo, COLORTERM adds direct colour, the locale decides UTF-8,
// and reading terminfo never prints anything.
import test from 'ava';
import { createRequire } from 'node:module';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { detectCaps, type Caps } from '../../src/view/caps.js';

const UTF8 = { LANG: 'en_US.UTF-8' };

function caps(term: string | undefined, extra: Record<string, string> = {}): Caps {
  const env: NodeJS.ProcessEnv = { ...UTF8, ...extra };
  if (term !== undefined) env.TERM = term;
  return detectCaps(env);
}

test('xterm-256color: 256 colours, alternate screen, DECSCUSR, italic, bce; truecolor with COLORTERM', (t) => {
  const c = caps('xterm-256color');
  t.like(c, { term: 'xterm-256color', colors: 256, altScreen: true, cursorStyle: true, italic: true, strike: true, bce: true, unicode: true });
  t.is(caps('xterm-256color', { COLORTERM: 'truecolor' }).colors, 16777216);
  t.is(caps('xterm-256color', { COLORTERM: '24bit' }).colors, 16777216);
  t.is(caps('xterm-256color', { COLORTERM: 'yes' }).colors, 256);
});

test('tmux-256color: 256 colours although blessed falls back to its 8-colour xterm entry', (t) => {
  const c = caps('tmux-256color');
  t.like(c, { colors: 256, altScreen: true, italic: true, bce: false });
  t.false(c.source.startsWith('terminfo'), c.source);
  t.is(caps('tmux-256color', { COLORTERM: 'truecolor' }).colors, 16777216);
});

test('screen-256color: 256 colours, no italic, no DECSCUSR, and COLORTERM cannot make it truecolor', (t) => {
  t.like(caps('screen-256color'), { colors: 256, altScreen: true, italic: false, cursorStyle: false, bce: false });
  t.is(caps('screen-256color', { COLORTERM: 'truecolor' }).colors, 256);
});

test('xterm: 16 colours (aixterm brights), direct colour with COLORTERM', (t) => {
  t.like(caps('xterm'), { colors: 16, altScreen: true, cursorStyle: true });
  t.is(caps('xterm', { COLORTERM: '24bit' }).colors, 16777216);
});

test('linux console: 8 colours, no alternate screen, italic, strike or DECSCUSR, whatever COLORTERM says', (t) => {
  for (const extra of [{}, { COLORTERM: 'truecolor' }] as Record<string, string>[]) {
    t.like(caps('linux', extra), { colors: 8, altScreen: false, italic: false, strike: false, cursorStyle: false, bce: true, syncOutput: false });
  }
});

test('dumb, absent and unknown TERM: conservative VT100 capabilities', (t) => {
  for (const term of ['dumb', undefined, '', 'no-such-terminal']) {
    t.like(caps(term), { colors: 8, altScreen: false, cursorStyle: false, italic: false, strike: false, sgrClear: false, bce: false, syncOutput: false }, String(term));
  }
  t.is(caps('no-such-terminal-256color').colors, 256);
});

test('modern emulators by name: direct colour and synchronized output', (t) => {
  for (const term of ['xterm-kitty', 'foot', 'wezterm', 'alacritty']) {
    t.like(caps(term), { colors: 16777216, altScreen: true, syncOutput: true }, term);
  }
  t.is(caps('xterm-direct').colors, 16777216);
  t.true(caps('xterm-256color', { TERM_PROGRAM: 'WezTerm' }).syncOutput);
});

test('UTF-8 from the locale in POSIX precedence, assumed when none is set', (t) => {
  const u = (env: Record<string, string>): boolean => detectCaps({ TERM: 'xterm', ...env }).unicode;
  t.true(u({}));
  t.true(u({ LANG: 'de_DE.utf8' }));
  t.false(u({ LANG: 'C' }));
  t.false(u({ LANG: 'en_US.UTF-8', LC_ALL: 'POSIX' }));
  t.true(u({ LANG: 'C', LC_CTYPE: 'C.UTF-8' }));
  t.false(u({ LC_CTYPE: 'en_US.ISO-8859-1', LANG: 'en_US.UTF-8' }));
});

test('a TERM that looks like a path is not handed to the terminfo reader', (t) => {
  const c = caps('../../../etc/passwd');
  t.is(c.source, 'builtin:unknown');
});

test('console and stderr are left as they were', (t) => {
  const before = [console.error, console.log, console.warn, process.stderr.write];
  caps('screen-256color');
  t.deepEqual([console.error, console.log, console.warn, process.stderr.write], before);
});

test('reading terminfo prints nothing, even for entries blessed cannot compile (fresh process)', async (t) => {
  const mod = fileURLToPath(new URL('../../src/view/caps.js', import.meta.url));
  const terms = ['xterm-256color', 'tmux-256color', 'screen-256color', 'xterm', 'linux', 'dumb', 'rxvt-unicode-256color'];
  const script = `import(${JSON.stringify(mod)}).then((m) => { for (const t of ${JSON.stringify(terms)}) m.detectCaps({ TERM: t }); process.stdout.write('ok'); });`;
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { timeout: 30_000 }, (err, stdout, stderr) => (err ? reject(err) : resolve({ stdout, stderr })));
  });
  t.is(stderr, '');
  t.is(stdout, 'ok');
});

test("blessed's terminfo reader is let go once an entry is read, and an entry is read once", (t) => {
  const loaded = (): string[] => Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes(`blessed${path.sep}lib`));
  const first = detectCaps({ TERM: 'xterm-256color', LANG: 'C.UTF-8' });
  t.deepEqual(loaded(), [], 'no blessed module stays loaded');
  const cache = createRequire(import.meta.url).cache;
  t.is(cache['assert'], undefined, "the stand-in for node:assert went with blessed's modules");
  t.is(cache['child_process'], undefined, 'so did the one for node:child_process');
  t.is(first.colors, 256);
  t.deepEqual(detectCaps({ TERM: 'xterm-256color', LANG: 'C.UTF-8' }), first, 'the same answer again');
});
