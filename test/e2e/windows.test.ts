// The tmux-like session from both sides: windows and prefix keys, the help
// and scrollback overlays, the user's control keys, and full-screen programs
// driven by the helper.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { startPair, type Pair } from '../helpers/pair.js';
import { closeAllTerms, tempDir, until, type Term } from '../helpers/term.js';

test.afterEach.always(closeAllTerms);

const P = '\x02'; // C-b

/** The status line (the last row) of a terminal. */
function status(t: Term): string {
  return t.lines()[t.model.rows - 1] ?? '';
}

/** Both status bars show exactly these windows (e.g. "0:bash 1:bash*"). */
async function windowsAre(p: Pair, re: RegExp): Promise<void> {
  await until(async () => {
    await p.share.flushed();
    await p.listen.flushed();
    return re.test(status(p.share)) && re.test(status(p.listen));
  }, `both status bars to show ${re}`);
}

/** The window areas of both screens agree line for line (first n rows). */
async function screensAgree(p: Pair, rows = 8): Promise<void> {
  await until(async () => {
    await p.share.flushed();
    await p.listen.flushed();
    return JSON.stringify(p.share.lines().slice(0, rows)) === JSON.stringify(p.listen.lines().slice(0, rows));
  }, 'both screens to agree', 15000).catch((e) => {
    throw new Error(`${(e as Error).message}\nuser:\n${p.share.text()}\nhelper:\n${p.listen.text()}`);
  });
}

test.serial('windows: create, switch, rename and kill from either side; both screens agree after each step', async (t) => {
  const p = await startPair();
  await p.share.waitFor(/^\$$/m, 'prompt');
  p.share.type('echo in-window-$((0+0))\r');
  await p.listen.waitFor(/^in-window-0$/m, 'window 0 output');
  // C-b c from the helper: a second window, active for both.
  p.listen.type(`${P}c`);
  await windowsAre(p, /\b0:bash 1:bash\*/);
  await p.share.waitFor(/^\$$/m, 'the new prompt');
  p.share.type('echo in-window-$((0+1))\r');
  await p.listen.waitFor(/^in-window-1$/m, 'window 1 output');
  await screensAgree(p);
  // C-b , renames (prompt on the status line of the one who asked).
  p.share.type(`${P},`);
  await p.share.waitFor(/\(rename-window\) bash/, 'the rename prompt');
  p.share.type('\x15logs\r');
  await windowsAre(p, /0:bash 1:logs\*/);
  // C-b p / C-b n / C-b 0-9 from either side.
  p.listen.type(`${P}p`);
  await windowsAre(p, /0:bash\* 1:logs /);
  await p.listen.waitFor(/^in-window-0$/m, 'window 0 again');
  await screensAgree(p);
  p.share.type(`${P}n`);
  await windowsAre(p, /0:bash 1:logs\*/);
  p.listen.type(`${P}0`);
  await windowsAre(p, /0:bash\* 1:logs /);
  await screensAgree(p);
  p.share.type(`${P}7`);
  await p.share.waitFor(/no window 7/, 'a status-line message, not an error');
  // C-b & asks, and n keeps the window.
  p.listen.type(`${P}&`);
  await p.listen.waitFor(/kill-window 0:bash\? \(y\/n\)/, 'the kill question');
  p.listen.type('n');
  await until(async () => {
    await p.listen.flushed();
    return !/kill-window/.test(status(p.listen));
  }, 'the question gone');
  await windowsAre(p, /0:bash\* 1:logs /);
  // y kills it; window 1 becomes active for both.
  p.listen.type(`${P}&`);
  await p.listen.waitFor(/kill-window 0:bash\? \(y\/n\)/, 'the kill question again');
  p.listen.type('y');
  await windowsAre(p, /\] 1:logs\* +/);
  await p.listen.waitFor(/^in-window-1$/m, 'window 1 shown');
  await screensAgree(p);
  t.notRegex(status(p.share), /0:bash/);
  // Killing the last window ends the session.
  p.share.type(`${P}&`);
  await p.share.waitFor(/kill-window 1:logs\? \(y\/n\)/, 'the last kill question');
  p.share.type('y');
  t.is((await p.share.waitExit()).exitCode, 0);
  await p.listen.waitFor(/session with .* ended: the shell exited/, 'the helper told');
});

