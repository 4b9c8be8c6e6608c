// `shareterm certs` and the listener identity: what openssl says about the files
// we write (chain, SANs, algorithms, usages), their modes, and overwrite rules.
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import anyTest, { type TestFn } from 'ava';
import { UserError } from '../../src/cli/errors.js';
import { fingerprintOfPem } from '../../src/tls/fingerprint.js';
import { defaultCertNames, generateCerts, loadOrCreateIdentity, type GeneratedCerts } from '../../src/tls/identity.js';
import { execFileP, tmpDir } from './helpers.js';

interface Ctx {
  dir: string;
  names: string[];
  result: GeneratedCerts;
}
const test = anyTest as TestFn<Ctx>;
const mode = (file: string): number => fs.statSync(file).mode & 0o777;
const openssl = async (...args: string[]): Promise<string> => (await execFileP('openssl', args)).stdout;

test.before(async (t) => {
  const dir = path.join(tmpDir(), 'out', 'certs'); // parents do not exist yet
  const names = [...defaultCertNames(), 'helper.example.org', '192.0.2.7', '2001:db8::7'];
  // A strict umask must not change the modes we promise.
  const old = process.umask(0o077);
  try {
    const result = await generateCerts({ outDir: dir, names, days: 30, force: false, clientName: 'alice@laptop' });
    t.context = { dir, names, result };
  } finally {
    process.umask(old);
  }
});

test('defaultCertNames: this host, localhost, 127.0.0.1, ::1, without repeats', (t) => {
  const names = defaultCertNames();
  t.deepEqual(names, [...new Set([os.hostname(), 'localhost', '127.0.0.1', '::1'])]);
});

test('writes CA, server and client files: keys 0600, certificates 0644', (t) => {
  const f = (n: string): string => path.join(t.context.dir, n);
  t.deepEqual(t.context.result.files, ['ca-key.pem', 'ca.pem', 'server-key.pem', 'server.pem', 'client-key.pem', 'client.pem'].map(f));
  for (const key of ['ca-key.pem', 'server-key.pem', 'client-key.pem']) t.is(mode(f(key)), 0o600, key);
  for (const cert of ['ca.pem', 'server.pem', 'client.pem']) t.is(mode(f(cert)), 0o644, cert);
  t.deepEqual(fs.readdirSync(t.context.dir).filter((n) => n.includes('.tmp')), [], 'no temp files left');
  t.is(t.context.result.serverFingerprint, fingerprintOfPem(fs.readFileSync(f('server.pem'), 'utf8')));
  t.is(t.context.result.caFingerprint, fingerprintOfPem(fs.readFileSync(f('ca.pem'), 'utf8')));
  t.is(t.context.result.clientFingerprint, fingerprintOfPem(fs.readFileSync(f('client.pem'), 'utf8')));
});

test('openssl verifies server and client against the CA', async (t) => {
  const ca = path.join(t.context.dir, 'ca.pem');
  t.regex(await openssl('verify', '-CAfile', ca, path.join(t.context.dir, 'server.pem')), /: OK/);
  t.regex(await openssl('verify', '-CAfile', ca, '-purpose', 'sslserver', path.join(t.context.dir, 'server.pem')), /: OK/);
  t.regex(await openssl('verify', '-CAfile', ca, '-purpose', 'sslclient', path.join(t.context.dir, 'client.pem')), /: OK/);
  await t.throwsAsync(openssl('verify', '-CAfile', ca, '-purpose', 'sslclient', path.join(t.context.dir, 'server.pem')));
});

