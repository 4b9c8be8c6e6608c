// loadCertAndKey / loadCaFile: each way a file can be wrong is one line naming it.
import fs from 'node:fs';
import path from 'node:path';
import anyTest, { type TestFn } from 'ava';
import { UserError } from '../../src/cli/errors.js';
import { generateCerts } from '../../src/tls/identity.js';
import { loadCaFile, loadCertAndKey } from '../../src/tls/pem.js';
import { tmpDir } from './helpers.js';

interface Ctx {
  dir: string;
  cert: string;
  key: string;
  ca: string;
  otherKey: string;
}
const test = anyTest as TestFn<Ctx>;

test.before(async (t) => {
  const dir = tmpDir();
  await generateCerts({ outDir: path.join(dir, 'a'), names: ['localhost'], days: 1, force: false });
  await generateCerts({ outDir: path.join(dir, 'b'), names: ['localhost'], days: 1, force: false });
  t.context = {
    dir,
    cert: path.join(dir, 'a', 'server.pem'),
    key: path.join(dir, 'a', 'server-key.pem'),
    ca: path.join(dir, 'a', 'ca.pem'),
    otherKey: path.join(dir, 'b', 'server-key.pem'),
  };
});

test('loads a matching pair', async (t) => {
  const got = await loadCertAndKey(t.context.cert, t.context.key);
  t.is(got.fingerprint, got.x509.fingerprint256);
  t.regex(got.cert, /^-----BEGIN CERTIFICATE-----/);
  t.regex(got.key, /PRIVATE KEY/);
  t.deepEqual(got.warnings, []);
});

test('missing files name the file and the flag', async (t) => {
  const missing = path.join(t.context.dir, 'missing.pem');
  const e1 = await t.throwsAsync(loadCertAndKey(missing, t.context.key), { instanceOf: UserError });
  t.is(e1!.message, `certificate file ${missing} does not exist — check --cert`);
  const e2 = await t.throwsAsync(loadCertAndKey(t.context.cert, missing), { instanceOf: UserError });
  t.is(e2!.message, `key file ${missing} does not exist — check --key`);
  const e3 = await t.throwsAsync(loadCertAndKey(t.context.dir, t.context.key), { instanceOf: UserError });
  t.regex(e3!.message, /is a directory, not a file — check --cert/);
});

test('a key given as the certificate, or a certificate as the key, says so', async (t) => {
  const e1 = await t.throwsAsync(loadCertAndKey(t.context.key, t.context.key), { instanceOf: UserError });
  t.is(e1!.message, `${t.context.key} is not a PEM certificate: it is a private key — pass the certificate to --cert and the key to --key`);
  const e2 = await t.throwsAsync(loadCertAndKey(t.context.cert, t.context.cert), { instanceOf: UserError });
  t.is(e2!.message, `${t.context.cert} is not a PEM private key: it is a certificate — pass the private key to --key and the certificate to --cert`);
  const junk = path.join(t.context.dir, 'junk.txt');
  fs.writeFileSync(junk, 'hello\n');
  const e3 = await t.throwsAsync(loadCertAndKey(junk, t.context.key), { instanceOf: UserError });
  t.regex(e3!.message, /junk\.txt is not a PEM certificate: pass a PEM certificate/);
  const e4 = await t.throwsAsync(loadCertAndKey(t.context.cert, junk), { instanceOf: UserError });
  t.regex(e4!.message, /junk\.txt is not a PEM private key/);
});

test('a key that does not match the certificate names both', async (t) => {
  const err = await t.throwsAsync(loadCertAndKey(t.context.cert, t.context.otherKey), { instanceOf: UserError });
  t.is(err!.message, `key ${t.context.otherKey} does not match certificate ${t.context.cert} — pass the key that was created with that certificate`);
});

test('an encrypted key asks for it to be decrypted', async (t) => {
  const enc = path.join(t.context.dir, 'enc-key.pem');
  fs.writeFileSync(enc, '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n');
  await t.throwsAsync(loadCertAndKey(t.context.cert, enc), { instanceOf: UserError, message: /is encrypted with a passphrase — decrypt it first: openssl pkey/ });
});

test('a group/world-readable key is loaded with a chmod 600 warning', async (t) => {
  const loose = path.join(t.context.dir, 'loose-key.pem');
  fs.copyFileSync(t.context.key, loose);
  fs.chmodSync(loose, 0o644);
  const got = await loadCertAndKey(t.context.cert, loose);
  t.deepEqual(got.warnings, [`key file ${loose} is readable by other users — run chmod 600 ${loose}`]);
});

test('a certificate followed by its chain keeps the chain, fingerprint of the leaf', async (t) => {
  const chain = path.join(t.context.dir, 'chain.pem');
  fs.writeFileSync(chain, fs.readFileSync(t.context.cert, 'utf8') + fs.readFileSync(t.context.ca, 'utf8'));
  const got = await loadCertAndKey(chain, t.context.key);
  t.is(got.cert.match(/BEGIN CERTIFICATE/g)?.length, 2);
  t.is(got.fingerprint, (await loadCertAndKey(t.context.cert, t.context.key)).fingerprint);
});

test('loadCaFile: loads a CA; a key or a missing file is a clear UserError', async (t) => {
  const ca = await loadCaFile(t.context.ca);
  t.is(ca.certs.length, 1);
  const e1 = await t.throwsAsync(loadCaFile(t.context.key), { instanceOf: UserError });
  t.is(e1!.message, `${t.context.key} is not a PEM certificate (it is a private key) — pass the CA certificate (ca.pem), not a key, to --ca`);
  const e2 = await t.throwsAsync(loadCaFile(path.join(t.context.dir, 'nope.pem'), '--client-ca'), { instanceOf: UserError });
  t.regex(e2!.message, /nope\.pem does not exist — check --client-ca$/);
});
