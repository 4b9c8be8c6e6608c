// Deciding whether the helper we reached is the one the user meant: the four
// verification policies of `shareterm share` (SPEC §1, §4). Every refusal is a
// VerifyError whose one line names the check in plain words and what to do.
import { printable } from '../lib/printable.js';
import net from 'node:net';
import type tls from 'node:tls';
import { UserError } from '../cli/errors.js';
import { fingerprintOfDer, fingerprintsEqual, parseFingerprint } from './fingerprint.js';
import { formatHostPort, KnownHosts } from './known-hosts.js';
import { nodeTls } from './node-tls.js';
import type { CaBundle } from './pem.js';

/** Asks the person whether to trust a helper seen for the first time (y/N). */
export type TofuAsk = (q: { host: string; port: number; fingerprint: string }) => Promise<boolean>;

/** How `share` decides to trust the helper: exactly one policy. */
export type VerifyPolicy =
  | { kind: 'ca'; caFile: string } // chain must verify to this CA AND name the host (SAN)
  | { kind: 'fingerprint'; fingerprint: string } // canonical AB:CD form (use parseFingerprint)
  | { kind: 'tofu'; knownHostsFile: string; ask: TofuAsk | null } // ask=null: no terminal to ask on
  | { kind: 'insecure' };

/** The check that refused the helper. */
export type VerifyCheck =
  | 'unknown-ca'
  | 'name-mismatch'
  | 'expired'
  | 'not-yet-valid'
  | 'pin-mismatch'
  | 'tofu-changed'
  | 'tofu-declined'
  | 'tofu-no-tty'
  | 'bad-certificate';

/** The helper's certificate was refused; nothing of the session was sent. */
export class VerifyError extends UserError {
  readonly check: VerifyCheck;
  /** The helper's certificate fingerprint, when we got that far. */
  readonly fingerprint: string | undefined;

  constructor(check: VerifyCheck, message: string, fingerprint?: string) {
    super(message);
    this.name = 'VerifyError';
    this.check = check;
    this.fingerprint = fingerprint;
  }
}

/** What the policy says about a peer that passed the checks so far. */
export type Verdict =
  | { kind: 'accept'; fingerprint: string }
  // TOFU, first contact: the caller must close the connection, then call askAndTrust.
  | { kind: 'ask'; fingerprint: string; knownHosts: KnownHosts; ask: TofuAsk };

/** OpenSSL verify codes meaning "not signed by a CA we trust". */
const UNKNOWN_CA_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
]);
const NAME_MISMATCH_CODES = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH', 'IP_ADDRESS_MISMATCH']);
const MAX_NAMES_SHOWN = 6; // names listed in a name-mismatch message before "…"


/** `Jan  1 00:00:00 2021 GMT` (OpenSSL's date) as 2021-01-01. */
function day(opensslDate: string): string {
  const d = new Date(opensslDate);
  return Number.isNaN(d.getTime()) ? printable(opensslDate) : d.toISOString().slice(0, 10);
}

/** The names a certificate is valid for, from its SANs (or CN when it has none), for messages. */
function namesOf(cert: tls.PeerCertificate): string {
  const sans = (cert.subjectaltname ?? '')
    .split(/,\s*/)
    .map((s) => s.replace(/^(DNS|IP Address):/, ''))
    .filter((s) => s !== '');
  const cn = cert.subject?.CN;
  const names = sans.length > 0 ? sans : cn ? [String(cn)] : [];
  if (names.length === 0) return 'no host names';
  const shown = names.slice(0, MAX_NAMES_SHOWN).join(', ');
  return printable(names.length > MAX_NAMES_SHOWN ? `${shown}, …` : shown);
}

/** Node reports authorizationError as an OpenSSL code string (typed as Error). */
function codeOf(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string') return e.code;
  return e instanceof Error ? e.message : String(e);
}

/** The `ca` policy: the chain verifies to the CA in `ca` only, and the certificate names `host`. */
function checkCa(socket: tls.TLSSocket, host: string, port: number, caFile: string, ca: CaBundle, leaf: tls.DetailedPeerCertificate, fp: string): void {
  const who = `cannot verify helper at ${formatHostPort(host, port)}`;
  if (socket.authorized !== true) {
    const code = codeOf(socket.authorizationError);
    if (UNKNOWN_CA_CODES.has(code)) {
      throw new VerifyError('unknown-ca', `${who}: its certificate is not signed by the CA in ${caFile} (unknown CA, ${code}) — check --ca, or ask the helper which CA signed it`, fp);
    }
    if (code === 'CERT_HAS_EXPIRED') {
      const leafExpired = new Date(leaf.valid_to).getTime() < Date.now();
      const which = leafExpired ? `its certificate expired on ${day(leaf.valid_to)}` : `the CA certificate in ${caFile} has expired`;
      throw new VerifyError('expired', `${who}: ${which} (expired) — the helper must issue a new one (shareterm certs)`, fp);
    }
    if (code === 'CERT_NOT_YET_VALID') {
      throw new VerifyError('not-yet-valid', `${who}: its certificate is not valid until ${day(leaf.valid_from)} (not yet valid) — check the clock on both machines`, fp);
    }
    if (!NAME_MISMATCH_CODES.has(code)) {
      throw new VerifyError('bad-certificate', `${who}: its certificate was refused (${printable(code)}) — check --ca and the helper's certificate`, fp);
    }
  }
  // Checked here too, not only through authorizationError: Node skips the name check on some paths.
  const hostForCheck = net.isIP(host) ? host : host.replace(/\.$/, '');
  if (socket.authorized !== true || nodeTls.checkServerIdentity(hostForCheck, leaf) !== undefined) {
    throw new VerifyError(
      'name-mismatch',
      `${who}: its certificate does not name ${host} (name mismatch; it names ${namesOf(leaf)}) — connect using one of those names, or re-issue it with shareterm certs --name ${host}`,
      fp,
    );
  }
  // Defence in depth: the verified chain must end at a certificate of *this* bundle,
  // so a socket that was (wrongly) dialled with the system roots can never pass.
  if (!chainReaches(leaf, ca)) {
    throw new VerifyError('unknown-ca', `${who}: its certificate does not chain to the CA in ${caFile} (unknown CA) — check --ca`, fp);
  }
}