test('server certificate: every name as a SAN, IPs as IP SANs, CN = first name, EC P-256 + ecdsa-with-SHA256', async (t) => {
  const file = path.join(t.context.dir, 'server.pem');
  const text = await openssl('x509', '-noout', '-text', '-in', file);
  t.regex(text, /Signature Algorithm: ecdsa-with-SHA256/);
  t.regex(text, /ASN1 OID: prime256v1/);
  t.regex(text, /TLS Web Server Authentication/);
  t.regex(text, /Subject: CN ?= ?/);
  const x = new X509Certificate(fs.readFileSync(file, 'utf8'));
  t.is(x.subject, `CN=${t.context.names[0]}`);
  const sans = (x.subjectAltName ?? '').split(', ');
  for (const name of t.context.names) {
    const expected = /^[\d.]+$/.test(name) ? `IP Address:${name}` : name.includes(':') ? undefined : `DNS:${name}`;
    if (expected) t.true(sans.includes(expected), `${expected} in ${x.subjectAltName}`);
  }
  t.regex(text, /IP Address:0:0:0:0:0:0:0:1/);
  t.regex(text, /IP Address:2001:DB8:0:0:0:0:0:7/);
});

test('CA certificate: critical CA:TRUE, keyCertSign and cRLSign; client: clientAuth, CN', async (t) => {
  const ca = await openssl('x509', '-noout', '-text', '-in', path.join(t.context.dir, 'ca.pem'));
  t.regex(ca, /X509v3 Basic Constraints: critical\s+CA:TRUE/);
  t.regex(ca, /X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
  t.regex(ca, /Signature Algorithm: ecdsa-with-SHA256/);
  const client = await openssl('x509', '-noout', '-text', '-in', path.join(t.context.dir, 'client.pem'));
  t.regex(client, /TLS Web Client Authentication/);
  t.regex(client, /Subject: CN ?= ?alice@laptop/);
});

test('validity is --days from about now', (t) => {
  const x = new X509Certificate(fs.readFileSync(path.join(t.context.dir, 'server.pem'), 'utf8'));
  const days = (new Date(x.validTo).getTime() - Date.now()) / 86_400_000;
  t.true(days > 29.9 && days <= 30, `${days}`);
  t.true(new Date(x.validFrom).getTime() <= Date.now());
});

test('refuses to overwrite without --force, names the file; --force overwrites', async (t) => {
  const dir = tmpDir();
  const first = await generateCerts({ outDir: dir, names: ['localhost'], days: 1, force: false });
  const err = await t.throwsAsync(generateCerts({ outDir: dir, names: ['localhost'], days: 1, force: false }), { instanceOf: UserError });
  t.is(err!.message, `${path.join(dir, 'ca.pem')} already exists — pass --force to overwrite it, or choose another --out`);
  t.is(fingerprintOfPem(fs.readFileSync(path.join(dir, 'server.pem'), 'utf8')), first.serverFingerprint, 'untouched');
  // The client files are targets too when asked for.
  fs.writeFileSync(path.join(dir, 'client.pem'), 'mine');
  const dir2 = tmpDir();
  fs.writeFileSync(path.join(dir2, 'client-key.pem'), 'mine');
  await t.throwsAsync(generateCerts({ outDir: dir2, names: ['localhost'], days: 1, force: false, clientName: 'bob' }), { message: /client-key\.pem already exists/ });
  t.deepEqual(fs.readdirSync(dir2), ['client-key.pem'], 'nothing written before the check');
  const second = await generateCerts({ outDir: dir, names: ['localhost'], days: 1, force: true });
  t.not(second.serverFingerprint, first.serverFingerprint);
  t.is(mode(path.join(dir, 'server-key.pem')), 0o600);
});

test('bad names and days are UserErrors', async (t) => {
  const dir = tmpDir();
  await t.throwsAsync(generateCerts({ outDir: dir, names: ['bad name'], days: 1, force: false }), { instanceOf: UserError, message: /--name "bad name" is not a host name or IP address/ });
  await t.throwsAsync(generateCerts({ outDir: dir, names: ['localhost'], days: 0, force: false }), { instanceOf: UserError, message: /--days/ });
  await t.throwsAsync(generateCerts({ outDir: dir, names: ['localhost'], days: 1.5, force: false }), { instanceOf: UserError, message: /--days/ });
  await t.throwsAsync(generateCerts({ outDir: dir, names: [], days: 1, force: false }), { instanceOf: UserError, message: /--name/ });
  t.deepEqual(fs.readdirSync(dir), []);
});

test('a client name with DN specials is kept verbatim in the CN', async (t) => {
  const dir = tmpDir();
  await generateCerts({ outDir: dir, names: ['localhost'], days: 1, force: false, clientName: 'Smith, Alice+admin=1' });
  const x = new X509Certificate(fs.readFileSync(path.join(dir, 'client.pem'), 'utf8'));
  t.is(x.toLegacyObject().subject.CN, 'Smith, Alice+admin=1');
  t.is(x.subject, 'CN=Smith\\, Alice\\+admin=1', 'one CN attribute, specials escaped');
});

test('identity: created once (dir 0700, files 0600, EC P-256, default SANs), then reused', async (t) => {
  const dir = path.join(tmpDir(), 'xdg', 'shareterm');
  const first = await loadOrCreateIdentity(dir);
  t.true(first.created);
  t.is(mode(dir), 0o700);
  t.is(mode(first.certFile), 0o600);
  t.is(mode(first.keyFile), 0o600);
  t.is(first.fingerprint, fingerprintOfPem(fs.readFileSync(first.certFile, 'utf8')));
  const text = await openssl('x509', '-noout', '-text', '-in', first.certFile);
  t.regex(text, /Signature Algorithm: ecdsa-with-SHA256/);
  t.regex(text, /ASN1 OID: prime256v1/);
  t.regex(text, /DNS:localhost/);
  t.regex(text, /IP Address:127\.0\.0\.1/);
  t.regex(text, /IP Address:0:0:0:0:0:0:0:1/);
  const x = new X509Certificate(first.cert);
  t.true(new Date(x.validTo).getTime() - Date.now() > 9 * 365 * 86_400_000, 'about ten years');

  const second = await loadOrCreateIdentity(dir);
  t.false(second.created);
  t.is(second.fingerprint, first.fingerprint);
  t.is(second.key, first.key);
});

test('identity: tightens a loose existing dir and key', async (t) => {
  const dir = path.join(tmpDir(), 'loose');
  fs.mkdirSync(dir, { mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  const first = await loadOrCreateIdentity(dir);
  t.is(mode(dir), 0o700);
  fs.chmodSync(dir, 0o755);
  fs.chmodSync(first.keyFile, 0o644);
  const again = await loadOrCreateIdentity(dir);
  t.false(again.created);
  t.is(mode(dir), 0o700);
  t.is(mode(first.keyFile), 0o600);
});

test('identity: a mismatched pair is a UserError that says how to start over', async (t) => {
  const a = await loadOrCreateIdentity(path.join(tmpDir(), 'a'));
  const b = await loadOrCreateIdentity(path.join(tmpDir(), 'b'));
  fs.copyFileSync(b.keyFile, a.keyFile);
  const err = await t.throwsAsync(loadOrCreateIdentity(path.dirname(a.certFile)), { instanceOf: UserError });
  t.regex(err!.message, /^the identity in .* is unusable \(key .*identity-key\.pem does not match certificate .*identity\.pem\) — remove .*identity\.pem and .*identity-key\.pem to create a new one/);
  t.false(err!.message.includes('--key'));
  fs.rmSync(a.keyFile);
  await t.throwsAsync(loadOrCreateIdentity(path.dirname(a.certFile)), { instanceOf: UserError, message: /identity key .* is missing/ });
});

test('identity: a key left by an interrupted first run is replaced', async (t) => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'identity-key.pem'), 'half-written', { mode: 0o600 });
  const id = await loadOrCreateIdentity(dir);
  t.true(id.created);
  t.regex(fs.readFileSync(id.keyFile, 'utf8'), /BEGIN PRIVATE KEY/);
});
