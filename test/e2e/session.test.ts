// End to end, real processes in real ptys on loopback: the user's share and
// the helper's listen see one session, both type into it, and it ends well.
import test from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { startPair } from '../helpers/pair.js';
import { until } from '../helpers/term.js';
import { closeAllTerms } from '../helpers/term.js';

test.afterEach.always(closeAllTerms);

test.serial('both sides type and both screens show both outputs', async (t) => {
  const p = await startPair();
  try {
    await p.share.waitFor(/^\$$/m, 'the prompt on the user side');
    p.share.type('echo from-$((40+2))-user\r');
    await p.listen.waitFor(/^from-42-user$/m, 'user output on the helper screen');
    p.listen.type('echo from-$((50+5))-helper\r');
    await p.share.waitFor(/^from-55-helper$/m, 'helper output on the user screen');
    await p.listen.waitFor(/^from-55-helper$/m, 'helper output on the helper screen');
    // The windows show the same text line for line (status bars differ; the
    // helper's larger terminal marks the unused area with dots).
    const body = (s: string[]): string[] => s.slice(0, 6);
    await until(async () => {
      await p.share.flushed();
      await p.listen.flushed();
      return JSON.stringify(body(p.share.lines())) === JSON.stringify(body(p.listen.lines()));
    }, 'both screens to agree');
    t.regex(p.share.lines()[23]!, /you rw .*● shared with/);
    t.regex(p.listen.lines()[29]!, /\(user\) rw · you rw .*● connected/);
  } finally {
    await p.close();
  }
});

test.serial('UTF-8 arrives byte for byte and a 1 MB paste from the helper is intact', async (t) => {
  const p = await startPair();
  try {
    await p.share.waitFor(/^\$$/m, 'prompt');
    // Typed by the helper: multi-byte text and a control key (C-u clears the line).
    const text = '日本語 ünïcödé 😀 e\u0301';
    p.listen.type(`echo garbage\x15printf "%s" "${text}" | od -An -tx1 | tr -d " \\n"; echo\r`);
    const hex = Buffer.from(text).toString('hex');
    await p.share.waitFor(new RegExp(`^${hex}$`, 'm'), 'the hex dump of the UTF-8 text');
    // 1 MiB of printable text pasted by the helper, checksummed by the shell.
    const data = randomBytes(786432).toString('base64'); // 1 MiB, no newlines
    const sum = createHash('sha256').update(data).digest('hex');
    p.listen.type(`stty -icanon -echo min 1; echo READY-$((6*7)); head -c ${data.length} | sha256sum; stty sane\r`);
    await p.share.waitFor(/^READY-42$/m, 'the shell to be ready for the paste');
    p.listen.type(data);
    await p.share.waitFor(new RegExp(`^${sum}  -$`, 'm'), 'the checksum of the paste', 60000);
    await p.listen.waitFor(new RegExp(`^${sum}  -$`, 'm'), 'the checksum on the helper side');
    t.pass();
  } finally {
    await p.close();
  }
});

test.serial('the session is the smaller terminal less the status bar, and follows resizes on either side', async (t) => {
  const p = await startPair({ user: { cols: 80, rows: 24 }, helper: { cols: 100, rows: 30 } });
  try {
    await p.share.waitFor(/^\$$/m, 'prompt');
    p.share.type('clear; stty size\r');
    await p.listen.waitFor(/^23 80$/m, 'the size of the smaller (user) terminal');
    p.share.resize(70, 20);
    // Type only once the share has taken the resize (its status bar moved up).
    await until(async () => {
      await p.share.flushed();
      return /shared with/.test(p.share.lines()[19] ?? '');
    }, 'the user side to redraw at 70x20');
    p.share.type('clear; stty size\r');
    await p.listen.waitFor(/^19 70$/m, 'the user shrinking the session');
    p.listen.resize(60, 15);
    await until(async () => {
      await p.listen.flushed();
      return /connected/.test(p.listen.lines()[14] ?? '');
    }, 'the helper side to redraw at 60x15');
    p.listen.type('clear; stty size\r');
    await p.share.waitFor(/^14 60$/m, 'the helper shrinking the session');
    // The user's larger terminal now marks the area outside the session.
    await until(async () => {
      await p.share.flushed();
      return /^14 60 +·{10}$/.test(p.share.model.lineText(0));
    }, 'the unused area of the larger user terminal marked');
    t.regex(p.listen.lines()[14]!, /● connected/);
  } finally {
    await p.close();
  }
});

