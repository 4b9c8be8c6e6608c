// Refusals, through the real CLI: a helper that fails verification gets
// nothing of the session and the user gets one line naming the failed
// check; a listener survives strangers and junk, and still serves a share.
import test from 'ava';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { makeFixtures, type Fixtures } from '../tls/helpers.js';
import { startListen, startShare, startPair, BASH } from '../helpers/pair.js';
import { Term, BIN, baseEnv, tempDir, until } from '../helpers/term.js';
import { encodeFrame } from '../../src/proto/frame.js';
import { PROTOCOL_VERSION } from '../../src/proto/messages.js';
import { closeAllTerms } from '../helpers/term.js';

test.afterEach.always(closeAllTerms);

let fx: Fixtures;
const files: Record<string, { cert: string; key: string }> = {};

test.before(async () => {
  fx = await makeFixtures();
  for (const name of ['server', 'otherServer', 'expired', 'exampleOnly'] as const) {
    const cert = path.join(fx.dir, `${name}.pem`);
    const key = path.join(fx.dir, `${name}-key.pem`);
    fs.writeFileSync(cert, fx[name].cert);
    fs.writeFileSync(key, fx[name].key, { mode: 0o600 });
    files[name] = { cert, key };
  }
});

/** Run a refused share and return what it printed; asserts it failed and the helper saw nothing. */
async function refused(listenCert: keyof typeof files | null, shareArgs: string[], env: Record<string, string> = {}): Promise<string> {
  const l = await startListen(listenCert ? ['--cert', files[listenCert]!.cert, '--key', files[listenCert]!.key] : []);
  try {
    const s = startShare(l.port, shareArgs, BASH, { env }, l.dir);
    const e = await s.waitExit();
    await s.flushed();
    const out = s.text().trim();
    await s.close();
    if (e.exitCode === 0) throw new Error(`share succeeded:\n${out}`);
    // Nothing of the session reached the listener: it never attached.
    await l.listen.flushed();
    if (/attaching|connected/.test(l.listen.text())) throw new Error(`the listener attached:\n${l.listen.text()}`);
    return out;
  } finally {
    await l.listen.close();
  }
}

function oneLine(t: { regex(s: string, r: RegExp): void; is(a: unknown, b: unknown): void }, out: string, re: RegExp): void {
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  const text = lines.join('');
  t.regex(text, re);
  t.regex(lines[0]!, /^shareterm: /);
  t.is(/\n\s+at /.test(out), false); // no stack trace
}

test.serial('unknown CA: refused, says so', async (t) => {
  oneLine(t, await refused('otherServer', ['--ca', fx.caFile]), /unknown CA/);
});

test.serial('name mismatch: refused, names the names the certificate has', async (t) => {
  oneLine(t, await refused('exampleOnly', ['--ca', fx.caFile]), /name mismatch.*example\.invalid/);
});

test.serial('expired certificate: refused, says expired', async (t) => {
  oneLine(t, await refused('expired', ['--ca', fx.caFile]), /expired/);
});

test.serial('fingerprint mismatch: refused, shows both', async (t) => {
  const wrong = 'AB:'.repeat(31) + 'AB';
  oneLine(t, await refused(null, ['--fingerprint', wrong]), /pin mismatch/);
});

test.serial('a changed TOFU fingerprint is refused loudly, never accepted', async (t) => {
  const l = await startListen([]);
  try {
    const cfg = path.join(l.dir, 'user-config', 'shareterm');
    fs.mkdirSync(cfg, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(cfg, 'known_hosts'), `127.0.0.1:${l.port} ${'CD:'.repeat(31)}CD\n`, { mode: 0o600 });
    const s = startShare(l.port, [], BASH, {}, l.dir);
    const e = await s.waitExit();
    await s.flushed();
    t.not(e.exitCode, 0);
    t.regex(s.lines().join(''), /CHANGED/);
    t.notRegex(l.listen.text(), /attaching/);
    await s.close();
  } finally {
    await l.listen.close();
  }
});