test.serial('C-b C-b sends a literal C-b; C-b ? shows the keys; unknown keys say so', async (t) => {
  const p = await startPair();
  await p.share.waitFor(/^\$$/m, 'prompt');
  // od shows the byte the program got.
  p.listen.type('echo READY-$((1+2)); od -An -c | head -1\r');
  await p.share.waitFor(/^READY-3$/m, 'od reading');
  p.listen.type(`${P}${P}\r\x04`);
  await p.share.waitFor(/^ +002 +\\n$/m, 'a literal C-b (002) reached the program');
  p.listen.type(`${P}?`);
  await p.listen.waitFor(/shareterm keys: press C-b, then[\s\S]*new window[\s\S]*scroll back/, 'the help overlay');
  t.notRegex(p.listen.text(), /disconnect the helper/); // the user's keys are not offered to the helper
  p.share.type(`${P}?`);
  await p.share.waitFor(/disconnect the helper/, "the user's help lists r and k");
  p.listen.type('x'); // any key closes it, and is not typed
  await until(async () => {
    await p.listen.flushed();
    return !/shareterm keys/.test(p.listen.text());
  }, 'the overlay closed');
  p.share.type('q');
  p.listen.type(`${P}z`);
  await p.listen.waitFor(/no binding for C-b z/, 'the unknown key reported');
  p.share.type('echo ok-$((2*2))\r');
  await p.listen.waitFor(/^ok-4$/m, 'the session unaffected');
  t.notRegex(p.share.text(), /^\$ x|qecho/m);
});

test.serial("C-b r and C-b k: the user's control, shown at once on both sides", async (t) => {
  const p = await startPair();
  await p.share.waitFor(/^\$$/m, 'prompt');
  p.share.type(`${P}r`);
  await p.listen.waitFor(/you are read-only/, 'the helper told');
  await until(async () => {
    await p.share.flushed();
    await p.listen.flushed();
    return / ro │/.test(status(p.share)) && /you ro/.test(status(p.listen));
  }, 'both status bars to show read-only');
  p.listen.type('echo from-helper-$((1+1))\r');
  p.share.type('echo from-user-$((2+2))\r');
  await p.listen.waitFor(/^from-user-4$/m, "the user's command");
  t.notRegex(p.share.text(), /from-helper-2/);
  p.listen.type(`${P}c`);
  await p.listen.waitFor(/you are read-only/, 'commands refused too');
  // r again: the helper may type.
  p.share.type(`${P}r`);
  await p.listen.waitFor(/you may type/, 'the helper told');
  await until(async () => {
    await p.listen.flushed();
    return /you rw/.test(status(p.listen));
  }, 'rw on the helper status bar');
  p.listen.type('echo helper-again-$((3+3))\r');
  await p.share.waitFor(/^helper-again-6$/m, "the helper's command runs");
  // k: the helper is disconnected; the user's shell carries on.
  p.share.type(`${P}k`);
  await p.listen.waitFor(/ended: the user disconnected you/, 'the helper told why');
  await p.share.waitFor(/not shared/, 'the user sees it is no longer shared');
  p.share.type('echo still-$((4+4))\r');
  await p.share.waitFor(/^still-8$/m, 'the shell goes on');
});

