// The terminal put back exactly (issue 3, item 4): however `share` or `listen`
// ends — the shell exiting, the helper leaving, the user ending it, SIGTERM,
// SIGHUP, or an internal crash while the viewer owns the terminal — the
// person's terminal is back to normal: main screen, cursor shown and a
// block, no mouse reporting, bracketed paste or application keys, pen reset,
// autowrap on, and the tty out of raw mode with exactly its old settings.
// Each CLI runs inside a shell that saves `stty -g` before and after it and
// then prints a plain line and a line longer than the terminal.
import test, { type ExecutionContext } from 'ava';
import { closeAllTerms, tempDir, until, type Term } from '../helpers/term.js';
import { bothAttached, cellOf, closingLines, hangUp, listenOn, pidOf, recordedExit, recordingOf, shareTo, sttyOf } from './helpers.js';

test.afterEach.always(closeAllTerms);

/** Turns on every mode a viewer mirrors or sets, then waits in `read`; Enter makes the shell exit. */
const SET_MODES =
  "printf '\\033[?1h\\033=\\033[?2004h\\033[?1002h\\033[?1006h\\033[?1004h\\033[5 q\\033[?25l\\033[1;4;31m'; echo MODES-$((1+1)); read -r x; exit\r";

const FAULT = { SHARETERM_TEST_FAULT: 'throw-on-SIGUSR2' };

interface Ends {
  /** The recorded side, whose terminal is checked. */
  me: Term;
  share: Term;
  listen: Term;
  pid: number;
}

/** The program turns every mode on; wait until the recorded viewer's terminal mirrors them and the tty is raw. */
async function modesOn(t: ExecutionContext, e: Ends): Promise<void> {
  await e.share.waitFor(/^\$$/m, 'the prompt');
  e.share.type(SET_MODES);
  await e.me.waitFor(/^MODES-2$/m, 'the modes set');
  await until(async () => {
    await e.me.flushed();
    const m = e.me.model.modes();
    return m.appCursor && m.appKeypad && m.bracketedPaste && m.mouseTracking === 'drag' && m.mouseEncoding === 'sgr' &&
      m.sendFocus && m.cursorHidden && m.cursorStyle === 'bar' && m.altScreen;
  }, "the viewer's terminal to mirror the program's modes");
  t.not(sttyOf(e.pid), recordingOf(e.me).sttyBefore(), 'the tty is raw while viewing');
}

/** The last `h`/`l` sent for DEC private mode `n`, if any. */
function lastMode(raw: string, n: number): string | undefined {
  const all = [...raw.matchAll(new RegExp(`\\x1b\\[\\?${n}([hl])`, 'g'))];
  return all.at(-1)?.[1];
}

