// `shareterm listen`: the helper's TLS listener. Strangers get a deadline and
// a small frame limit until they say a valid hello; an accepted share turns
// this terminal into a view of the user's session, drawn from replicas.

import os from 'node:os';
import type net from 'node:net';
import fs from 'node:fs/promises';
import type tls from 'node:tls';
import { UserError } from '../cli/errors.js';
import { askYesNo } from '../cli/prompt.js';
import { Link } from '../proto/link.js';
import {
  PROTOCOL_VERSION, parseShareMessage, versionMismatch,
  type ShareMessage, type ViewMessage, type ShareHello, type Refuse,
} from '../proto/messages.js';
import { haveTerminal } from '../view/tty.js';
import { cleanLabel } from '../view/text.js';
import { HelperView } from './view.js';
import { IdleCollector } from '../lib/idle-gc.js';

/** A connection must finish TLS and send a valid hello within this time. */
export const HANDSHAKE_DEADLINE = 10_000; // ms

export interface ListenOptions {
  port: number;
  host?: string;
  cert?: string;
  key?: string;
  clientCa?: string;
  token?: string;
  tokenFile?: string;
  readOnly: boolean;
  ask: boolean;
  once: boolean;
  name?: string;
  prefix: number;
  scrollback: number; // lines per replica
}

/** Listen until interrupted (or, with --once, until the first session ends). */
export async function runListen(opts: ListenOptions): Promise<number> {
  if (!haveTerminal()) {
    throw new UserError('listen needs a terminal to show the shared session in — run it from an interactive terminal');
  }
  const identity = await loadIdentity(opts);
  const token = await loadToken(opts);
  let clientCa: string | undefined;
  if (opts.clientCa) {
    const { loadCaFile } = await import('../tls/pem.js');
    clientCa = (await loadCaFile(opts.clientCa, '--client-ca')).pem;
  }
  const { createTlsServer, peerCertSubject, tokensEqual } = await import('../tls/server.js');
  const server = createTlsServer({
    cert: identity.cert, key: identity.key, handshakeTimeoutMs: HANDSHAKE_DEADLINE,
    ...(clientCa ? { clientCa } : {}),
  });
  await listenOn(server, opts.port, opts.host);
  const addr = server.address() as net.AddressInfo;
  const helperName = opts.name ?? `${os.userInfo().username}@${os.hostname()}`;
  printBanner(addr, opts, identity.fingerprint, token !== undefined);
  new IdleCollector().start(); // memory back after bursts (src/lib/idle-gc.ts)

  /** The share being asked about or shown (or waiting to resume). */
  let busy = false;
  let current: HelperView | undefined;
  let turns = 0; // counts accepted shares, so a replaced one's ending changes nothing
  /** Set by a signal: the exit status once the session shown (if any) is left. */
  let stopping: number | undefined;
  /** Leaves the share being asked about or shown, with a reason for the user. */
  let leave: ((reason: string) => void) | undefined;
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (finish = resolve));

  // Before a valid hello, a connection is a stranger's: the TLS handshake
  // must finish within HANDSHAKE_DEADLINE (the server's handshakeTimeout),
  // and the hello within HANDSHAKE_DEADLINE after that; frames stay small.
  server.on('connection', (sock: net.Socket) => sock.on('error', () => {}));
  server.on('tlsClientError', () => {
    // A failed handshake (plain TCP, wrong protocol, refused client cert) closes that connection only.
  });
  server.on('error', (e) => process.stderr.write(`shareterm: listener error: ${e.message}\n`));

  server.on('secureConnection', (sock: tls.TLSSocket) => {
    const link = new Link<ShareMessage, ViewMessage>(sock, { parse: parseShareMessage, compression: true });
    const deadline = setTimeout(() => link.destroy('no hello in time'), HANDSHAKE_DEADLINE);
    deadline.unref();
    link.onClose.on(() => clearTimeout(deadline));
    const refuse = (code: Refuse['code'], text: string): void => {
      link.close(text, { t: 'err', code, text });
    };
    const first = link.onMessage.on((m) => {
      first.dispose();
      clearTimeout(deadline);
      if (m.t !== 'hello') return link.destroy('no hello');
      if (m.v !== PROTOCOL_VERSION) return refuse('version', versionMismatch(m.v));
      const hello = m as ShareHello;
      if (token !== undefined && !tokensEqual(hello.token ?? '', token)) return refuse('token', 'wrong or missing token');
      // The share we are showing, back after the network dropped it.
      if (current?.disconnected && hello.session === current.sessionId) {
        current.attach(link, hello);
        return;
      }
      // A new share while the one shown is only waiting to come back (its
      // process is most likely gone): the new one takes its place.
      if (current?.disconnected) current.end('the user started a new share');
      else if (busy) return refuse('busy', `${helperName} is helping someone else right now`);
      busy = true;
      const turn = ++turns;
      const from = `${cleanLabel(hello.name, 64)} from ${sock.remoteAddress ?? '?'}${peerCertSubject(sock) ? ` (certificate: ${peerCertSubject(sock)})` : ''}`;
      leave = (why) => (current ? current.end(why) : link.close(why));
      void accept(link, hello, from).then((code) => {
        if (turn !== turns) return; // a newer share has taken over
        busy = false;
        leave = undefined;
        current = undefined;
        if (stopping !== undefined) finish(stopping);
        else if (code !== undefined && opts.once) finish(code);
        else if (!opts.once) process.stderr.write(`shareterm: waiting for the next share on port ${addr.port}\n`);
        else finish(0);
      });
    });
    link.onClose.on(() => first.dispose());
  });

  /** Ask (with --ask), then show the session until it ends; undefined when declined. */
  const accept = async (link: Link<ShareMessage, ViewMessage>, hello: ShareHello, from: string): Promise<number | undefined> => {
    if (opts.ask) {
      const abort = new AbortController();
      link.onClose.on(() => abort.abort());
      link.startKeepAlive();
      const yes = await askYesNo(`shareterm: share request: ${from}${hello.readOnly ? ' (read-only)' : ''}. Accept?`, abort.signal);
      if (link.isClosed) {
        process.stderr.write('shareterm: the share went away before you answered\n');
        return undefined;
      }
      if (!yes) {
        link.close('declined', { t: 'err', code: 'declined', text: 'the helper declined the share' });
        process.stderr.write('shareterm: declined\n');
        return undefined;
      }
    }
    process.stderr.write(`shareterm: attaching to ${from}\n`);
    current = new HelperView(hello, { readOnly: opts.readOnly, prefix: opts.prefix, helperName, scrollback: opts.scrollback });
    current.attach(link, hello);
    const reason = await current.done;
    process.stderr.write(`shareterm: session with ${cleanLabel(hello.name, 64)} ended: ${reason}\n`);
    return 0;
  };

  // A signal stops listening. A session being shown (or asked about) is
  // left first, with the signal as the reason the user sees, and its view
  // puts the terminal back before we exit. Ctrl-C while waiting is the
  // documented way to quit (status 0); SIGTERM and SIGHUP (the terminal
  // went away) exit 128 + the signal's number, as a shell reports it.
  const stop = (sig: 'SIGINT' | 'SIGTERM' | 'SIGHUP', status: number) => (): void => {
    if (stopping !== undefined) return;
    server.close();
    stopping = status;
    if (leave) leave(`the helper's shareterm got ${sig}`);
    else finish(status);
  };
  process.once('SIGINT', stop('SIGINT', 0));
  process.once('SIGTERM', stop('SIGTERM', 128 + 15));
  // `on`: a hangup may be both signalled and noticed by tty.ts (failed reads
  // and writes); a second SIGTERM or SIGINT still kills at once.
  process.on('SIGHUP', stop('SIGHUP', 128 + 1));
  const code = await done;
  server.close();
  return code;
}

