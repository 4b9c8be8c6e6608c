// Dialling the helper: TCP, then TLS (1.2 minimum), then the verification policy.
// The promise resolves only after the policy accepted the peer; until then no
// byte of the session can be written, and every failure destroys the socket.
import { constants as cryptoConstants } from 'node:crypto';
import net from 'node:net';
import type tls from 'node:tls';
import { UserError } from '../cli/errors.js';
import { formatHostPort } from './known-hosts.js';
import { nodeTls } from './node-tls.js';
import { loadCaFile, type CaBundle } from './pem.js';
import { askAndTrust, VerifyError, verifyPeer, type Verdict, type VerifyPolicy } from './verify.js';

export type { VerifyCheck, VerifyPolicy, TofuAsk } from './verify.js';
export { VerifyError } from './verify.js';

const DEFAULT_CONNECT_TIMEOUT_MS = 15_000; // TCP connect plus TLS handshake
// TLS 1.3 servers judge our client certificate after our handshake is done, and
// say so with an alert or a session ticket one round trip later. We wait this
// long for either before handing over the socket; a server that sends no
// tickets only costs this delay, never a wrong answer about the server.
const CLIENT_AUTH_CONFIRM_MS = 1_500;

/** Where to dial and how to trust what answers. */
export interface DialOptions {
  host: string;
  port: number;
  policy: VerifyPolicy;
  /** Our certificate for listeners that require one (`--client-ca`). */
  clientCert?: { cert: string; key: string };
  /** Deadline for TCP connect plus TLS handshake, in ms (default 15000). */
  connectTimeoutMs?: number;
}

/** A verified connection: the caller may now send its first byte. */
export interface Dialed {
  /** Paused, with no listeners of ours: attach 'data'/'error' at once. */
  socket: tls.TLSSocket;
  /** SHA-256 fingerprint of the helper's certificate (`AB:CD:…`). */
  fingerprint: string;
  /** Negotiated TLS version, e.g. TLSv1.3. */
  protocol: string;
  /** True when the person just trusted this helper (TOFU first contact). */
  newlyTrusted: boolean;
}

/** Shortens OpenSSL's "…:SSL routines:fn:reason:file:line…" message to its reason. */
function sslReason(err: Error): string {
  const m = /SSL routines:[^:]*:([^:]+)/.exec(err.message);
  return (m ? m[1]! : err.message).trim();
}

/** OpenSSL alerts by which a server refuses a client certificate (or the lack of one). */
const CLIENT_CERT_ALERTS = new Set([
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED',
  'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
  'ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR',
]);

/**
 * One line for a failed connection to host:port: `handshaking` says whether TCP
 * was up, `clientCert` whether we offered a certificate. Exported so callers can
 * describe errors that surface after dial() resolved the same way.
 */
