// The real pty (node-pty underneath): input is written on this thread, and
// what the program has no room for waits its turn, in order.
import test from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { spawnPty, type Pty } from '../../src/mux/pty.js';

/** Resolve once the program's output so far matches `re`; reject after `ms`. */
function output(p: Pty, re: RegExp, ms = 10_000): Promise<string> {
  let seen = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out waiting for ${re}; output: ${JSON.stringify(seen.slice(-400))}`));
    }, ms);
    const sub = p.onData((d) => {
      seen += Buffer.from(d).toString('latin1');
      const m = re.exec(seen);
      if (m) {
        clearTimeout(timer);
        sub.dispose();
        resolve(m[1] ?? m[0]);
      }
    });
  });
}

function shell(script: string): Pty {
  return spawnPty({ file: '/bin/sh', args: ['-c', script], cwd: '/', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm-256color' }, cols: 80, rows: 24 });
}

test.serial('input a stopped program has no room for waits without blocking, and arrives whole and in order', async (t) => {
  const size = 300_000; // far more than the kernel's pty buffer
  const p = shell(`stty raw -echo; echo READY; head -c ${size} | sha256sum; echo DONE`);
  t.teardown(() => p.kill('SIGKILL'));
  await output(p, /READY/);
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
  // rest is written while it reads again, and must queue behind the rest.
  const sum = output(p, /([0-9a-f]{64})/, 20_000);
  process.kill(-p.pid, 'SIGCONT');
  while (o < size) {
    o = write(o, i++);
    await new Promise((resolve) => setImmediate(resolve));
  }
  t.is(await sum, createHash('sha256').update(data).digest('hex'));
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
