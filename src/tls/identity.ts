// Certificates shareterm makes itself: the listener's self-signed identity
// (created on first use, reused after) and the small CA of `shareterm certs`.
// selfsigned costs ~100 ms to import and keeps a large X.509 stack in memory,
// so it runs only in a short-lived child process when something is generated;
// `share`, `verify` and a listener with an identity never load it.
import { randomBytes, X509Certificate } from 'node:crypto';
import { createRequire } from 'node:module';
import { promises as fsp } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { generate as Generate } from 'selfsigned';
import { UserError } from '../cli/errors.js';
import { configDir } from '../cli/config.js';
import { ensureDir, ensurePrivateDir, PUBLIC_FILE_MODE, SECRET_FILE_MODE, writeFileAtomic } from './files.js';
import { loadCertAndKey } from './pem.js';

const IDENTITY_DAYS = 3650; // the self-signed identity: pinning and TOFU ignore expiry, a long life avoids surprises
const BACKDATE_MS = 60 * 60 * 1000; // notBefore an hour back, so a peer whose clock lags still accepts a new cert
const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_DAYS = 36500; // upper bound for --days: a hundred years
export const IDENTITY_CERT_FILE = 'identity.pem';
export const IDENTITY_KEY_FILE = 'identity-key.pem';

type GenerateOptions = NonNullable<Parameters<typeof Generate>[1]>;
type Extension = NonNullable<GenerateOptions['extensions']>[number];
type AltName = Extract<Extension, { name: 'subjectAltName' }>['altNames'][number];

/** The listener's identity: its PEM pair, fingerprint, and where it lives. */
export interface Identity {
  cert: string;
  key: string;
  fingerprint: string;
  /** True when this call generated it (the CLI says so). */
  created: boolean;
  certFile: string;
  keyFile: string;
}

/** What `shareterm certs` wrote. */
export interface GeneratedCerts {
  /** Every file written, in order. */
  files: string[];
  caFingerprint: string;
  serverFingerprint: string;
  clientFingerprint?: string;
}

/** Options of `shareterm certs`. */
export interface GenerateCertsOptions {
  outDir: string;
  /** Host names and IP addresses for the server certificate; the first is its CN. */
  names: string[];
  /** Validity of every certificate, in days. */
  days: number;
  /** Overwrite existing files. */
  force: boolean;
  /** When set, also write a client certificate with this CN for mutual TLS. */
  clientName?: string;
}

/** A freshly generated certificate and key, as PEM. */
interface Pair {
  cert: string;
  key: string;
}

/** The default SANs of `shareterm certs` and the identity: this host's name, localhost, 127.0.0.1, ::1. */
export function defaultCertNames(): string[] {
  return dedupeNames([os.hostname(), 'localhost', '127.0.0.1', '::1']);
}

/** Removes repeated names (host names compare case-insensitively) and empty ones, keeping order. */
function dedupeNames(names: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of names) {
    const name = raw.trim();
    const key = net.isIP(name) ? name : name.toLowerCase();
    if (name === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(name);
  }
  return out;
}

