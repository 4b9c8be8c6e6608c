// dial() against real TLS servers on 127.0.0.1: every policy accepts what it
// should, refuses what it should with the right check, and a refused helper
// never receives a single application byte.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import anyTest, { type TestFn } from 'ava';
import { UserError } from '../../src/cli/errors.js';
import { dial, VerifyError, type VerifyCheck, type VerifyPolicy } from '../../src/tls/dial.js';
import { fingerprintOfPem } from '../../src/tls/fingerprint.js';
import { KnownHosts } from '../../src/tls/known-hosts.js';
import { makeFixtures, startServer, tmpDir, type Fixtures, type Pem } from './helpers.js';

const test = anyTest as TestFn<Fixtures>;

test.before(async (t) => {
  t.context = await makeFixtures();
});

/** Dials `pem`'s server with `policy`, expects refusal by `check`, and proves the server got nothing. */
async function refused(
  t: import('ava').ExecutionContext<Fixtures>,
  pem: Pem,
  policy: VerifyPolicy,
  check: VerifyCheck,
  host = '127.0.0.1',
): Promise<VerifyError> {
  const server = await startServer(t, pem);
  const err = await t.throwsAsync(dial({ host, port: server.port, policy }), { instanceOf: VerifyError });
  t.is(err!.check, check);
  t.false(err!.message.includes('\n'), 'one line');
  await server.allClosed();
  t.is(server.stats.tcpConnections, 1);
  t.is(server.stats.appBytes, 0, 'no application byte reached the server');
  return err!;
}

test('ca: accepts the server for localhost and 127.0.0.1, and bytes flow after', async (t) => {
  const server = await startServer(t, t.context.server);
  for (const host of ['localhost', '127.0.0.1']) {
    const d = await dial({ host, port: server.port, policy: { kind: 'ca', caFile: t.context.caFile } });
    t.is(d.fingerprint, fingerprintOfPem(t.context.server.cert));
    t.is(d.protocol, 'TLSv1.3');
    t.false(d.newlyTrusted);
    d.socket.end(`hello from ${host}`);
  }
  await server.allClosed();
  t.is(server.stats.received, 'hello from localhosthello from 127.0.0.1');
});