/** True when some certificate in the peer's verified chain is one of the bundle's certificates. */
function chainReaches(leaf: tls.DetailedPeerCertificate, ca: CaBundle): boolean {
  const anchors = ca.certs.map((c) => c.raw);
  const seen = new Set<tls.DetailedPeerCertificate>();
  for (let c: tls.DetailedPeerCertificate | undefined = leaf; c && !seen.has(c); c = c.issuerCertificate) {
    seen.add(c);
    if (c.raw && anchors.some((a) => a.equals(c!.raw))) return true;
  }
  return false;
}

/**
 * Applies `policy` to the peer of a handshaken socket (nothing sent yet). Returns
 * 'accept', or for TOFU first contact 'ask' (the caller closes the connection
 * before asking, so no half-open session waits on a person). Throws VerifyError.
 */
export async function verifyPeer(
  socket: tls.TLSSocket,
  host: string,
  port: number,
  policy: VerifyPolicy,
  ca?: CaBundle,
): Promise<Verdict> {
  const leaf = socket.getPeerCertificate(true);
  if (!leaf?.raw || leaf.raw.length === 0) {
    throw new VerifyError('bad-certificate', `cannot verify helper at ${formatHostPort(host, port)}: it sent no certificate — is that a shareterm listener?`);
  }
  const fingerprint = fingerprintOfDer(leaf.raw);
  const target = formatHostPort(host, port);

  switch (policy.kind) {
    case 'insecure':
      return { kind: 'accept', fingerprint };
    case 'ca':
      if (!ca) throw new Error('verifyPeer: ca policy without a loaded CA bundle');
      checkCa(socket, host, port, policy.caFile, ca, leaf, fingerprint);
      return { kind: 'accept', fingerprint };
    case 'fingerprint': {
      const pinned = parseFingerprint(policy.fingerprint);
      if (!fingerprintsEqual(pinned, fingerprint)) {
        throw new VerifyError('pin-mismatch', `cannot verify helper at ${target}: its certificate fingerprint ${fingerprint} does not match --fingerprint ${pinned} (pin mismatch) — check the fingerprint with the helper`, fingerprint);
      }
      return { kind: 'accept', fingerprint };
    }
    case 'tofu': {
      const knownHosts = await KnownHosts.load(policy.knownHostsFile);
      const known = knownHosts.lookup(host, port);
      if (known !== undefined) {
        if (fingerprintsEqual(known, fingerprint)) return { kind: 'accept', fingerprint };
        throw new VerifyError('tofu-changed', `WARNING: the certificate of ${target} has CHANGED (was ${known}, now ${fingerprint}) — possible man-in-the-middle; if the helper really changed it, remove the line for ${target} from ${policy.knownHostsFile}`, fingerprint);
      }
      if (policy.ask === null) {
        throw new VerifyError('tofu-no-tty', `cannot verify helper at ${target}: it is not in ${policy.knownHostsFile} and there is no terminal to ask on (tofu, no tty) — its fingerprint is ${fingerprint}; if the helper confirms it, pass --fingerprint ${fingerprint}, or use --ca FILE`, fingerprint);
      }
      return { kind: 'ask', fingerprint, knownHosts, ask: policy.ask };
    }
    default: {
      // Unreachable for typed callers; an unknown policy must refuse, never accept.
      const unknown: never = policy;
      throw new Error(`unknown verify policy ${JSON.stringify(unknown)}`);
    }
  }
}

/** TOFU first contact: asks the person; on yes records the fingerprint in known_hosts, on no throws tofu-declined. */
export async function askAndTrust(verdict: Extract<Verdict, { kind: 'ask' }>, host: string, port: number): Promise<void> {
  const yes = await verdict.ask({ host, port, fingerprint: verdict.fingerprint });
  if (!yes) {
    throw new VerifyError('tofu-declined', `not trusting helper at ${formatHostPort(host, port)} (you declined fingerprint ${verdict.fingerprint}; tofu declined) — nothing was sent; compare the fingerprint with the helper and try again, or pass --fingerprint`, verdict.fingerprint);
  }
  await verdict.knownHosts.add(host, port, verdict.fingerprint);
}