test.serial('TOFU with no terminal to ask on: refused, says which flag to use', async (t) => {
  const l = await startListen([]);
  try {
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [BIN, 'share', '127.0.0.1', String(l.port), '--', ...BASH], {
        env: baseEnv({ XDG_CONFIG_HOME: path.join(l.dir, 'user-config') }),
      }, (err, _out, stderr) => resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stderr }));
      child.stdin?.end();
    });
    t.not(r.code, 0);
    t.is(r.stderr.trim().split('\n').length, 1);
    t.regex(r.stderr, /no terminal to ask on.*--fingerprint/);
  } finally {
    await l.listen.close();
  }
});

test.serial('TOFU first contact asks y/N with the fingerprint; yes is remembered', async (t) => {
  const l = await startListen([]);
  try {
    const s = startShare(l.port, [], BASH, {}, l.dir);
    await s.waitFor(/not known[\s\S]*Trust it and connect\? \[y\/N\]/, 'the TOFU question');
    t.true(s.lines().join('').replace(/\s/g, '').includes(l.fingerprint));
    s.type('y\r');
    await s.waitFor(/shared with/, 'the share after trusting');
    await s.close();
    const known = fs.readFileSync(path.join(l.dir, 'user-config', 'shareterm', 'known_hosts'), 'utf8');
    t.true(known.includes(l.fingerprint));
    t.is(fs.statSync(path.join(l.dir, 'user-config', 'shareterm', 'known_hosts')).mode & 0o777, 0o600);
    // Second time (a new share replaces the vanished one): no question.
    const s2 = startShare(l.port, [], BASH, {}, l.dir);
    await s2.waitFor(/shared with/, 'a share without asking');
    t.notRegex(s2.text(), /Trust it/);
    await s2.close();
  } finally {
    await l.listen.close();
  }
});

test.serial('the listener survives strangers and junk while a session runs, and serves the next share', async (t) => {
  const p = await startPair();
  try {
    await p.share.waitFor(/^\$$/m, 'prompt');
    const closed: Promise<string>[] = [];
    const watch = (sock: net.Socket, what: string): void => {
      closed.push(new Promise((resolve) => sock.on('close', () => resolve(what))));
      sock.on('error', () => {});
      sock.resume(); // read, so the listener's close is seen
    };
    // A plain-TCP client speaking something else.
    const plain = net.connect(p.port, '127.0.0.1', () => plain.write('GET / HTTP/1.0\r\n\r\n'));
    watch(plain, 'plain TCP');
    // A TLS client that sends garbage after the handshake.
    const garbage = tls.connect({ port: p.port, host: '127.0.0.1', rejectUnauthorized: false }, () => garbage.write(Buffer.from('\x00\x00\x00\x05\xc1\xc1\xc1\xc1\xc1junk')));
    watch(garbage, 'garbage frames');
    // A TLS client announcing a 4 GiB frame.
    const huge = tls.connect({ port: p.port, host: '127.0.0.1', rejectUnauthorized: false }, () => huge.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3])));
    watch(huge, 'oversized frame');
    // A hello for another protocol version.
    const old = tls.connect({ port: p.port, host: '127.0.0.1', rejectUnauthorized: false }, () => old.write(encodeFrame({ t: 'hello', v: PROTOCOL_VERSION + 1 })));
    watch(old, 'wrong version');
    // A client that connects and never starts TLS, and one that never says hello.
    const silent = net.connect(p.port, '127.0.0.1');
    watch(silent, 'silent TCP');
    const mute = tls.connect({ port: p.port, host: '127.0.0.1', rejectUnauthorized: false });
    watch(mute, 'TLS without hello');
    // A second share while busy is refused with a reason.
    const busy = startShare(p.port, ['--fingerprint', p.fingerprint], BASH, {}, p.dir);
    const be = await busy.waitExit();
    t.not(be.exitCode, 0);
    t.regex(busy.lines().join(''), /refused the share: .*helping someone else/);
    await busy.close();
    // Every junk connection is closed by the listener (the silent ones within the deadline).
    const done = new Set<string>();
    for (const c of closed) void c.then((w) => done.add(w));
    const all = await Promise.race([
      Promise.all(closed),
      new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`junk connections left open; closed: ${[...done].join(', ')}`)), 25000)),
    ]);
    t.is(all.length, 6);
    // The session in progress went on untouched.
    p.share.type('echo alive-$((6+6))\r');
    await p.listen.waitFor(/^alive-12$/m, 'the session still flowing to the helper');
    p.share.type('exit\r');
    await p.listen.waitFor(/waiting for the next share/, 'the session to end');
    // And a correct share works afterwards.
    const next = startShare(p.port, ['--fingerprint', p.fingerprint], BASH, {}, p.dir);
    try {
      await next.waitFor(/shared with/, 'the next share');
      await p.listen.waitFor(/● connected/, 'the helper attached again');
    } finally {
      await next.close();
    }
  } finally {
    await p.close();
  }
});

