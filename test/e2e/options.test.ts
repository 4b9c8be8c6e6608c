// The flags of listen and share, through the real CLI: the --ca flow with
// certificates from `shareterm certs`, fingerprints as openssl prints them,
// tokens, client certificates, --ask, --insecure, and read-only enforced by
// the sharing side against a peer that sends keystrokes anyway.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startListen, startShare, BASH } from '../helpers/pair.js';
import { Term, tempDir, until } from '../helpers/term.js';
import { loadOrCreateIdentity } from '../../src/tls/identity.js';
import { createTlsServer } from '../../src/tls/server.js';
import { Link } from '../../src/proto/link.js';
import { MAX_FRAME } from '../../src/proto/frame.js';
import { PROTOCOL_VERSION, parseShareMessage, type ShareMessage, type ViewMessage } from '../../src/proto/messages.js';
import { TermModel } from '../../src/mux/term.js';
import { closeAllTerms } from '../helpers/term.js';

test.afterEach.always(closeAllTerms);

async function cli(args: string[], dir = tempDir()): Promise<{ code: number; out: string }> {
  const t = Term.cli(args, { cwd: dir, cols: 200 });
  const e = await t.waitExit();
  await t.flushed();
  const out = t.lines().filter((l) => l !== '').join('\n');
  await t.close();
  return { code: e.exitCode, out };
}

test.serial('certs, then listen --cert/--key and share --ca: the CA flow end to end', async (t) => {
  const dir = tempDir();
  const r = await cli(['certs', '--out', 'certs', '--name', 'helper.example.org'], dir);
  t.is(r.code, 0, r.out);
  t.regex(r.out, /server fingerprint \(SHA-256\): +([0-9A-F]{2}:){31}[0-9A-F]{2}/);
  const certs = path.join(dir, 'certs');
  for (const f of ['ca-key.pem', 'server-key.pem']) t.is(fs.statSync(path.join(certs, f)).mode & 0o777, 0o600, f);
  const san = execFileSync('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', path.join(certs, 'server.pem')]).toString();
  for (const n of ['helper.example.org', 'localhost', '127.0.0.1']) t.true(san.includes(n), `SAN ${n}`);
  // Refuses to overwrite.
  const again = await cli(['certs', '--out', 'certs'], dir);
  t.not(again.code, 0);
  t.regex(again.out, /--force/);
  // The listener with those certificates; the user verifies with the CA alone.
  const l = await startListen(['--cert', path.join(certs, 'server.pem'), '--key', path.join(certs, 'server-key.pem')]);
  try {
    const s = startShare(l.port, ['--ca', path.join(certs, 'ca.pem')], BASH, {}, l.dir);
    await s.waitFor(/shared with/, 'a share verified by the CA');
    await l.listen.waitFor(/● connected/, 'the helper attached');
    s.type('exit\r');
    t.is((await s.waitExit()).exitCode, 0);
    await s.close();
  } finally {
    await l.listen.close();
  }
});

