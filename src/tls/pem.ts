// Reading PEM certificates, keys and CA bundles from files named on the command
// line, turning every way they can be wrong into one line that says what to do.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { UserError } from '../cli/errors.js';

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const KEY_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
const ENCRYPTED_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/;
const GROUP_WORLD_BITS = 0o077; // permission bits that let anyone but the owner at a file

/** A certificate and its private key, checked to belong together. */
export interface CertAndKey {
  /** The certificate chain as PEM (leaf first), only CERTIFICATE blocks. */
  cert: string;
  /** The private key as PEM, as read. */
  key: string;
  /** SHA-256 fingerprint of the leaf certificate (`AB:CD:…`). */
  fingerprint: string;
  /** The parsed leaf certificate. */
  x509: X509Certificate;
  /** Things the person should fix but that do not stop us, e.g. a readable key file. */
  warnings: string[];
}

/** A CA bundle: every certificate in it, as PEM and parsed. */
export interface CaBundle {
  pem: string;
  certs: X509Certificate[];
}

/** Reads a file named by `flag`, turning fs errors into one line that names the file and the flag. */
export async function readNamedFile(file: string, what: string, flag: string): Promise<string> {
  try {
    return await fsp.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${what} ${file} does not exist — check ${flag}`);
    if (code === 'EACCES' || code === 'EPERM') {
      throw new UserError(`cannot read ${what} ${file} (permission denied) — check ${flag} and the file's permissions`);
    }
    if (code === 'EISDIR') throw new UserError(`${what} ${file} is a directory, not a file — check ${flag}`);
    throw new UserError(`cannot read ${what} ${file} (${code ?? (err as Error).message}) — check ${flag}`);
  }
}

/** Every CERTIFICATE block of a PEM text, parsed; a damaged block is an error naming the file. */
function parseCertBlocks(text: string, file: string, flag: string): { pems: string[]; certs: X509Certificate[] } {
  const pems = text.match(CERT_BLOCK) ?? [];
  const certs = pems.map((pem) => {
    try {
      return new X509Certificate(pem);
    } catch (err) {
      throw new UserError(`${file} holds a damaged certificate (${(err as Error).message}) — check ${flag}`);
    }
  });
  return { pems, certs };
}

/**
 * Loads a certificate (`--cert`, optionally followed by its chain) and its key
 * (`--key`), checking both are PEM of the right kind and that the key matches.
 */
export async function loadCertAndKey(
  certFile: string,
  keyFile: string,
  flags: { cert: string; key: string } = { cert: '--cert', key: '--key' },
): Promise<CertAndKey> {
  const certText = await readNamedFile(certFile, 'certificate file', flags.cert);
  const keyText = await readNamedFile(keyFile, 'key file', flags.key);

  const { pems, certs } = parseCertBlocks(certText, certFile, flags.cert);
  const leaf = certs[0];
  if (!leaf) {
    const hint = KEY_BLOCK.test(certText)
      ? `it is a private key — pass the certificate to ${flags.cert} and the key to ${flags.key}`
      : `pass a PEM certificate (-----BEGIN CERTIFICATE-----) to ${flags.cert}`;
    throw new UserError(`${certFile} is not a PEM certificate: ${hint}`);
  }

  let key: KeyObject;
  if (ENCRYPTED_KEY.test(keyText)) {
    throw new UserError(
      `key file ${keyFile} is encrypted with a passphrase — decrypt it first: openssl pkey -in ${keyFile} -out KEY.pem`,
    );
  }
  try {
    key = createPrivateKey(keyText);
  } catch {
    const hint = keyText.includes('-----BEGIN CERTIFICATE-----')
      ? `it is a certificate — pass the private key to ${flags.key} and the certificate to ${flags.cert}`
      : `pass a PEM private key (-----BEGIN PRIVATE KEY-----) to ${flags.key}`;
    throw new UserError(`${keyFile} is not a PEM private key: ${hint}`);
  }
  if (!leaf.checkPrivateKey(key)) {
    throw new UserError(
      `key ${keyFile} does not match certificate ${certFile} — pass the key that was created with that certificate`,
    );
  }

  const warnings: string[] = [];
  const { mode } = await fsp.stat(keyFile);
  if (process.platform !== 'win32' && (mode & GROUP_WORLD_BITS) !== 0) {
    warnings.push(`key file ${keyFile} is readable by other users — run chmod 600 ${keyFile}`);
  }
  const notAfter = new Date(leaf.validTo);
  if (notAfter.getTime() < Date.now()) {
    warnings.push(`certificate ${certFile} expired on ${notAfter.toISOString().slice(0, 10)} — peers checking it with --ca will refuse it`);
  }

  return { cert: pems.join('\n') + '\n', key: keyText, fingerprint: leaf.fingerprint256, x509: leaf, warnings };
}

/** Loads a CA bundle (`--ca`, `--client-ca`): one or more PEM certificates, and nothing else usable. */
export async function loadCaFile(file: string, flag = '--ca'): Promise<CaBundle> {
  const text = await readNamedFile(file, 'CA file', flag);
  const { pems, certs } = parseCertBlocks(text, file, flag);
  if (certs.length === 0) {
    const what = KEY_BLOCK.test(text) ? ' (it is a private key)' : '';
    throw new UserError(
      `${file} is not a PEM certificate${what} — pass the CA certificate (ca.pem), not a key, to ${flag}`,
    );
  }
  return { pem: pems.join('\n') + '\n', certs };
}
