// The listener's side: mutual TLS with certificates from generateCerts, the
// client subject for display, handshake deadline, TLS 1.2 peers, openssl as a
// real peer both ways, and the constant-time token check.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import anyTest, { type ExecutionContext, type TestFn } from 'ava';
import { UserError } from '../../src/cli/errors.js';
import { dial } from '../../src/tls/dial.js';
import { fingerprintOfPem } from '../../src/tls/fingerprint.js';
import { createTlsServer, peerCertSubject, tokensEqual } from '../../src/tls/server.js';
import { execFileP, makeFixtures, pollUntil, startServer, type Fixtures } from './helpers.js';

const test = anyTest as TestFn<Fixtures & { caPem: string }>;

test.before(async (t) => {
  const f = await makeFixtures();
  t.context = { ...f, caPem: fs.readFileSync(f.caFile, 'utf8') };
});

test('mutual TLS: without a client certificate the dial fails clearly and nothing is sent', async (t) => {
  const server = await startServer(t, t.context.server, { clientCa: t.context.caPem });
  const err = await t.throwsAsync(dial({ host: 'localhost', port: server.port, policy: { kind: 'ca', caFile: t.context.caFile } }), { instanceOf: UserError });
  t.regex(err!.message, /^helper at localhost:\d+ requires a client certificate \(.*\) — pass --cert FILE --key FILE/);
  await server.allClosed();
  t.is(server.stats.secure, 0);
  t.is(server.stats.appBytes, 0);
});

test('mutual TLS: a client certificate from another CA is rejected clearly', async (t) => {
  const server = await startServer(t, t.context.server, { clientCa: t.context.caPem });
  const err = await t.throwsAsync(
    dial({ host: 'localhost', port: server.port, policy: { kind: 'ca', caFile: t.context.caFile }, clientCert: t.context.otherServer }),
    { instanceOf: UserError },
  );
  t.regex(err!.message, /rejected our client certificate — check --cert\/--key/);
  await server.allClosed();
  t.is(server.stats.secure, 0);
});

test('mutual TLS: the generated client certificate is accepted and its CN shown', async (t) => {
  const server = await startServer(t, t.context.server, { clientCa: t.context.caPem });
  const d = await dial({ host: 'localhost', port: server.port, policy: { kind: 'ca', caFile: t.context.caFile }, clientCert: t.context.client });
  d.socket.write('hi');
  await pollUntil(() => server.stats.appBytes === 2, 'bytes at the server');
  t.is(peerCertSubject(server.stats.peers[0]!), 'alice');
  d.socket.destroy();
});

test('peerCertSubject is undefined without client certificates', async (t) => {
  const server = await startServer(t, t.context.server);
  const d = await dial({ host: 'localhost', port: server.port, policy: { kind: 'ca', caFile: t.context.caFile }, clientCert: t.context.client });
  await pollUntil(() => server.stats.peers.length === 1, 'the handshake at the server');
  t.is(peerCertSubject(server.stats.peers[0]!), undefined, 'not requested, so not shown');
  d.socket.destroy();
});

test('a peer that never starts the handshake is dropped at the deadline', async (t) => {
  const server = createTlsServer({ cert: t.context.server.cert, key: t.context.server.key, handshakeTimeoutMs: 200 });
  const errors: string[] = [];
  server.on('tlsClientError', (e: Error & { code?: string }) => errors.push(e.code ?? e.message));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const sock = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  sock.on('error', () => undefined);
  const started = Date.now();
  await new Promise<void>((r) => sock.once('close', () => r()));
  t.true(Date.now() - started < 3000);
  t.deepEqual(errors, ['ERR_TLS_HANDSHAKE_TIMEOUT']);
});

test('createTlsServer: an unusable certificate/key is a UserError', (t) => {
  t.throws(() => createTlsServer({ cert: t.context.server.cert, key: t.context.client.key, handshakeTimeoutMs: 1000 }), {
    instanceOf: UserError,
    message: /cannot use the certificate and key .* — check --cert\/--key/,
  });
});

