// Fingerprints: ours match openssl's `-fingerprint -sha256` byte for byte, and
// every form a person might paste parses to the same canonical AB:CD:… string.
import fs from 'node:fs';
import path from 'node:path';
import anyTest, { type TestFn } from 'ava';
import { UserError } from '../../src/cli/errors.js';
import { fingerprintOfDer, fingerprintOfPem, fingerprintsEqual, parseFingerprint } from '../../src/tls/fingerprint.js';
import { generateCerts } from '../../src/tls/identity.js';
import { execFileP, tmpDir } from './helpers.js';

interface Ctx {
  certFile: string;
  keyFile: string;
  pem: string;
  openssl: string; // openssl's fingerprint, prefix stripped
}
const test = anyTest as TestFn<Ctx>;

test.before(async (t) => {
  const dir = tmpDir();
  await generateCerts({ outDir: dir, names: ['localhost'], days: 1, force: false });
  const certFile = path.join(dir, 'server.pem');
  const { stdout } = await execFileP('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', certFile]);
  t.context = {
    certFile,
    keyFile: path.join(dir, 'server-key.pem'),
    pem: fs.readFileSync(certFile, 'utf8'),
    openssl: stdout.trim().replace(/^sha256 Fingerprint=/i, ''),
  };
});

test('fingerprintOfPem equals openssl x509 -fingerprint -sha256', (t) => {
  t.regex(t.context.openssl, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  t.is(fingerprintOfPem(t.context.pem), t.context.openssl);
});

test('fingerprintOfDer of the DER bytes equals the PEM fingerprint', async (t) => {
  const { stdout } = await execFileP('openssl', ['x509', '-outform', 'DER', '-in', t.context.certFile], { encoding: 'buffer' });
  t.is(fingerprintOfDer(stdout), t.context.openssl);
});

test('fingerprintOfPem refuses a key and junk, naming the source', (t) => {
  const key = fs.readFileSync(t.context.keyFile, 'utf8');
  const e1 = t.throws(() => fingerprintOfPem(key, 'server-key.pem'), { instanceOf: UserError });
  t.regex(e1!.message, /^server-key\.pem is not a PEM certificate \(it is a private key\)/);
  const e2 = t.throws(() => fingerprintOfPem('hello', 'notes.txt'), { instanceOf: UserError });
  t.regex(e2!.message, /^notes\.txt is not a PEM certificate/);
  const broken = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
  t.throws(() => fingerprintOfPem(broken, 'x.pem'), { instanceOf: UserError, message: /damaged certificate/ });
});

test('parseFingerprint accepts colon hex, plain hex, SHA256:base64 and openssl output', (t) => {
  const fp = t.context.openssl;
  const hex = fp.replace(/:/g, '');
  const b64 = Buffer.from(hex, 'hex').toString('base64'); // 43 digits + '='
  t.is(parseFingerprint(fp), fp);
  t.is(parseFingerprint(fp.toLowerCase()), fp);
  t.is(parseFingerprint(`  ${fp}\n`), fp);
  t.is(parseFingerprint(hex), fp);
  t.is(parseFingerprint(hex.toLowerCase()), fp);
  t.is(parseFingerprint(`SHA256:${b64}`), fp);
  t.is(parseFingerprint(`SHA256:${b64.replace(/=+$/, '')}`), fp);
  t.is(parseFingerprint(`sha256:${b64.replace(/=+$/, '')}`), fp);
  t.is(parseFingerprint(`sha256 Fingerprint=${fp}`), fp);
  t.is(parseFingerprint(`SHA256 Fingerprint=${fp}`), fp);
});

test('parseFingerprint rejects junk and wrong lengths, naming the accepted forms', (t) => {
  const fp = t.context.openssl;
  const hex = fp.replace(/:/g, '');
  const bad = [
    '',
    'hello',
    fp.slice(0, -3), // 31 bytes
    `${fp}:AB`, // 33 bytes
    hex.slice(0, 40), // SHA-1 length
    `${hex}0`, // odd digits
    fp.replace(/:/, '::'),
    'SHA256:' + Buffer.alloc(20).toString('base64'), // 20 bytes
    'SHA256:not*base64',
    `SHA1:${Buffer.alloc(32).toString('base64')}`,
    `G${fp.slice(1)}`, // not a hex digit (replacing an 'A' did nothing when the fingerprint had none)
  ];
  for (const text of bad) {
    const err = t.throws(() => parseFingerprint(text), { instanceOf: UserError }, text);
    t.regex(err!.message, /accepted forms: AB:CD:… .*64 hex digits, or SHA256:base64/, text);
  }
  t.regex(t.throws(() => parseFingerprint(hex.slice(0, 40)))!.message, /SHA-1/);
});

test('fingerprintsEqual compares canonical forms case-insensitively', (t) => {
  const fp = t.context.openssl;
  t.true(fingerprintsEqual(fp, fp));
  t.true(fingerprintsEqual(fp, fp.toLowerCase()));
  t.false(fingerprintsEqual(fp, fp.replace(/.$/, (c) => (c === '0' ? '1' : '0'))));
  t.false(fingerprintsEqual(fp, fp.slice(0, -3)));
});