async function loadIdentity(opts: ListenOptions): Promise<{ cert: string; key: string; fingerprint: string }> {
  if (opts.cert || opts.key) {
    if (!opts.cert || !opts.key) throw new UserError('--cert and --key go together: give both, or neither (to use the self-signed identity)');
    const { loadCertAndKey } = await import('../tls/pem.js');
    const ck = await loadCertAndKey(opts.cert, opts.key);
    for (const w of ck.warnings) process.stderr.write(`shareterm: warning: ${w}\n`);
    return ck;
  }
  const { loadOrCreateIdentity } = await import('../tls/identity.js');
  const id = await loadOrCreateIdentity();
  if (id.created) process.stderr.write(`shareterm: created a self-signed identity in ${id.certFile}\n`);
  return id;
}

async function loadToken(opts: ListenOptions): Promise<string | undefined> {
  if (opts.token !== undefined && opts.tokenFile !== undefined) throw new UserError('give --token or --token-file, not both');
  if (opts.token !== undefined) {
    if (opts.token === '') throw new UserError('--token is empty — give a secret to share with the user');
    return opts.token;
  }
  if (opts.tokenFile === undefined) return undefined;
  let text: string;
  try {
    text = await fs.readFile(opts.tokenFile, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read --token-file ${opts.tokenFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} — check the path`);
  }
  const t = text.trim();
  if (t === '') throw new UserError(`--token-file ${opts.tokenFile} is empty — put the secret in it`);
  return t;
}

function listenOn(server: tls.Server, port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      const where = `${host ?? '*'}:${port}`;
      if (e.code === 'EADDRINUSE') reject(new UserError(`port ${port} is already in use (${where}) — choose another with -p`));
      else if (e.code === 'EACCES') reject(new UserError(`not allowed to listen on port ${port} — use a port above 1023 with -p`));
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') reject(new UserError(`cannot listen on ${host}: not an address of this machine — check --host`));
      else reject(new UserError(`cannot listen on ${where}: ${e.message}`));
    };
    server.once('error', onError);
    server.listen({ port, ...(host ? { host } : {}) }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function printBanner(addr: net.AddressInfo, opts: ListenOptions, fingerprint: string, hasToken: boolean): void {
  const wildcard = addr.address === '::' || addr.address === '0.0.0.0';
  const hostForUser = !wildcard ? addr.address : os.hostname();
  const others = wildcard
    ? Object.values(os.networkInterfaces()).flat().filter((i) => i && !i.internal && i.family === 'IPv4').map((i) => i!.address)
    : [];
  const shown = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  const lines = [
    `shareterm: listening on ${shown}:${addr.port} (TLS 1.2+)${opts.readOnly ? ', read-only' : ''}${opts.ask ? ', asking before each share' : ''}`,
    `shareterm: certificate SHA-256 fingerprint ${fingerprint}`,
    'shareterm: give the user this command (any of this machine\'s names or addresses will do):',
    `  shareterm share ${hostForUser} ${addr.port} --fingerprint ${fingerprint}${hasToken ? ' --token SECRET' : ''}`,
  ];
  if (others.length > 0) lines.push(`shareterm: this machine's addresses: ${others.join(', ')}`);
  lines.push('shareterm: waiting for a share (Ctrl-C to quit)');
  process.stderr.write(lines.join('\n') + '\n');
}
