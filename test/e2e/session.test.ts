// End to end, real processes in real ptys on loopback: the user's share and
// the helper's listen see one session, both type into it, and it ends well.
import test from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { startPair } from '../helpers/pair.js';
import { until } from '../helpers/term.js';

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
