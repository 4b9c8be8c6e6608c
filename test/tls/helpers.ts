// Shared fixtures for the TLS tests: temp dirs, certificates made with our own
// generateCerts (plus a few deliberately bad ones), a recording TLS server on
// 127.0.0.1 port 0, and waiting on conditions with a deadline instead of sleeping.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type tls from 'node:tls';
import { promisify } from 'node:util';
import type { ExecutionContext } from 'ava';
import { generate } from 'selfsigned';
import { generateCerts } from '../../src/tls/identity.js';
import { createTlsServer } from '../../src/tls/server.js';

export const execFileP = promisify(execFile);

/** A fresh private temp dir, removed when the process exits. */
export function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shareterm-tls-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Polls `cond` until true or the deadline passes (node-pty's pollUntil). */
export async function pollUntil(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface Pem {
  cert: string;
  key: string;
}

/** Certificates for the dial tests, all EC P-256 / SHA-256. */
export interface Fixtures {
  dir: string;
  caFile: string;
  server: Pem; // signed by ca, names localhost, 127.0.0.1, ::1
  client: Pem; // signed by ca, CN alice
  otherCaFile: string;
  otherServer: Pem; // signed by another CA, same names
  expired: Pem; // signed by ca, valid 2020 only
  future: Pem; // signed by ca, valid from next year
  exampleOnly: Pem; // signed by ca, names only example.invalid
  selfSigned: Pem; // self-signed, names localhost
}

const read = (file: string): string => fs.readFileSync(file, 'utf8');

/** A leaf certificate signed by the CA in `caDir` with the given names and dates. */
async function leaf(caDir: string, names: string[], notBefore: Date, notAfter: Date): Promise<Pem> {
  const out = await generate([{ name: 'commonName', value: names[0]! }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    ca: { cert: read(path.join(caDir, 'ca.pem')), key: read(path.join(caDir, 'ca-key.pem')) },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names.map((n) => (/^[\d.:]+$/.test(n) ? { type: 7 as const, ip: n } : { type: 2 as const, value: n })) },
    ],
  });
  return { cert: out.cert, key: out.private };
}

/** Generates every fixture once per test file. */
export async function makeFixtures(): Promise<Fixtures> {
  const dir = tmpDir();
  const names = ['localhost', '127.0.0.1', '::1'];
  const caDir = path.join(dir, 'ca');
  const otherDir = path.join(dir, 'other');
  await generateCerts({ outDir: caDir, names, days: 30, force: false, clientName: 'alice' });
  await generateCerts({ outDir: otherDir, names, days: 30, force: false });
  const year = 365 * 24 * 3600 * 1000;
  const self = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256' });
  return {
    dir,
    caFile: path.join(caDir, 'ca.pem'),
    server: { cert: read(path.join(caDir, 'server.pem')), key: read(path.join(caDir, 'server-key.pem')) },
    client: { cert: read(path.join(caDir, 'client.pem')), key: read(path.join(caDir, 'client-key.pem')) },
    otherCaFile: path.join(otherDir, 'ca.pem'),
    otherServer: { cert: read(path.join(otherDir, 'server.pem')), key: read(path.join(otherDir, 'server-key.pem')) },
    expired: await leaf(caDir, names, new Date('2020-01-01T00:00:00Z'), new Date('2020-12-31T00:00:00Z')),
    future: await leaf(caDir, names, new Date(Date.now() + year), new Date(Date.now() + 2 * year)),
    exampleOnly: await leaf(caDir, ['example.invalid'], new Date(Date.now() - 3600_000), new Date(Date.now() + year)),
    selfSigned: { cert: self.cert, key: self.private },
  };
}

/** What a test server saw. */
export interface ServerStats {
  tcpConnections: number; // raw TCP connections accepted
  open: number; // TCP connections not yet closed
  secure: number; // completed TLS handshakes
  appBytes: number; // application bytes received after handshakes
  received: string; // those bytes as text
  clientErrors: string[]; // tlsClientError codes
  peers: tls.TLSSocket[]; // handshaken sockets, for inspection
}

export interface TestServer {
  port: number;
  stats: ServerStats;
  /** Resolves once every connection so far has closed. */
  allClosed(): Promise<void>;
}

/** A real TLS server from createTlsServer on 127.0.0.1:0, recording every application byte; closed at teardown. */
export async function startServer(
  t: ExecutionContext,
  pem: Pem,
  opts: { clientCa?: string; onSecure?: (s: tls.TLSSocket) => void } = {},
): Promise<TestServer> {
  const stats: ServerStats = { tcpConnections: 0, open: 0, secure: 0, appBytes: 0, received: '', clientErrors: [], peers: [] };
  const server = createTlsServer({ cert: pem.cert, key: pem.key, handshakeTimeoutMs: 5000, ...(opts.clientCa ? { clientCa: opts.clientCa } : {}) });
  const raw = new Set<import('node:net').Socket>();
  server.on('connection', (sock) => {
    stats.tcpConnections++;
    stats.open++;
    raw.add(sock);
    sock.once('close', () => {
      stats.open--;
      raw.delete(sock);
    });
  });
  server.on('tlsClientError', (err: Error & { code?: string }) => stats.clientErrors.push(err.code ?? err.message));
  server.on('secureConnection', (s) => {
    stats.secure++;
    stats.peers.push(s);
    s.on('data', (d: Buffer) => {
      stats.appBytes += d.length;
      stats.received += d.toString('utf8');
    });
    s.on('error', () => undefined); // a client hanging up mid-test is expected
    opts.onSecure?.(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    for (const s of raw) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    stats,
    allClosed: () => pollUntil(() => stats.tcpConnections > 0 && stats.open === 0, 'server connections to close'),
  };
}
