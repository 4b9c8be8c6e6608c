// Certificate fingerprints: SHA-256 over the DER certificate, shown and compared
// in openssl's `AB:CD:…` form, which is what `--fingerprint` pins and known_hosts stores.
import { createHash, timingSafeEqual, X509Certificate } from 'node:crypto';
import { UserError } from '../cli/errors.js';

const SHA256_BYTES = 32; // bytes in a SHA-256 digest
const SHA1_BYTES = 20; // bytes in a SHA-1 digest: what openssl prints without -sha256

/** The forms `parseFingerprint` accepts, for error messages. */
const ACCEPTED_FORMS =
  'AB:CD:… (openssl x509 -noout -fingerprint -sha256), 64 hex digits, or SHA256:base64';

/** Formats digest bytes as uppercase hex pairs joined by colons, as openssl does. */
function colonHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

/** SHA-256 fingerprint (`AB:CD:…`) of the first certificate in a PEM text; `source` names it in errors. */
export function fingerprintOfPem(pem: string, source = 'input'): string {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    const hint = /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)
      ? ' (it is a private key) — pass the certificate instead'
      : ' — pass a certificate file (-----BEGIN CERTIFICATE-----)';
    throw new UserError(`${source} is not a PEM certificate${hint}`);
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (err) {
    throw new UserError(`${source} holds a damaged certificate (${(err as Error).message}) — re-export it`);
  }
  // Node's fingerprint256 is byte-for-byte openssl's `-fingerprint -sha256` output.
  return cert.fingerprint256;
}

/** SHA-256 fingerprint (`AB:CD:…`) of DER certificate bytes, e.g. a TLS peer's `raw`. */
export function fingerprintOfDer(der: Uint8Array): string {
  return colonHex(createHash('sha256').update(der).digest());
}

/** Builds the error for a fingerprint of the wrong size, naming SHA-1 when it looks like one. */
function wrongLength(text: string, bytes: number): UserError {
  const hint =
    bytes === SHA1_BYTES ? ' — that looks like a SHA-1 fingerprint; use openssl x509 -noout -fingerprint -sha256' : '';
  return new UserError(
    `fingerprint "${text}" is ${bytes} bytes, a SHA-256 fingerprint is ${SHA256_BYTES}${hint}; accepted forms: ${ACCEPTED_FORMS}`,
  );
}

/**
 * Parses a fingerprint as a person would paste it — `AB:CD:…` in any case (with
 * openssl's `sha256 Fingerprint=` prefix tolerated), plain hex, or ssh's
 * `SHA256:base64` with or without `=` padding — into the canonical `AB:CD:…` form.
 */
export function parseFingerprint(text: string): string {
  const original = text.trim();
  // openssl prints `sha256 Fingerprint=AB:…` (3.x) or `SHA256 Fingerprint=AB:…` (1.x).
  const body = original.replace(/^sha-?256\s+fingerprint\s*=\s*/i, '');

  const ssh = /^sha256:([A-Za-z0-9+/]+)(=*)$/i.exec(body);
  if (ssh) {
    const b64 = ssh[1]!;
    const padding = ssh[2]!;
    // 32 bytes are 43 base64 digits plus one `=`; anything else is not a SHA-256 digest.
    if (padding.length > 1 || (b64.length * 6) % 8 >= 6) {
      throw new UserError(`fingerprint "${original}" is not valid base64; accepted forms: ${ACCEPTED_FORMS}`);
    }
    const bytes = Buffer.from(b64, 'base64');
    if (bytes.length !== SHA256_BYTES) throw wrongLength(original, bytes.length);
    return colonHex(bytes);
  }

  let hex: string | undefined;
  if (/^[0-9a-f]{2}(:[0-9a-f]{2})*$/i.test(body)) hex = body.replace(/:/g, '');
  else if (/^([0-9a-f]{2})+$/i.test(body)) hex = body;
  if (hex === undefined) {
    throw new UserError(`"${original}" is not a fingerprint; accepted forms: ${ACCEPTED_FORMS}`);
  }
  if (hex.length !== SHA256_BYTES * 2) throw wrongLength(original, hex.length / 2);
  return colonHex(Buffer.from(hex, 'hex'));
}

/** True when two canonical (`AB:CD:…`) fingerprints are the same; case-insensitive, constant time. */
export function fingerprintsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a.toUpperCase());
  const y = Buffer.from(b.toUpperCase());
  return x.length === y.length && timingSafeEqual(x, y);
}