test('ca: unknown CA (server signed by another CA)', async (t) => {
  const err = await refused(t, t.context.otherServer, { kind: 'ca', caFile: t.context.caFile }, 'unknown-ca');
  t.regex(err.message, /not signed by the CA in .*ca\.pem \(unknown CA/);
  t.regex(err.message, /--ca/);
});

test('ca: unknown CA (self-signed server)', async (t) => {
  await refused(t, t.context.selfSigned, { kind: 'ca', caFile: t.context.caFile }, 'unknown-ca', 'localhost');
});

test('ca: name mismatch (dial 127.0.0.1, certificate names only example.invalid)', async (t) => {
  const err = await refused(t, t.context.exampleOnly, { kind: 'ca', caFile: t.context.caFile }, 'name-mismatch');
  t.regex(err.message, /does not name 127\.0\.0\.1 \(name mismatch; it names example\.invalid\)/);
  t.regex(err.message, /shareterm certs --name 127\.0\.0\.1/);
});

test('ca: name mismatch by host name too', async (t) => {
  const err = await refused(t, t.context.exampleOnly, { kind: 'ca', caFile: t.context.caFile }, 'name-mismatch', 'localhost');
  t.regex(err.message, /does not name localhost/);
});

test('ca: expired certificate', async (t) => {
  const err = await refused(t, t.context.expired, { kind: 'ca', caFile: t.context.caFile }, 'expired');
  t.regex(err.message, /expired on 2020-12-31 \(expired\)/);
});

test('ca: certificate not yet valid', async (t) => {
  const err = await refused(t, t.context.future, { kind: 'ca', caFile: t.context.caFile }, 'not-yet-valid');
  t.regex(err.message, /not valid until \d{4}-\d\d-\d\d \(not yet valid\)/);
});

test('ca: a missing or wrong CA file is a UserError before any connection', async (t) => {
  const missing = path.join(t.context.dir, 'nope.pem');
  const err = await t.throwsAsync(dial({ host: '127.0.0.1', port: 1, policy: { kind: 'ca', caFile: missing } }), { instanceOf: UserError });
  t.regex(err!.message, /nope\.pem does not exist — check --ca/);
});

test('fingerprint: accepts the pinned certificate, in any accepted spelling', async (t) => {
  const server = await startServer(t, t.context.selfSigned);
  const fp = fingerprintOfPem(t.context.selfSigned.cert);
  const d = await dial({ host: '127.0.0.1', port: server.port, policy: { kind: 'fingerprint', fingerprint: fp.toLowerCase() } });
  t.is(d.fingerprint, fp);
  d.socket.end('ok');
  await server.allClosed();
  t.is(server.stats.received, 'ok');
});

test('fingerprint: pin mismatch', async (t) => {
  const pin = fingerprintOfPem(t.context.otherServer.cert);
  const err = await refused(t, t.context.server, { kind: 'fingerprint', fingerprint: pin }, 'pin-mismatch');
  t.true(err.message.includes(`does not match --fingerprint ${pin} (pin mismatch)`));
  t.true(err.message.includes(fingerprintOfPem(t.context.server.cert)));
});

test('tofu: first contact asks once, records 0600 known_hosts, second dial does not ask', async (t) => {
  const server = await startServer(t, t.context.server);
  const dir = path.join(tmpDir(), 'config');
  const file = path.join(dir, 'known_hosts');
  const asked: { host: string; port: number; fingerprint: string }[] = [];
  const policy: VerifyPolicy = {
    kind: 'tofu',
    knownHostsFile: file,
    ask: async (q) => {
      asked.push(q);
      // The probe connection is closed while the person reads, not held open.
      await server.allClosed();
      t.is(server.stats.appBytes, 0);
      return true;
    },
  };
  const fp = fingerprintOfPem(t.context.server.cert);

  const first = await dial({ host: '127.0.0.1', port: server.port, policy });
  t.true(first.newlyTrusted);
  t.deepEqual(asked, [{ host: '127.0.0.1', port: server.port, fingerprint: fp }]);
  t.is(fs.statSync(file).mode & 0o777, 0o600);
  t.is(fs.statSync(dir).mode & 0o777, 0o700);
  t.is((await KnownHosts.load(file)).lookup('127.0.0.1', server.port), fp);
  t.is(fs.readFileSync(file, 'utf8'), `127.0.0.1:${server.port} ${fp}\n`);
  first.socket.end('one');

  const second = await dial({ host: '127.0.0.1', port: server.port, policy });
  t.false(second.newlyTrusted);
  t.is(asked.length, 1, 'not asked again');
  second.socket.end('two');
  await server.allClosed();
  // The first contact's probe connection closed before asking: it carried nothing.
  t.is(server.stats.tcpConnections, 3);
  t.is(server.stats.received, 'onetwo');
});

test('tofu: a changed fingerprint is refused loudly', async (t) => {
  const file = path.join(tmpDir(), 'known_hosts');
  const server = await startServer(t, t.context.server);
  const old = fingerprintOfPem(t.context.otherServer.cert);
  fs.writeFileSync(file, `# trusted earlier\n127.0.0.1:${server.port} ${old}\n`);
  let asked = 0;
  const err = await t.throwsAsync(
    dial({ host: '127.0.0.1', port: server.port, policy: { kind: 'tofu', knownHostsFile: file, ask: async () => {
      asked++;
      return true;
    } } }),
    { instanceOf: VerifyError },
  );
  t.is(err!.check, 'tofu-changed');
  t.is(asked, 0, 'never asked, never silently accepted');
  t.regex(err!.message, /^WARNING: the certificate of 127\.0\.0\.1:\d+ has CHANGED \(was [0-9A-F:]{95}, now [0-9A-F:]{95}\) — possible man-in-the-middle/);
  t.true(err!.message.includes(`remove the line for 127.0.0.1:${server.port} from ${file}`));
  t.false(err!.message.includes('\n'));
  await server.allClosed();
  t.is(server.stats.appBytes, 0);
  t.true(fs.readFileSync(file, 'utf8').includes(old), 'known_hosts untouched');
});

test('tofu: no terminal to ask on names --fingerprint and the fingerprint', async (t) => {
  const file = path.join(tmpDir(), 'known_hosts');
  const err = await refused(t, t.context.server, { kind: 'tofu', knownHostsFile: file, ask: null }, 'tofu-no-tty');
  const fp = fingerprintOfPem(t.context.server.cert);
  t.true(err.message.includes(`--fingerprint ${fp}`));
  t.regex(err.message, /--ca FILE/);
  t.false(fs.existsSync(file));
});

test('tofu: declined', async (t) => {
  const file = path.join(tmpDir(), 'known_hosts');
  let asked = 0;
  const err = await refused(t, t.context.server, { kind: 'tofu', knownHostsFile: file, ask: async () => {
    asked++;
    return false;
  } }, 'tofu-declined');
  t.is(asked, 1);
  t.regex(err.message, /declined/);
  t.false(fs.existsSync(file));
});

test('tofu: IPv6 host is stored bracketed', async (t) => {
  const server = await startServer(t, t.context.server);
  const file = path.join(tmpDir(), 'known_hosts');
  // The test server listens on 127.0.0.1 only; dial it by name and check the key format separately.
  const d = await dial({ host: 'localhost', port: server.port, policy: { kind: 'tofu', knownHostsFile: file, ask: async () => true } });
  d.socket.destroy();
  const kh = await KnownHosts.load(file);
  await kh.add('::1', 7373, d.fingerprint);
  t.regex(fs.readFileSync(file, 'utf8'), /^\[::1\]:7373 /m);
  t.is((await KnownHosts.load(file)).lookup('::1', 7373), d.fingerprint);
});

test('insecure: accepts anything', async (t) => {
  const server = await startServer(t, t.context.expired);
  const d = await dial({ host: '127.0.0.1', port: server.port, policy: { kind: 'insecure' } });
  t.is(d.fingerprint, fingerprintOfPem(t.context.expired.cert));
  d.socket.destroy();
});

test('connection refused', async (t) => {
  const port = await freePort();
  const err = await t.throwsAsync(dial({ host: '127.0.0.1', port, policy: { kind: 'insecure' } }), { instanceOf: UserError });
  t.is(err!.message, `connection refused by 127.0.0.1:${port} — is shareterm listen running there?`);
});

test('host that does not resolve', async (t) => {
  const err = await t.throwsAsync(
    dial({ host: 'no-such-host.invalid', port: 7373, policy: { kind: 'insecure' }, connectTimeoutMs: 10_000 }),
    { instanceOf: UserError },
  );
  t.regex(err!.message, /^cannot resolve host no-such-host\.invalid/);
});

test('a peer that is not TLS', async (t) => {
  const plain = net.createServer((s) => s.end('SSH-2.0-OpenSSH_9.6\r\n'));
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  t.teardown(() => plain.close());
  const port = (plain.address() as net.AddressInfo).port;
  const err = await t.throwsAsync(dial({ host: '127.0.0.1', port, policy: { kind: 'insecure' } }), { instanceOf: UserError });
  t.regex(err!.message, /^(TLS handshake with 127\.0\.0\.1:\d+ failed|127\.0\.0\.1:\d+ does not speak TLS).*is that a shareterm listener\?$/);
});

test('a peer that never answers the handshake times out', async (t) => {
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((s) => sockets.add(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const port = (silent.address() as net.AddressInfo).port;
  const err = await t.throwsAsync(dial({ host: '127.0.0.1', port, policy: { kind: 'insecure' }, connectTimeoutMs: 300 }), { instanceOf: UserError });
  t.regex(err!.message, /^TLS handshake with 127\.0\.0\.1:\d+ timed out after 0\.3 s/);
});

/** A port nobody listens on: bind port 0, note it, close. */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