test.serial('the user ending with C-b d asks first, then ends the session for both', async (t) => {
  const p = await startPair();
  await p.share.waitFor(/^\$$/m, 'prompt');
  p.share.type(`${P}d`);
  await p.share.waitFor(/End sharing and close this session for everyone\? \(y\/n\)/, 'the question');
  p.share.type('n');
  p.share.type('echo kept-$((5+5))\r');
  await p.listen.waitFor(/^kept-10$/m, 'the session kept');
  p.share.type(`${P}d`);
  await p.share.waitFor(/End sharing/, 'the question again');
  p.share.type('y');
  t.is((await p.share.waitExit()).exitCode, 0);
  t.regex(p.share.lines().join(''), /session ended: the user ended the session/);
  await p.listen.waitFor(/ended: the user ended the session/, 'the helper told');
});

test.serial('scrollback: the helper scrolls back; the user and the program are unaffected', async (t) => {
  const p = await startPair();
  await p.share.waitFor(/^\$$/m, 'prompt');
  p.share.type('for i in $(seq 1 100); do echo "row $i"; done\r');
  await p.listen.waitFor(/^row 100$/m, 'the output');
  p.listen.type(`${P}[`);
  await p.listen.waitFor(/\[0\/\d+\]/, 'the scroll indicator');
  p.listen.type('\x1b[5~\x1b[5~'); // PgUp twice: two pages of (rows - 2) lines
  await p.listen.waitFor(/^row 2\d$/m, 'earlier rows');
  const helperView = p.listen.text();
  t.notRegex(helperView, /^row 100$/m);
  // The user's view and the program carry on.
  p.share.type('echo live-$((9*9))\r');
  await p.share.waitFor(/^live-81$/m, 'the user sees live output');
  t.regex(p.share.text(), /^row 100$/m);
  // The helper's scrolled view stays put while output arrives; q leaves it.
  await p.listen.flushed();
  t.notRegex(p.listen.text(), /live-81/);
  p.listen.type('q');
  await p.listen.waitFor(/^live-81$/m, 'back to the live view');
});

test.serial('scrollback after a flood: the helper, shown the flood in frames, gets the whole history back', async (t) => {
  const p = await startPair();
  await p.share.waitFor(/^\$$/m, 'prompt');
  p.share.type('seq 1 60000\r');
  await p.share.waitFor(/^60000$/m, 'the end of the flood (user)');
  await p.listen.waitFor(/^60000$/m, 'the end of the flood (helper)');
  p.share.type(`${P}[`);
  p.listen.type(`${P}[`);
  // Both scroll indicators count the same history: the helper's came back whole.
  const count = (term: Term): string | undefined => /\[0\/(\d+)\]/.exec(term.text())?.[1];
  await until(async () => {
    await p.share.flushed();
    await p.listen.flushed();
    return count(p.share) !== undefined && count(p.share) === count(p.listen);
  }, 'the same history on both sides');
  t.true(Number(count(p.listen)) >= 1000, `history of ${count(p.listen)} lines`);
  p.share.type('g');
  p.listen.type('g');
  // The same lines at the top of both histories (the helper's terminal is
  // wider: its unused columns are dotted).
  const top = (term: Term): string[] => term.lines().slice(0, 20).map((l) => l.replace(/[·.]*\[\d+\/\d+\]$/, '').replace(/[·.]+$/, '').trimEnd());
  await until(async () => {
    await p.share.flushed();
    await p.listen.flushed();
    // [N/N]: both are at the top of their history (g was drawn), and show the same lines.
    const atTop = (term: Term): boolean => /\[(\d+)\/\1\]/.test(term.text());
    return atTop(p.share) && atTop(p.listen) && JSON.stringify(top(p.share)) === JSON.stringify(top(p.listen)) && /^5\d{4}$/.test(top(p.listen)[0]!);
  }, 'the top of both histories to agree').catch((e) => {
    throw new Error(`${(e as Error).message}\nuser:\n${p.share.text()}\nhelper:\n${p.listen.text()}`);
  });
  t.notRegex(p.listen.text(), /^60000$/m);
  p.listen.type('q');
  await p.listen.waitFor(/^60000$/m, 'back to the live view');
});