test.serial('the shell exiting ends the session on both sides; share exits 0 and listen waits for the next', async (t) => {
  const p = await startPair();
  try {
    await p.share.waitFor(/^\$$/m, 'prompt');
    p.listen.type('exit\r');
    const e = await p.share.waitExit();
    t.is(e.exitCode, 0);
    t.regex(p.share.text(), /session ended: the shell exited/);
    await p.listen.waitFor(/ended: the shell exited[\s\S]*waiting for the next share/, 'listen to say why and wait');
    // And it does take the next one.
    const { startShare } = await import('../helpers/pair.js');
    const again = startShare(p.port, ['--fingerprint', p.fingerprint], undefined, {}, p.dir);
    try {
      await again.waitFor(/shared with/, 'a second share');
      await p.listen.waitFor(/● connected/, 'the helper to show the second session');
    } finally {
      await again.close();
    }
  } finally {
    await p.close();
  }
});

test.serial('listen --once exits after the session ends', async (t) => {
  const p = await startPair({ listenArgs: ['--once'] });
  try {
    await p.share.waitFor(/^\$$/m, 'prompt');
    p.share.type('exit\r');
    t.is((await p.listen.waitExit()).exitCode, 0);
    t.regex(p.listen.text(), /ended: the shell exited/);
    t.is((await p.share.waitExit()).exitCode, 0);
  } finally {
    await p.close();
  }
});

test.serial("the helper leaving (C-b d, or its process dying) leaves the user's shell and terminal working", async (t) => {
  const p = await startPair();
  try {
    await p.share.waitFor(/^\$$/m, 'prompt');
    p.share.type('X=kept-$((1+1))\r');
    p.listen.type('\x02d');
    await p.listen.waitFor(/ended: the helper left[\s\S]*waiting for the next share/, 'the helper to leave');
    await p.share.waitFor(/helper left/, 'the user to see the helper left');
    p.share.type('echo "$X"\r');
    await p.share.waitFor(/^kept-2$/m, "the user's shell still working");
    // Attach again, then kill the helper's process outright.
    const { startShare } = await import('../helpers/pair.js');
    await p.share.close();
    const s2 = startShare(p.port, ['--fingerprint', p.fingerprint], undefined, {}, p.dir);
    try {
      await s2.waitFor(/shared with/, 'the second share');
      await p.listen.waitFor(/● connected/, 'helper attached again');
      p.listen.pty.kill('SIGKILL');
      await s2.waitFor(/reconnecting/, 'the user to notice the helper vanished');
      s2.type('echo still-$((3*3))\r');
      await s2.waitFor(/^still-9$/m, 'the shell still answering');
      t.pass();
    } finally {
      await s2.close();
    }
  } finally {
    await p.close();
  }
});

test.serial('listen --read-only: the helper watches, its keys never reach the shell', async (t) => {
  const p = await startPair({ listenArgs: ['--read-only'] });
  try {
    await p.share.waitFor(/^\$$/m, 'prompt');
    await p.share.waitFor(/ ro │/, "the user's status bar to show the helper read-only");
    p.listen.type('echo SHOULD-NOT-RUN\r');
    await p.listen.waitFor(/read-only: your keys are not sent/, 'the helper told it is read-only');
    p.share.type('echo user-$((2+3))\r');
    await p.listen.waitFor(/^user-5$/m, 'the helper still sees output');
    t.notRegex(p.share.text(), /SHOULD-NOT-RUN/);
  } finally {
    await p.close();
  }
});