test.serial('fingerprint prints exactly what openssl prints', async (t) => {
  const dir = tempDir();
  const id = await loadOrCreateIdentity(path.join(dir, 'cfg'));
  const ours = await cli(['fingerprint', id.certFile], dir);
  const theirs = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', id.certFile]).toString().trim();
  t.is(ours.code, 0);
  t.is(ours.out, theirs.replace(/^sha256 Fingerprint=/i, ''));
  t.regex(ours.out, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
});

test.serial('listen --token: a share without it is refused, with it accepted', async (t) => {
  const l = await startListen(['--token', 's3cret']);
  try {
    const bad = startShare(l.port, ['--fingerprint', l.fingerprint, '--token', 'guess'], BASH, {}, l.dir);
    t.not((await bad.waitExit()).exitCode, 0);
    await bad.flushed();
    t.regex(bad.lines().join(''), /refused the share: wrong or missing token — check --token/);
    await bad.close();
    const none = startShare(l.port, ['--fingerprint', l.fingerprint], BASH, {}, l.dir);
    t.not((await none.waitExit()).exitCode, 0);
    await none.close();
    const good = startShare(l.port, ['--fingerprint', l.fingerprint, '--token', 's3cret'], BASH, {}, l.dir);
    await good.waitFor(/shared with/, 'the share with the right token');
    await good.close();
  } finally {
    await l.listen.close();
  }
});

test.serial('listen --client-ca: only a share with a certificate from that CA gets in', async (t) => {
  const dir = tempDir();
  t.is((await cli(['certs', '--out', 'pki', '--client', 'alice'], dir)).code, 0);
  const pki = path.join(dir, 'pki');
  const l = await startListen(['--client-ca', path.join(pki, 'ca.pem')]);
  try {
    const anon = startShare(l.port, ['--fingerprint', l.fingerprint], BASH, {}, l.dir);
    t.not((await anon.waitExit()).exitCode, 0);
    await anon.flushed();
    t.regex(anon.lines().join(''), /client certificate/);
    await anon.close();
    const alice = startShare(l.port, ['--fingerprint', l.fingerprint, '--cert', path.join(pki, 'client.pem'), '--key', path.join(pki, 'client-key.pem')], BASH, {}, l.dir);
    await alice.waitFor(/shared with/, 'the share with a client certificate');
    // Said before the view takes over the screen (in the scrolled-away lines).
    await until(() => /attaching to .*certificate: alice/.test(l.listen.rawText()), 'the helper told who it is');
    await alice.close();
  } finally {
    await l.listen.close();
  }
});

test.serial('listen --ask: the helper sees who is connecting and decides', async (t) => {
  const l = await startListen(['--ask']);
  try {
    const s1 = startShare(l.port, ['--fingerprint', l.fingerprint, '--name', 'Alice Example'], BASH, {}, l.dir);
    await l.listen.waitFor(/share request: Alice Example from 127\.0\.0\.1[\s\S]*Accept\? \[y\/N\]/, 'the question');
    await s1.waitFor(/waiting for the helper to accept/, 'the user told to wait');
    l.listen.type('n\r');
    t.not((await s1.waitExit()).exitCode, 0);
    await s1.flushed();
    t.regex(s1.lines().join(''), /declined/);
    await s1.close();
    const s2 = startShare(l.port, ['--fingerprint', l.fingerprint, '--name', 'Alice Example'], BASH, {}, l.dir);
    await l.listen.waitFor((s) => (s.match(/Accept\? \[y\/N\]/g) ?? []).length === 2, 'the second question');
    l.listen.type('y\r');
    await s2.waitFor(/shared with/, 'the accepted share');
    await s2.close();
  } finally {
    await l.listen.close();
  }
});

test.serial('share --insecure warns on every start', async (t) => {
  const l = await startListen([]);
  try {
    const s = startShare(l.port, ['--insecure'], BASH, {}, l.dir);
    await s.waitFor(/WARNING: --insecure: the helper is not verified/, 'the warning');
    await s.waitFor(/shared with/, 'the share');
    await s.close();
    t.pass();
  } finally {
    await l.listen.close();
  }
});

test.serial('share --read-only is enforced by the sharing side against a peer that types anyway', async (t) => {
  // A modified listener: accepts, claims it may type, sends keystrokes and commands.
  const dir = tempDir();
  const id = await loadOrCreateIdentity(path.join(dir, 'fake'));
  const server = createTlsServer({ cert: id.cert, key: id.key, handshakeTimeoutMs: 10000 });
  const seen: ShareMessage[] = [];
  const replica = new TermModel({ cols: 80, rows: 23, scrollback: 100 });
  let link: Link<ShareMessage, ViewMessage> | undefined;
  server.on('secureConnection', (sock) => {
    link = new Link<ShareMessage, ViewMessage>(sock, { parse: parseShareMessage, maxFrame: MAX_FRAME });
    link.onMessage.on((m) => {
      seen.push(m);
      if (m.t === 'hello') link!.send({ t: 'hello', v: PROTOCOL_VERSION, role: 'view', app: 'evil', name: 'mallory', readOnly: false, cols: 80, rows: 24, viewer: 'evil' });
      if (m.t === 'snap') {
        replica.reset(m.cols, m.rows);
        replica.write(m.data);
      }
      if (m.t === 'out') replica.write(m.data);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const s = startShare(port, ['--fingerprint', id.fingerprint, '--read-only'], BASH, {}, dir);
  try {
    await s.waitFor(/mallory ro/, "the user's status bar shows the helper read-only");
    await until(() => seen.some((m) => m.t === 'snap'), 'the snapshot');
    link!.send({ t: 'in', data: Buffer.from('echo HACKED-$((1+1))\r'), seq: 1 });
    link!.send({ t: 'cmd', name: 'new-window', args: [] });
    link!.send({ t: 'cmd', name: 'toggle-write', args: [] });
    await until(() => seen.filter((m) => m.t === 'msg').length >= 2, 'the refusals of the commands');
    const notices = seen.filter((m) => m.t === 'msg').map((m) => (m as { text: string }).text);
    t.true(notices.includes('you are read-only'));
    t.true(notices.includes('only the user sharing the session can do that'));
    // The user types afterwards: their marker shows, the peer's never ran.
    s.type('echo user-$((3+4))\r');
    await s.waitFor(/^user-7$/m, "the user's own command");
    t.notRegex(s.text(), /HACKED-2/);
    const layout = [...seen].reverse().find((m) => m.t === 'layout');
    t.is(layout && layout.t === 'layout' ? layout.windows.length : 0, 1);
    t.false(layout && layout.t === 'layout' ? layout.clients.find((c) => c.name === 'mallory')!.rw : true);
  } finally {
    await s.close();
    link?.destroy('done');
    server.close();
    replica.dispose();
  }
});