test.serial('vim from the helper side: arrows, insert, save — the file on disk changes', async (t) => {
  const dir = tempDir();
  const file = path.join(dir, 'notes.txt');
  fs.writeFileSync(file, 'alpha\nbravo\ncharlie\n');
  const p = await startPair({ user: { cwd: dir } });
  await p.share.waitFor(/^\$$/m, 'prompt');
  p.listen.type(`vim -u NONE -N notes.txt\r`);
  await p.listen.waitFor(/"notes\.txt" 3L/, 'vim open on the helper side');
  await p.share.waitFor(/^charlie$/m, 'vim on the user side');
  // Arrow keys as the helper's terminal sends them in vim's application cursor mode.
  const raw = p.listen.rawText();
  t.true(raw.includes('\x1b[?1h'), 'application cursor mode mirrored to the helper terminal');
  p.listen.type('\x1bOB\x1bOB'); // Down Down (SS3, application mode)
  p.listen.type('A-edited\x1b');
  p.listen.type('\x1bOA'); // Up
  p.listen.type('Obetween\x1b:wq\r'); // O opens a line above bravo
  await p.share.waitFor(/^\$$/m, 'back at the shell');
  const want = 'alpha\nbetween\nbravo\ncharlie-edited\n';
  await until(() => fs.readFileSync(file, 'utf8') === want, 'the file saved').catch(() => {
    throw new Error(`file is ${JSON.stringify(fs.readFileSync(file, 'utf8'))}`);
  });
  t.is(fs.readFileSync(file, 'utf8'), want);
  // Leaving vim put the helper's terminal back in normal cursor mode.
  await until(async () => {
    await p.listen.flushed();
    return !p.listen.model.modes().appCursor;
  }, 'cursor keys mode reset');
});

test.serial('less from the helper side: page down and quit', async (t) => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'numbers.txt'), Array.from({ length: 300 }, (_, i) => `number ${i + 1}`).join('\n') + '\n');
  const p = await startPair({ user: { cwd: dir } });
  await p.share.waitFor(/^\$$/m, 'prompt');
  p.listen.type('less numbers.txt\r');
  await p.listen.waitFor(/^number 1$/m, 'less showing the top');
  p.listen.type(' '); // a page
  await p.listen.waitFor(/^number 4\d$/m, 'the next page');
  p.listen.type('\x1b[6~'); // PgDn
  await p.share.waitFor(/^number 6\d$/m, 'the page after, on the user side too');
  p.listen.type('G');
  await p.listen.waitFor(/^number 300$/m, 'the end');
  p.listen.type('q');
  await p.share.waitFor(/^\$$/m, 'the shell back');
  // less used the alternate screen: the shell's screen is back as it was.
  t.notRegex(p.share.text(), /^number \d+$/m);
  t.regex(p.share.lines()[0] ?? '', /^\$ less numbers\.txt$/);
});

test.serial('mouse reporting and bracketed paste are mirrored, and reach the program from the helper', async (t) => {
  const p = await startPair();
  await p.share.waitFor(/^\$$/m, 'prompt');
  // A program that asks for SGR mouse reports and bracketed paste, then shows what it reads.
  p.share.type("clear; printf '\\033[?1000h\\033[?1006h\\033[?2004hREADY\\n'; od -An -c\r");
  await p.listen.waitFor(/^READY$/m, 'the program ready');
  await until(async () => {
    await p.listen.flushed();
    const m = p.listen.model.modes();
    return m.mouseTracking === 'vt200' && m.mouseEncoding === 'sgr' && m.bracketedPaste;
  }, "the helper's terminal to have the program's modes");
  // A click in the window area and a paste, as the helper's terminal sends them.
  p.listen.type('\x1b[<0;5;3M\x1b[<0;5;3m');
  // A click on the status line is the viewer's, not the program's.
  p.listen.type(`\x1b[<0;5;${p.listen.model.rows}M`);
  p.listen.type('\x1b[200~pasted\x1b[201~\r\x04');
  await p.share.waitFor(/< {3}0 {3}; {3}5 {3}; {3}3 {3}M/, 'the click reached the program');
  await p.share.waitFor(/p {3}a {3}s {3}t {3}e {3}d/, 'the paste reached the program');
  t.notRegex(p.share.text().replace(/\s+/g, ''), new RegExp(`0;5;${p.listen.model.rows}M`));
  await p.share.waitFor(/2 {3}0 {3}0 {3}~/, 'the paste kept its brackets');
});