test('dial works with a TLS 1.2-only helper, and its client-certificate refusal is clear', async (t) => {
  const srv = tls.createServer({ cert: t.context.server.cert, key: t.context.server.key, maxVersion: 'TLSv1.2', requestCert: true, rejectUnauthorized: true, ca: t.context.caPem });
  srv.on('secureConnection', (s) => s.on('error', () => undefined));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.teardown(() => srv.close());
  const port = (srv.address() as net.AddressInfo).port;
  const d = await dial({ host: '127.0.0.1', port, policy: { kind: 'ca', caFile: t.context.caFile }, clientCert: t.context.client });
  t.is(d.protocol, 'TLSv1.2');
  d.socket.destroy();
  const err = await t.throwsAsync(dial({ host: '127.0.0.1', port, policy: { kind: 'ca', caFile: t.context.caFile } }), { instanceOf: UserError });
  t.regex(err!.message, /client certificate/);
});

/** Spawns openssl, killed at teardown; resolves with the child and its growing stdout. */
function openssl(t: ExecutionContext, args: string[]): { child: ChildProcess; out: () => string } {
  const child = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  t.teardown(() => {
    if (child.exitCode === null) child.kill();
  });
  return { child, out: () => out };
}

for (const tickets of [true, false]) {
  test(`openssl s_server${tickets ? '' : ' -num_tickets 0'} as the helper: pinned dial, then bytes arrive`, async (t) => {
    const dir = t.context.dir;
    const certFile = path.join(dir, 'ca', 'server.pem');
    const keyFile = path.join(dir, 'ca', 'server-key.pem');
    const s = openssl(t, ['s_server', '-accept', '127.0.0.1:0', '-cert', certFile, '-key', keyFile, '-naccept', '1', ...(tickets ? [] : ['-num_tickets', '0'])]);
    await pollUntil(() => /ACCEPT .*:\d+/.test(s.out()), 'openssl s_server to listen');
    const port = Number(/ACCEPT .*:(\d+)/.exec(s.out())![1]);
    const d = await dial({ host: '127.0.0.1', port, policy: { kind: 'fingerprint', fingerprint: fingerprintOfPem(t.context.server.cert) } });
    t.is(d.protocol, 'TLSv1.3');
    d.socket.write('hello openssl\n');
    await pollUntil(() => s.out().includes('hello openssl'), 'openssl to print what we sent');
    d.socket.destroy();
    t.pass();
  });
}

test('openssl s_client with a client certificate reaches createTlsServer, which shows its CN', async (t) => {
  const server = await startServer(t, t.context.server, { clientCa: t.context.caPem });
  const ca = path.join(t.context.dir, 'ca');
  const c = openssl(t, [
    's_client', '-connect', `127.0.0.1:${server.port}`, '-verify_return_error', '-CAfile', t.context.caFile, '-verify_ip', '127.0.0.1',
    '-cert', path.join(ca, 'client.pem'), '-key', path.join(ca, 'client-key.pem'), '-quiet',
  ]);
  c.child.stdin!.write('from openssl\n');
  await pollUntil(() => server.stats.received.includes('from openssl'), 'the server to receive openssl\'s bytes');
  t.is(peerCertSubject(server.stats.peers[0]!), 'alice');
  c.child.stdin!.end();
});

test('importing the TLS modules does not load selfsigned (lazy: only generating pays for it)', async (t) => {
  const dist = path.resolve(import.meta.dirname, '../../src/tls');
  const script = [
    "import { createRequire } from 'node:module';",
    ...['dial', 'server', 'verify', 'pem', 'fingerprint', 'known-hosts', 'identity'].map((m) => `await import(${JSON.stringify(path.join(dist, `${m}.js`))});`),
    "const cache = Object.keys(createRequire(import.meta.url).cache);",
    "process.stdout.write(String(cache.some((k) => k.includes('selfsigned'))));",
  ].join('\n');
  const { stdout } = await execFileP(process.execPath, ['--input-type=module', '-e', script]);
  t.is(stdout, 'false');
});

test('tokensEqual compares in constant time, whatever the lengths', (t) => {
  t.true(tokensEqual('s3cret', 's3cret'));
  t.true(tokensEqual('', ''));
  t.false(tokensEqual('s3cret', 's3cres'));
  t.false(tokensEqual('s3cret', 's3cret '));
  t.false(tokensEqual('s3cret', ''));
  t.false(tokensEqual('é', 'e\u0301'), 'bytes, not normalised text');
});