/** Run the CLI in a pty and return its exit code and screen. */
async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  const term = Term.cli(args, { env: { XDG_CONFIG_HOME: path.join(tempDir(), 'cfg'), ...env } });
  const e = await term.waitExit();
  await term.flushed();
  const out = term.lines().filter((l) => l !== '').join('\n');
  await term.close();
  return { code: e.exitCode, out };
}

function assertOneLine(t: { true(v: boolean, m?: string): void; regex(s: string, r: RegExp): void; not(a: unknown, b: unknown): void }, r: { code: number; out: string }, re: RegExp): void {
  t.not(r.code, 0);
  t.regex(r.out.replace(/\n/g, ''), re);
  t.true(r.out.startsWith('shareterm: '), r.out);
  t.true(!/\n\s+at |Error:/.test(r.out), `no stack trace: ${r.out}`);
}

test.serial('bad input from the person: one line, non-zero exit, no stack trace', async (t) => {
  const dir = tempDir();
  const notCert = path.join(dir, 'not-a-cert.pem');
  fs.writeFileSync(notCert, 'hello\n');
  assertOneLine(t, await run(['listen', '--cert', path.join(dir, 'missing.pem'), '--key', files.server!.key]), /missing\.pem.*--cert/);
  assertOneLine(t, await run(['listen', '--cert', files.server!.cert, '--key', files.otherServer!.key]), /does not match/);
  assertOneLine(t, await run(['share', '127.0.0.1', '7', '--ca', files.server!.key]), /not a PEM certificate|--ca/);
  assertOneLine(t, await run(['share', '127.0.0.1', '7', '--ca', notCert]), /not a PEM certificate/);
  assertOneLine(t, await run(['fingerprint', notCert]), /not a PEM certificate|certificate/);
  // A port in use.
  const blocker = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => blocker.once('listening', r));
  const busyPort = (blocker.address() as net.AddressInfo).port;
  assertOneLine(t, await run(['listen', '--host', '127.0.0.1', '-p', String(busyPort)]), /already in use.*-p/);
  // A refused connection (the port just freed) and a host that does not resolve.
  blocker.close();
  await until(() => !blocker.listening, 'port freed');
  assertOneLine(t, await run(['share', '127.0.0.1', String(busyPort), '--insecure']), /refused/);
  assertOneLine(t, await run(['share', 'no-such-host.invalid', '7373', '--insecure']), /resolve/);
  // Usage mistakes.
  assertOneLine(t, await run(['share', '127.0.0.1', 'seventy']), /port/);
  assertOneLine(t, await run(['listen', '--bogus']), /Unknown argument|bogus/);
  assertOneLine(t, await run(['listen', '--prefix', 'x']), /--prefix/);
  assertOneLine(t, await run(['share', '127.0.0.1', '7', '--scrollback', '-1']), /--scrollback -1 is not a number of lines/);
  assertOneLine(t, await run([]), /command/);
});