test.serial('size policy: a read-only helper never shrinks the session; a smaller one sees the part around the cursor', async (t) => {
  const p = await startPair({ listenArgs: ['--read-only'], user: { cols: 90, rows: 30 }, helper: { cols: 50, rows: 12 } });
  await p.share.waitFor(/^\$$/m, 'prompt');
  p.share.type('clear; stty size\r');
  await p.share.waitFor(/^29 90$/m, "the session keeps the user's size");
  // The helper's 50x12 terminal shows the window's rows around the cursor.
  p.share.type(`clear; for i in $(seq 1 25); do echo "line $i"; done; echo ${'x'.repeat(60)}END\r`);
  await p.share.waitFor(/END$/m, 'the output on the user side');
  await p.listen.waitFor(/^line 2\d$/m, 'the helper view panned down to the cursor');
  t.notRegex(p.listen.text(), /^line 1$/m);
  // The user grows: the session follows; the read-only helper is still ignored.
  p.share.resize(100, 35);
  await until(async () => {
    await p.share.flushed();
    return /shared with/.test(p.share.lines()[34] ?? '');
  }, 'the user side redrawn at 100x35');
  p.share.type('clear; stty size\r');
  await p.share.waitFor(/^34 100$/m, 'the session follows the user');
  t.regex(status(p.listen), /you ro/);
});

test.serial('keypad mode and cursor visibility are mirrored to the helper', async (t) => {
  const p = await startPair();
  await p.share.waitFor(/^\$$/m, 'prompt');
  p.share.type("printf '\\033=\\033[?25l\\033[5 qMODES\\n'; read -r x\r");
  await p.listen.waitFor(/^MODES$/m, 'the program ran');
  await until(async () => {
    await p.listen.flushed();
    const m = p.listen.model.modes();
    return m.appKeypad && m.cursorHidden && m.cursorStyle === 'bar';
  }, 'keypad mode, hidden cursor and bar shape on the helper terminal');
  p.share.type("\rprintf '\\033>\\033[?25h\\033[0 q'\r");
  await until(async () => {
    await p.listen.flushed();
    const m = p.listen.model.modes();
    return !m.appKeypad && !m.cursorHidden;
  }, 'modes back to normal');
  t.pass();
});

test.serial('--prefix C-a on either side; C-b then goes to the program; window names follow the program', async (t) => {
  const p = await startPair({ listenArgs: ['--prefix', 'C-a'], shareArgs: ['--prefix', 'C-a'] });
  await p.share.waitFor(/^\$$/m, 'prompt');
  p.listen.type('\x01c');
  await windowsAre(p, /0:bash 1:bash\*/);
  p.share.type('\x01?');
  await p.share.waitFor(/press C-a, then/, 'help names the prefix');
  p.share.type('q');
  // C-b is an ordinary key now: readline's backward-char moves before "X".
  await p.share.waitFor(/^\$$/m, 'prompt in window 1');
  p.listen.type('echo AB\x02X\r');
  await p.share.waitFor(/^AXB$/m, 'C-b reached the program');
  // The window is named after what runs in it.
  p.share.type('sleep 30\r');
  await windowsAre(p, /1:sleep\*/);
  p.share.type('\x03');
  await windowsAre(p, /1:bash\*/);
  t.pass();
});