/** A DNS SAN must be a host name (letters, digits, `-`, `.`, a leading `*.` wildcard). */
function isHostName(name: string): boolean {
  return /^(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/.test(name) && name.length <= 253;
}

/** Subject alternative names for `names`: IP addresses as IP SANs, the rest as DNS SANs. */
function altNamesFor(names: string[]): AltName[] {
  return names.map((name): AltName => {
    if (net.isIP(name)) return { type: 7, ip: name };
    if (!isHostName(name)) {
      throw new UserError(`--name "${name}" is not a host name or IP address — pass names like helper.example.org or 192.0.2.7`);
    }
    return { type: 2, value: name };
  });
}

/** Escapes a value for selfsigned's `CN=…, O=…` subject string (RFC 4514 specials). */
function escapeDnValue(value: string): string {
  return value.replace(/[\\,+=";<>#]/g, (c) => `\\${c}`);
}

/** Generates an EC P-256 / SHA-256 certificate; signed by `ca` when given, else self-signed. */
async function generatePair(
  cn: string,
  extensions: Extension[],
  validity: { notBefore: Date; notAfter: Date },
  ca?: Pair,
): Promise<Pair> {
  const opts: GenerateOptions = {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256', // selfsigned defaults to SHA-1
    notBeforeDate: validity.notBefore,
    notAfterDate: validity.notAfter,
    extensions,
  };
  if (ca) opts.ca = { key: ca.key, cert: ca.cert };
  return generateInChild([{ name: 'commonName', value: escapeDnValue(cn) }], opts);
}

/**
 * selfsigned's generate(), run in a short-lived node process: its X.509 stack
 * (some 200 modules) is loaded there, never in the process that goes on to
 * serve a session for hours. (A worker thread would do the same job, but the
 * memory its allocator touched stays with the process: a listener that made
 * its identity on start-up stayed 2.5 MB larger than one that loaded it.)
 */
function generateInChild(attrs: Parameters<typeof Generate>[0], opts: GenerateOptions): Promise<Pair> {
  // Required here: a listener whose identity exists never needs it (node:child_process loads node:dgram and more).
  const require = createRequire(import.meta.url);
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const modulePath = require.resolve('selfsigned');
  const script = `let input = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d) => (input += d));
    process.stdin.on('end', () => {
      const job = JSON.parse(input);
      for (const k of ['notBeforeDate', 'notAfterDate']) if (job.opts[k]) job.opts[k] = new Date(job.opts[k]);
      Promise.resolve()
        .then(() => require(job.modulePath).generate(job.attrs, job.opts))
        .then((out) => process.stdout.write(JSON.stringify({ cert: out.cert, key: out.private })))
        .catch((e) => process.stdout.write(JSON.stringify({ error: String((e && e.message) || e) })));
    });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdin.on('error', () => undefined); // a generator that died early: its exit says so
  child.stdin.end(JSON.stringify({ modulePath, attrs, opts }));
  return new Promise((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`cannot make a certificate: ${e.message}`)));
    child.once('close', (code, signal) => {
      let m: Pair | { error: string } | undefined;
      try {
        m = JSON.parse(out) as Pair | { error: string };
      } catch {
        m = undefined;
      }
      if (m && 'error' in m) reject(new Error(`cannot make a certificate: ${m.error}`));
      else if (m && typeof m.cert === 'string' && typeof m.key === 'string') resolve({ cert: m.cert, key: m.key });
      else {
        const why = err.trim().split('\n').pop() ?? '';
        reject(new Error(`cannot make a certificate: the generator stopped (${signal ?? `exit ${code}`})${why ? `: ${why}` : ''}`));
      }
    });
  });
}

/** Validity from an hour ago (clock skew) for `days` days. */
function validityFor(days: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(now + days * DAY_MS) };
}

/** True when `file` exists (any type). */
async function exists(file: string): Promise<boolean> {
  try {
    await fsp.lstat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/**
 * The listener's self-signed identity in `dir` (`identity.pem`, `identity-key.pem`):
 * loaded and checked if present, else generated (EC P-256, CN = this host,
 * SANs = defaultCertNames(), ~10 years) with the dir 0700 and the files 0600.
 */
export async function loadOrCreateIdentity(dir: string = configDir()): Promise<Identity> {
  await ensurePrivateDir(dir);
  const certFile = path.join(dir, IDENTITY_CERT_FILE);
  const keyFile = path.join(dir, IDENTITY_KEY_FILE);

  // The key is written first and the certificate last, so a certificate on disk
  // means a complete pair; a key alone is the leftover of an interrupted creation.
  if (await exists(certFile)) {
    if (!(await exists(keyFile))) {
      throw new UserError(`identity key ${keyFile} is missing — remove ${certFile} to create a new identity (helpers will see a new fingerprint)`);
    }
    const loaded = await loadCertAndKey(certFile, keyFile).catch((err: unknown) => {
      if (err instanceof UserError) {
        // The --cert/--key advice does not apply here; keep only the diagnosis.
        const reason = err.message.split(' — ')[0]!.split(': ')[0]!;
        throw new UserError(`the identity in ${dir} is unusable (${reason}) — remove ${certFile} and ${keyFile} to create a new one (helpers will see a new fingerprint)`);
      }
      throw err;
    });
    // Keep the key private even if someone loosened it since; if we may not
    // chmod it (another owner), it still works, and loading it already succeeded.
    await fsp.chmod(keyFile, SECRET_FILE_MODE).catch(() => undefined);
    return { cert: loaded.cert, key: loaded.key, fingerprint: loaded.fingerprint, created: false, certFile, keyFile };
  }

  const names = defaultCertNames();
  const pair = await generatePair(
    os.hostname(),
    [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: altNamesFor(names.filter((n) => net.isIP(n) || isHostName(n))) },
    ],
    validityFor(IDENTITY_DAYS),
  );
  await writeFileAtomic(keyFile, pair.key, SECRET_FILE_MODE);
  await writeFileAtomic(certFile, pair.cert, SECRET_FILE_MODE);
  const fingerprint = new X509Certificate(pair.cert).fingerprint256;
  return { cert: pair.cert, key: pair.key, fingerprint, created: true, certFile, keyFile };
}

/**
 * `shareterm certs`: writes a small CA (ca.pem, ca-key.pem), a server certificate
 * it signs for `names` (server.pem, server-key.pem) and, with `clientName`, a
 * client certificate (client.pem, client-key.pem) into `outDir`. Keys are 0600,
 * certificates 0644; existing files are overwritten only with `force`.
 */
export async function generateCerts(opts: GenerateCertsOptions): Promise<GeneratedCerts> {
  const names = dedupeNames(opts.names);
  if (names.length === 0) throw new UserError('no names for the server certificate — pass --name HOST');
  if (!Number.isInteger(opts.days) || opts.days < 1 || opts.days > MAX_DAYS) {
    throw new UserError(`--days must be a whole number of days from 1 to ${MAX_DAYS}, not ${opts.days}`);
  }
  if (opts.clientName !== undefined && (opts.clientName.trim() === '' || /[\x00-\x1f\x7f-\x9f]/.test(opts.clientName))) {
    throw new UserError('the client name must be non-empty printable text — pass a name like alice@laptop');
  }
  const altNames = altNamesFor(names); // validates names before anything is written

  const file = (name: string): string => path.join(opts.outDir, name);
  const targets = ['ca.pem', 'ca-key.pem', 'server.pem', 'server-key.pem'];
  if (opts.clientName !== undefined) targets.push('client.pem', 'client-key.pem');
  if (!opts.force) {
    for (const name of targets) {
      if (await exists(file(name))) {
        throw new UserError(`${file(name)} already exists — pass --force to overwrite it, or choose another --out`);
      }
    }
  }
  await ensureDir(opts.outDir);

  const validity = validityFor(opts.days);
  const host = os.hostname();
  const ca = await generatePair(
    // A distinct name per CA: OpenSSL finds issuers by name, so two CAs called
    // alike (two runs on one day) would report a signature failure, not "unknown CA".
    `shareterm CA ${host} ${new Date().toISOString().slice(0, 10)} ${randomBytes(4).toString('hex')}`,
    [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
    validity,
  );
  const server = await generatePair(
    names[0]!,
    [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
    validity,
    ca,
  );
  const client =
    opts.clientName === undefined
      ? undefined
      : await generatePair(
          opts.clientName,
          [
            { name: 'basicConstraints', cA: false, critical: true },
            { name: 'keyUsage', digitalSignature: true, critical: true },
            { name: 'extKeyUsage', clientAuth: true },
          ],
          validity,
          ca,
        );

  // Keys first: a certificate on disk then always has its key beside it.
  const files: string[] = [];
  const write = async (name: string, data: string, mode: number): Promise<void> => {
    await writeFileAtomic(file(name), data, mode);
    files.push(file(name));
  };
  await write('ca-key.pem', ca.key, SECRET_FILE_MODE);
  await write('ca.pem', ca.cert, PUBLIC_FILE_MODE);
  await write('server-key.pem', server.key, SECRET_FILE_MODE);
  await write('server.pem', server.cert, PUBLIC_FILE_MODE);
  if (client) {
    await write('client-key.pem', client.key, SECRET_FILE_MODE);
    await write('client.pem', client.cert, PUBLIC_FILE_MODE);
  }

  const result: GeneratedCerts = {
    files,
    caFingerprint: new X509Certificate(ca.cert).fingerprint256,
    serverFingerprint: new X509Certificate(server.cert).fingerprint256,
  };
  if (client) result.clientFingerprint = new X509Certificate(client.cert).fingerprint256;
  return result;
}