export function describeConnectionError(
  err: Error & { code?: string },
  host: string,
  port: number,
  ctx: { handshaking: boolean; clientCert: boolean },
): UserError {
  const target = formatHostPort(host, port);
  const code = err.code ?? '';
  switch (code) {
    case 'ECONNREFUSED':
      return new UserError(`connection refused by ${target} — is shareterm listen running there?`);
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
    case 'EAI_FAIL':
      return new UserError(`cannot resolve host ${host} — check the name`);
    case 'EAI_AGAIN':
      return new UserError(`cannot resolve host ${host} right now (temporary DNS failure) — check the name and your network`);
    case 'ETIMEDOUT':
      return new UserError(`connecting to ${target} timed out — check the address and that no firewall blocks port ${port}`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return new UserError(`${target} is unreachable (${code}) — check the address and your network`);
    case 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION':
    case 'ERR_SSL_UNSUPPORTED_PROTOCOL':
      return new UserError(`${target} does not speak TLS 1.2 or newer (${sslReason(err)}) — upgrade the listener`);
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
    case 'ERR_SSL_HTTP_REQUEST':
      return new UserError(`${target} does not speak TLS (${sslReason(err)}) — is that a shareterm listener?`);
  }
  if (CLIENT_CERT_ALERTS.has(code)) {
    return ctx.clientCert
      ? new UserError(`helper at ${target} rejected our client certificate (${sslReason(err)}) — check --cert/--key: it must be signed by the CA the helper passed to --client-ca`)
      : new UserError(`helper at ${target} requires a client certificate (${sslReason(err)}) — pass --cert FILE --key FILE signed by its --client-ca`);
  }
  if (code === 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE') {
    const hint = ctx.clientCert ? 'check --cert/--key' : 'it may require a client certificate (--cert/--key)';
    return new UserError(`TLS handshake with ${target} failed (handshake failure) — ${hint}`);
  }
  const reason = code.startsWith('ERR_SSL_') ? sslReason(err) : code === 'ECONNRESET' || code === 'EPIPE' ? 'connection reset' : code || err.message;
  if (ctx.handshaking) {
    const hint = ctx.clientCert ? 'is that a shareterm listener, and does it accept our --cert?' : 'is that a shareterm listener?';
    return new UserError(`TLS handshake with ${target} failed: ${reason} — ${hint}`);
  }
  return new UserError(`connection to ${target} failed: ${reason}`);
}

/** A socket whose policy accepted the peer, or whose peer TOFU must ask about. */
interface Verified {
  socket: tls.TLSSocket;
  verdict: Verdict;
}

/** Connects, handshakes and applies the policy; on any failure the socket is destroyed and the promise rejects. */
function connectVerified(opts: DialOptions, host: string, policy: VerifyPolicy, ca: CaBundle | undefined): Promise<Verified> {
  const { port } = opts;
  const target = formatHostPort(host, port);
  const timeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const clientCert = opts.clientCert !== undefined;

  return new Promise<Verified>((resolve, reject) => {
    let socket: tls.TLSSocket;
    try {
      socket = nodeTls.connect({
        host,
        port,
        ...(net.isIP(host) ? {} : { servername: host }), // SNI carries names only, never addresses
        minVersion: 'TLSv1.2',
        // We judge the peer ourselves in 'secureConnect', before anything is written;
        // authorized/authorizationError still report OpenSSL's verdict against `ca`.
        rejectUnauthorized: false,
        // With `ca`, the CA file is the only trust anchor. The other policies
        // consult no CA, so none is loaded: without `ca` Node would parse its
        // ~140 root certificates into the context (about 1 MB, 20 ms).
        ca: ca ? [ca.pem] : [],
        ...(opts.clientCert ? { cert: opts.clientCert.cert, key: opts.clientCert.key } : {}),
        // A server-initiated renegotiation could swap the certificate after we checked it.
        secureOptions: cryptoConstants.SSL_OP_NO_RENEGOTIATION,
      });
    } catch (err) {
      reject(new UserError(`cannot use the client certificate and key (${(err as Error).message}) — check --cert/--key`));
      return;
    }

    let tcpUp = false;
    let settled = false;
    let sawTicket = false;
    let connectTimer: NodeJS.Timeout | undefined;
    let confirmTimer: NodeJS.Timeout | undefined;
    const cleanup = (): void => {
      clearTimeout(connectTimer);
      clearTimeout(confirmTimer);
      socket.off('connect', onConnect);
      socket.off('secureConnect', onSecure);
      socket.off('session', onSession);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      cleanup();
      socket.destroy();
      reject(err);
    };
    // Success is always handed over from a fresh macrotask: 'session' (and possibly
    // 'secureConnect') fire inside OpenSSL's read, and a caller writing from there
    // (its `await dial()` continuation runs as a microtask) corrupts the TLS record
    // stream ("bad record mac"). Our listeners stay on until then, so an error in
    // between still rejects.
    const succeed = (verdict: Verdict): void => {
      setImmediate(() => {
        if (settled) return;
        settled = true;
        cleanup();
        resolve({ socket, verdict });
      });
    };

    let verdict: Verdict | undefined; // set once the policy accepted, while we wait for the server's word on us
    const onConnect = (): void => {
      tcpUp = true;
    };
    const onError = (err: Error): void => fail(describeConnectionError(err, host, port, { handshaking: tcpUp, clientCert }));
    const onClose = (): void => {
      if (!tcpUp) {
        fail(new UserError(`cannot connect to ${target} — check the address`));
      } else if (verdict && clientCert) {
        // Node's TLS server rejects a client certificate by closing, without an alert.
        fail(new UserError(`helper at ${target} closed the connection right after the TLS handshake: it rejected our client certificate — check --cert/--key (it must be signed by the helper's --client-ca)`));
      } else {
        const when = verdict ? 'right after' : 'during';
        const hint = clientCert ? 'check --cert/--key' : 'if it requires a client certificate, pass --cert/--key';
        fail(new UserError(`helper at ${target} closed the connection ${when} the TLS handshake — is that a shareterm listener? (${hint})`));
      }
    };
    const onSession = (): void => {
      // A TLS 1.3 session ticket: the server finished its side of the handshake, us included.
      sawTicket = true;
      if (verdict) succeed(verdict);
    };
    const onSecure = (): void => {
      clearTimeout(connectTimer); // from here on a person may be answering a question
      // An async function, so that anything thrown below also lands in `fail`.
      const decide = async (): Promise<void> => {
        const v = await verifyPeer(socket, host, port, policy, ca);
        if (settled) return;
        // TOFU first contact, TLS 1.2 (client auth already settled in the handshake),
        // or a ticket already seen: nothing more to wait for.
        if (v.kind === 'ask' || socket.getProtocol() !== 'TLSv1.3' || sawTicket) {
          succeed(v);
          return;
        }
        verdict = v;
        confirmTimer = setTimeout(() => succeed(v), CLIENT_AUTH_CONFIRM_MS);
      };
      decide().catch((err: unknown) => fail(err instanceof Error ? err : new Error(String(err))));
    };
    connectTimer = setTimeout(() => {
      fail(
        tcpUp
          ? new UserError(`TLS handshake with ${target} timed out after ${timeoutMs / 1000} s — is that a shareterm listener?`)
          : new UserError(`connecting to ${target} timed out after ${timeoutMs / 1000} s — check the address and that no firewall blocks port ${port}`),
      );
    }, timeoutMs);

    socket.on('connect', onConnect);
    socket.on('secureConnect', onSecure);
    socket.on('session', onSession);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}

/**
 * Dials the helper and verifies it with `opts.policy`. Resolves only once the
 * policy accepted the peer (TOFU: after the person said yes, on a fresh
 * connection pinned to what they accepted); rejects with VerifyError when a
 * check refused it, or UserError when the connection failed.
 */
export async function dial(opts: DialOptions): Promise<Dialed> {
  const host = opts.host.replace(/^\[(.*)\]$/, '$1'); // accept [::1] as typed for URLs
  const ca = opts.policy.kind === 'ca' ? await loadCaFile(opts.policy.caFile) : undefined;

  const first = await connectVerified(opts, host, opts.policy, ca);
  if (first.verdict.kind === 'accept') {
    return done(first.socket, first.verdict.fingerprint, false);
  }

  // TOFU first contact: close before asking, so no connection idles on a person
  // (the listener's handshake deadline would end it anyway); nothing was sent.
  first.socket.destroy();
  await askAndTrust(first.verdict, host, opts.port);
  const accepted = first.verdict.fingerprint;
  try {
    const again = await connectVerified(opts, host, { kind: 'fingerprint', fingerprint: accepted }, undefined);
    return done(again.socket, accepted, true);
  } catch (err) {
    if (err instanceof VerifyError && err.check === 'pin-mismatch') {
      const target = formatHostPort(host, opts.port);
      throw new VerifyError('tofu-changed', `WARNING: the certificate of ${target} CHANGED while you were answering (you accepted ${accepted}, now ${err.fingerprint ?? 'another'}) — possible man-in-the-middle; nothing was sent`, err.fingerprint);
    }
    throw err;
  }
}

/** The Dialed result for a verified socket. */
function done(socket: tls.TLSSocket, fingerprint: string, newlyTrusted: boolean): Dialed {
  socket.setNoDelay(true); // keystrokes and echoes are small; Nagle would add a round trip
  return { socket, fingerprint, protocol: socket.getProtocol() ?? 'unknown', newlyTrusted };
}
