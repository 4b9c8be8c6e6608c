// Load on the listener: while a session runs, 200 junk connections at once
// (plain TCP, stalled TLS handshakes, garbage frames, oversized length
// prefixes) are each closed within the handshake deadline, the session keeps
// echoing, and the listener's memory does not run away.
import test from 'ava';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { startPair } from '../helpers/pair.js';
import { closeAllTerms } from '../helpers/term.js';
import { HANDSHAKE_DEADLINE } from '../../src/listen/listen.js';

test.afterEach.always(closeAllTerms);

function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0; // MB
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** Echo times (ms) of `n` keystrokes typed by the helper into `cat`. */
async function echoes(term: import('../helpers/term.js').Term, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const ch = LETTERS[i % LETTERS.length]!;
    times.push(await term.echoTime(ch));
  }
  return times;
}

test.serial('200 junk connections: each closed within the deadline; the session keeps echoing; memory stays bounded', async (t) => {
  const p = await startPair();
  await p.share.waitFor(/^\$$/m, 'prompt');
  p.share.type('cat\r');
  await p.listen.waitFor(/^\$ cat$/m, 'cat running');
  const before = await echoes(p.listen, 40);
  const rssBefore = rss(p.listen.pty.pid);

  const started = Date.now();
  const lifetimes: number[] = [];
  const closed: Promise<void>[] = [];
  const open = (sock: net.Socket): void => {
    const at = Date.now();
    sock.on('error', () => {});
    sock.resume();
    closed.push(new Promise((resolve) => sock.on('close', () => {
      lifetimes.push(Date.now() - at);
      resolve();
    })));
  };
  for (let i = 0; i < 50; i++) {
    // Plain TCP speaking something else.
    const a = net.connect(p.port, '127.0.0.1', () => a.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    open(a);
    // A TLS handshake that starts and stalls (half a ClientHello).
    const b = net.connect(p.port, '127.0.0.1', () => b.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])));
    open(b);
    // TLS, then garbage frames.
    const c = tls.connect({ port: p.port, host: '127.0.0.1', rejectUnauthorized: false }, () => c.write(Buffer.from([0, 0, 0, 4, 0xc1, 0xc1, 0xc1, 0xc1])));
    open(c);
    // TLS, then a length prefix far over the limit.
    const d = tls.connect({ port: p.port, host: '127.0.0.1', rejectUnauthorized: false }, () => d.write(Buffer.from([0x7f, 0xff, 0xff, 0xff])));
    open(d);
  }
  const during = await echoes(p.listen, 40);
  await Promise.race([
    Promise.all(closed),
    new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`only ${lifetimes.length} of 200 junk connections closed`)), HANDSHAKE_DEADLINE + 15000)),
  ]);
  const longest = Math.max(...lifetimes);
  t.log(`junk closed within ${longest} ms (deadline ${HANDSHAKE_DEADLINE} ms); all done ${Date.now() - started} ms after the first`);
  t.is(lifetimes.length, 200);
  t.true(longest <= HANDSHAKE_DEADLINE + 3000, `a junk connection lived ${longest} ms`);

  const p99b = percentile(before, 99);
  const p99d = percentile(during, 99);
  t.log(`helper echo p50/p99 before ${percentile(before, 50).toFixed(1)}/${p99b.toFixed(1)} ms, during ${percentile(during, 50).toFixed(1)}/${p99d.toFixed(1)} ms (the 2x figure is held by npm run bench; here only runaway is caught)`);
  t.true(p99d < Math.max(10 * p99b, 250), `echo p99 ${p99d} ms under load vs ${p99b} ms before`);

  // After the storm the session still works and memory came back near where it was.
  const after = await echoes(p.listen, 10);
  t.true(Math.max(...after) < 1000);
  const rssAfter = rss(p.listen.pty.pid);
  t.log(`listener RSS ${rssBefore.toFixed(1)} MB before, ${rssAfter.toFixed(1)} MB after`);
  t.true(rssAfter < rssBefore + 40, `listener RSS grew from ${rssBefore} to ${rssAfter} MB`);
});
