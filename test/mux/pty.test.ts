// The real pty (node-pty underneath): input is written on this thread, and
// what the program has no room for waits its turn, in order.
import test from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { spawnPty, type Pty } from '../../src/mux/pty.js';
import { until } from '../helpers/term.js';

/** Everything a program has printed so far, as latin1 text. */
function collect(p: Pty): { text: string } {
  const out = { text: '' };
  p.onData((d) => (out.text += Buffer.from(d).toString('latin1')));
  return out;
}

function shell(script: string): Pty {
  return spawnPty({ file: '/bin/sh', args: ['-c', script], cwd: '/', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm-256color' }, cols: 80, rows: 24 });
}

test.serial('input a stopped program has no room for waits without blocking, and arrives whole and in order', async (t) => {
  const size = 300_000; // far more than the kernel's pty buffer
  const p = shell(`stty raw -echo; echo READY; head -c ${size} | sha256sum; echo DONE`);
  t.teardown(() => p.kill('SIGKILL'));
  const out = collect(p);
  await until(() => out.text.includes('READY'), 'the program to be ready');
  process.kill(-p.pid, 'SIGSTOP');
  // Printable bytes (raw mode passes them as they are), in pieces of every
  // size, as strings and as buffers the caller reuses at once.
  const data = Buffer.from(randomBytes(size).map((b) => 0x21 + (b % 94)));
  const reused = new Uint8Array(8192);
  const write = (from: number, i: number): number => {
    const n = Math.min(size - from, 1 + ((i * 7919) % 8192));
    const piece = data.subarray(from, from + n);
    if (i % 3 === 0) {
      p.write(piece.toString('latin1'));
    } else {
      reused.set(piece);
      p.write(reused.subarray(0, n));
      reused.fill(0x30); // the pty must have taken its copy
    }
    return from + n;
  };
  let o = 0;
  let i = 0;
  while (o < (size * 2) / 3) o = write(o, i++);
  // Every write returned with the program stopped: nothing blocked. The
  // rest is written while it reads again, behind what is still queued.
  process.kill(-p.pid, 'SIGCONT');
  while (o < size) {
    o = write(o, i++);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await until(() => /[0-9a-f]{64}/.test(out.text), 'the checksum of the input', 20_000);
  t.is(/[0-9a-f]{64}/.exec(out.text)![0], createHash('sha256').update(data).digest('hex'));
});

test.serial('writing to a program that has exited is harmless', async (t) => {
  const p = shell('exit 0');
  const exited = new Promise<void>((resolve) => p.onExit(() => resolve()));
  await exited;
  t.notThrows(() => {
    p.write('after the end\r');
    p.write(new Uint8Array(100_000));
  });
});