/** The terminal is as it was: modes, pen, autowrap, cursor, screen, and the tty settings. */
function checkRestored(t: ExecutionContext, term: Term): void {
  const m = term.model.modes();
  t.like(m, {
    altScreen: false, cursorHidden: false, cursorStyle: 'block', cursorBlink: false,
    mouseTracking: 'none', mouseEncoding: 'default', sendFocus: false,
    bracketedPaste: false, appCursor: false, appKeypad: false, syncOutput: false,
  }, 'modes back to defaults');
  const rec = recordingOf(term);
  t.is(rec.sttyAfter(), rec.sttyBefore(), 'tty settings exactly as before (out of raw mode)');
  // Text printed afterwards is plain, and a long line wraps (DECAWM on).
  const plain = cellOf(term, 'AFTER-plain');
  t.deepEqual([plain.fg, plain.bg, plain.attrs], [0, 0, 0], 'pen reset');
  const cols = term.model.cols;
  const text = term.lines().join('\n');
  t.true(text.includes(`WRAP${'0'.repeat(cols - 4)}\n${'0'.repeat(cols)}\n${'0'.repeat(200 - 2 * cols)}`), `autowrap on:\n${text}`);
  // And in the bytes: the last word on each mode is "off" (or it was never sent).
  const raw = term.rawText();
  for (const n of [1, 9, 1000, 1002, 1003, 1004, 1005, 1006, 1015, 1016, 1049, 2004, 2026]) {
    t.not(lastMode(raw, n), 'h', `mode ?${n} left on`);
  }
  t.is(lastMode(raw, 25), 'h', 'cursor shown last');
  t.is(lastMode(raw, 7), 'h', 'autowrap on last');
  t.not([...raw.matchAll(/\x1b([=>])/g)].at(-1)?.[1], '=', 'keypad back to numeric');
  t.is([...raw.matchAll(/\x1b\[(\d*) q/g)].at(-1)?.[1] ?? '0', '0', 'cursor style back to the default');
  t.regex([...raw.matchAll(/\x1b\[([\d;]*)m/g)].at(-1)?.[1] ?? '0', /^0?$/, 'pen reset last');
}

function checkClosing(t: ExecutionContext, term: Term, want: RegExp[]): void {
  const got = closingLines(term);
  t.is(got.length, want.length, `closing lines: ${JSON.stringify(got)}`);
  want.forEach((re, i) => t.regex(got[i] ?? '', re));
}

interface Case {
  /** End it: the recorded side's CLI must exit (or, for listen without --once, go back to waiting). */
  end(e: Ends): Promise<void> | void;
  status: number;
  /** The lines printed after the terminal was put back: the closing message, one line. */
  closing: RegExp[];
  /** What the other side shows afterwards. */
  other?: RegExp;
}

/** `share` recorded, `listen` plain. */
async function shareEnds(t: ExecutionContext, c: Case): Promise<void> {
  const dir = tempDir('shareterm-restore-');
  const { listen, port, fingerprint } = await listenOn(dir);
  const share = shareTo(dir, port, fingerprint, { recorded: true, env: FAULT });
  await bothAttached(share, listen);
  const e: Ends = { me: share, share, listen, pid: await pidOf(share) };
  await modesOn(t, e);
  await c.end(e);
  t.is(await recordedExit(share), c.status, 'exit status');
  checkClosing(t, share, c.closing);
  checkRestored(t, share);
  if (c.other) await listen.waitFor(c.other, 'the helper told');
}

/** `listen` recorded (with --once, so it exits when the session ends), `share` plain. */
async function listenEnds(t: ExecutionContext, c: Case, args = ['--once']): Promise<void> {
  const dir = tempDir('shareterm-restore-');
  const { listen, port, fingerprint } = await listenOn(dir, { recorded: true, env: FAULT, args });
  const share = shareTo(dir, port, fingerprint);
  await bothAttached(share, listen);
  const e: Ends = { me: listen, share, listen, pid: await pidOf(listen) };
  await modesOn(t, e);
  // The user's notice is up for seconds only: watch for it from the start.
  const told = c.other ? share.waitFor(c.other, 'the user told') : undefined;
  await c.end(e);
  t.is(await recordedExit(listen), c.status, 'exit status');
  checkClosing(t, listen, c.closing);
  checkRestored(t, listen);
  if (told) await told;
}

const C_B = '\x02';

test.serial('share: the shell exiting puts the terminal back; exit 0', (t) =>
  shareEnds(t, {
    end: (e) => e.share.type('\r'),
    status: 0,
    closing: [/^shareterm: session ended: the shell exited$/],
    other: /ended: the shell exited/,
  }));

test.serial("share: the helper leaving keeps the user's view; the user ending it (C-b d, y) puts the terminal back; exit 0", (t) =>
  shareEnds(t, {
    async end(e) {
      e.listen.type(`${C_B}d`);
      await e.share.waitFor(/left: the helper left/, 'the user told the helper left');
      // Still the user's view: modes mirrored, tty raw.
      t.like(e.share.model.modes(), { altScreen: true, mouseTracking: 'drag', bracketedPaste: true });
      t.not(sttyOf(e.pid), recordingOf(e.share).sttyBefore());
      e.share.type(`${C_B}d`);
      await e.share.waitFor(/End sharing .*\(y\/n\)/, 'the question');
      e.share.type('y');
    },
    status: 0,
    closing: [/^shareterm: session ended: the user ended the session$/],
  }));

test.serial('share: SIGTERM ends the session and puts the terminal back; exit 143', (t) =>
  shareEnds(t, {
    end: (e) => void process.kill(e.pid, 'SIGTERM'),
    status: 143,
    closing: [/^shareterm: session ended: the user's shareterm got SIGTERM$/],
    other: /ended: the user's shareterm got SIGTERM/,
  }));

test.serial('share: SIGHUP ends the session and puts the terminal back; exit 129', (t) =>
  shareEnds(t, {
    end: (e) => void process.kill(e.pid, 'SIGHUP'),
    status: 129,
    closing: [/^shareterm: session ended: the user's shareterm got SIGHUP$/],
    other: /ended: the user's shareterm got SIGHUP/,
  }));

test.serial('share: an internal crash while drawing puts the terminal back; exit 70 with one line', (t) =>
  shareEnds(t, {
    end: (e) => void process.kill(e.pid, 'SIGUSR2'),
    status: 70,
    closing: [/^shareterm: internal error: test fault injected by SHARETERM_TEST_FAULT \(SHARETERM_DEBUG=1 shows more; please report it\)$/],
  }));

test.serial('share: with SHARETERM_DEBUG an internal crash also prints its stack, naming our source files (the minified bundle is mapped back)', async (t) => {
  const dir = tempDir('shareterm-restore-');
  const { listen, port, fingerprint } = await listenOn(dir);
  const share = shareTo(dir, port, fingerprint, { recorded: true, env: { ...FAULT, SHARETERM_DEBUG: '1' } });
  await bothAttached(share, listen);
  process.kill(await pidOf(share), 'SIGUSR2');
  t.is(await recordedExit(share), 70, 'exit status');
  await share.waitFor(/at .*src\/view\/tty\.ts:\d+/, 'a stack frame in src/view/tty.ts');
  t.pass();
});

test.serial('listen: the shell exiting puts the terminal back; --once exits 0', (t) =>
  listenEnds(t, {
    end: (e) => e.share.type('\r'),
    status: 0,
    closing: [/^shareterm: session with \S+ ended: the shell exited$/],
  }));

test.serial('listen: the helper leaving (C-b d) puts the terminal back while it waits for the next share; Ctrl-C then exits 0', (t) =>
  listenEnds(t, {
    async end(e) {
      e.listen.type(`${C_B}d`);
      await e.listen.waitFor(/ended: the helper left[\s\S]*waiting for the next share/, 'listen back to waiting');
      await e.share.waitFor(/left: the helper left/, 'the user told');
      // Back to waiting: the terminal is already restored, and Ctrl-C is a signal again.
      t.is(sttyOf(e.pid), recordingOf(e.listen).sttyBefore(), 'tty settings restored while waiting');
      t.false(e.listen.model.modes().altScreen);
      e.listen.type('\x03');
    },
    status: 0,
    closing: [/^shareterm: session with \S+ ended: the helper left$/, /^shareterm: waiting for the next share on port \d+$/, /^\^C$/],
  }, []));

test.serial('listen: the user ending the session (C-b d, y) puts the terminal back; --once exits 0', (t) =>
  listenEnds(t, {
    async end(e) {
      e.share.type(`${C_B}d`);
      await e.share.waitFor(/End sharing .*\(y\/n\)/, 'the question');
      e.share.type('y');
    },
    status: 0,
    closing: [/^shareterm: session with \S+ ended: the user ended the session$/],
  }));

test.serial('listen: SIGTERM leaves the session and puts the terminal back; exit 143', (t) =>
  listenEnds(t, {
    end: (e) => void process.kill(e.pid, 'SIGTERM'),
    status: 143,
    closing: [/^shareterm: session with \S+ ended: the helper's shareterm got SIGTERM$/],
    other: /left: the helper's shareterm got SIGTERM/,
  }));

test.serial('listen: SIGHUP leaves the session and puts the terminal back; exit 129', (t) =>
  listenEnds(t, {
    end: (e) => void process.kill(e.pid, 'SIGHUP'),
    status: 129,
    closing: [/^shareterm: session with \S+ ended: the helper's shareterm got SIGHUP$/],
    other: /left: the helper's shareterm got SIGHUP/,
  }));

test.serial('listen: an internal crash while drawing puts the terminal back; exit 70 with one line', (t) =>
  listenEnds(t, {
    end: (e) => void process.kill(e.pid, 'SIGUSR2'),
    status: 70,
    closing: [/^shareterm: internal error: test fault injected by SHARETERM_TEST_FAULT \(SHARETERM_DEBUG=1 shows more; please report it\)$/],
  }));

test.serial("share: the user's terminal going away (a real hangup) ends the session for the helper; exit 129", async (t) => {
  const dir = tempDir('shareterm-restore-');
  const { listen, port, fingerprint } = await listenOn(dir);
  const share = shareTo(dir, port, fingerprint, { recorded: true });
  await bothAttached(share, listen);
  await pidOf(share);
  await share.waitFor(/^\$$/m, 'the prompt');
  hangUp(share);
  await listen.waitFor(/ended: the user's shareterm got SIGHUP/, 'the helper told the session ended');
  const rec = recordingOf(share);
  await until(() => rec.status() !== undefined, 'the share to exit');
  t.is(rec.status(), 129);
});

test.serial("listen: the helper's terminal going away (a real hangup) leaves the session; exit 129", async (t) => {
  const dir = tempDir('shareterm-restore-');
  const { listen, port, fingerprint } = await listenOn(dir, { recorded: true });
  const share = shareTo(dir, port, fingerprint, { closeInherited: true });
  await bothAttached(share, listen);
  await pidOf(listen);
  hangUp(listen);
  await share.waitFor(/left: the helper's shareterm got SIGHUP/, 'the user told the helper left');
  const rec = recordingOf(listen);
  await until(() => rec.status() !== undefined, 'listen to exit');
  t.is(rec.status(), 129);
  // The user's session carries on.
  share.type('echo still-$((2*4))\r');
  await share.waitFor(/^still-8$/m, "the user's shell still answering");
});
