// The listener's side of TLS: a server with a handshake deadline and, with
// --client-ca, mandatory client certificates; plus the constant-time token check.
import { createHash, timingSafeEqual } from 'node:crypto';
import type tls from 'node:tls';
import { nodeTls } from './node-tls.js';
import { UserError } from '../cli/errors.js';
import { printable } from '../lib/printable.js';

/** Options of the listener's TLS server. */
export interface TlsServerOptions {
  cert: string;
  key: string;
  /** PEM CA bundle: when set, every client must present a certificate it signed. */
  clientCa?: string;
  /** A peer that has not finished the TLS handshake by then is dropped, in ms. */
  handshakeTimeoutMs: number;
}

/** A TLS server (1.2 minimum) for `shareterm listen`; add 'secureConnection' and call listen(). */
export function createTlsServer(opts: TlsServerOptions): tls.Server {
  let server: tls.Server;
  try {
    server = nodeTls.createServer({
      cert: opts.cert,
      key: opts.key,
      minVersion: 'TLSv1.2',
      handshakeTimeout: opts.handshakeTimeoutMs,
      // TLS 1.3 session tickets are left on: they tell a dialling client that its
      // certificate was accepted (see dial.ts), and cost nothing here.
      // Without --client-ca no certificate is ever verified here, so no CA is
      // loaded (Node would otherwise parse its ~140 root certificates: ~1 MB).
      ...(opts.clientCa ? { requestCert: true, rejectUnauthorized: true, ca: opts.clientCa } : { ca: [] }),
    });
  } catch (err) {
    throw new UserError(`cannot use the certificate and key (${(err as Error).message}) — check --cert/--key`);
  }
  // Node 20 only *reports* a handshake timeout (or any pre-handshake error) as
  // 'tlsClientError'; it leaves the TCP connection open, so a peer that never
  // speaks would hold it forever. Close it: that is what the deadline is for.
  server.on('tlsClientError', (_err: Error, socket: tls.TLSSocket) => socket.destroy());
  return server;
}

/**
 * The verified client certificate's subject for display (`--ask`, status bar):
 * its CN, or the whole DN when it has no CN; undefined without a verified
 * client certificate. Control characters are replaced: it is peer-supplied text.
 */
export function peerCertSubject(socket: tls.TLSSocket): string | undefined {
  if (socket.authorized !== true) return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert?.subject || Object.keys(cert.subject).length === 0) return undefined;
  const subject = cert.subject as unknown as Record<string, string | string[]>;
  const cn = subject.CN;
  if (cn !== undefined) return printable(Array.isArray(cn) ? cn.join(', ') : cn);
  return printable(
    Object.entries(subject)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
      .join(', '),
  );
}

/** Constant-time comparison of shared secrets: SHA-256 both, so neither content nor length leaks through timing. */
export function tokensEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}
