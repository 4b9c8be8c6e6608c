// `shareterm share HOST PORT`: dial the helper, verify it, then run a local
// session shown in the user's own terminal and streamed to the helper.

import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../cli/errors.js';
import { configDir } from '../cli/config.js';
import { askYesNo } from '../cli/prompt.js';
import { APP } from '../cli/version.js';
import { Link } from '../proto/link.js';
import { MAX_FRAME } from '../proto/frame.js';
import {
  PROTOCOL_VERSION, parseViewMessage, versionMismatch,
  type ShareMessage, type ViewMessage, type ViewHello, type Layout,
} from '../proto/messages.js';
import { Session, type Client, type ClientEvent } from '../mux/session.js';
import { spawnPty } from '../mux/pty.js';
import { Viewer, prefixKeyName } from '../view/viewer.js';
import { detectCaps } from '../view/caps.js';
import { bindTerminal, haveTerminal, terminalSize } from '../view/tty.js';
import type { VerifyPolicy } from '../tls/verify.js';

/** Scrollback kept per window. */
const SCROLLBACK = 5000; // lines

export interface ShareOptions {
  host: string;
  port: number;
  ca?: string;
  fingerprint?: string;
  insecure: boolean;
  cert?: string;
  key?: string;
  token?: string;
  readOnly: boolean;
  name?: string;
  prefix: number;
  command: string[];
}

/** Run a share until the session ends; resolves to the exit status. */
export async function runShare(opts: ShareOptions): Promise<number> {
  const policy = await makePolicy(opts);
  if (opts.insecure) {
    process.stderr.write('shareterm: WARNING: --insecure: the helper is not verified; whoever answers at that address can watch and type in your session\n');
  }
  const { loadCertAndKey } = await import('../tls/pem.js');
  let clientCert: { cert: string; key: string } | undefined;
  if (opts.cert || opts.key) {
    if (!opts.cert || !opts.key) throw new UserError('--cert and --key go together: give both, or neither');
    const ck = await loadCertAndKey(opts.cert, opts.key);
    for (const w of ck.warnings) process.stderr.write(`shareterm: warning: ${w}\n`);
    clientCert = { cert: ck.cert, key: ck.key };
  }

  const { dial } = await import('../tls/dial.js');
  const dialed = await dial({ host: opts.host, port: opts.port, policy, ...(clientCert ? { clientCert } : {}) });
  if (dialed.newlyTrusted) process.stderr.write(`shareterm: trusted ${opts.host}:${opts.port} (${dialed.fingerprint}) from now on\n`);
  // Checked after verification so that a TOFU question with no terminal to
  // ask on gets its own, more useful, message.
  if (!haveTerminal()) {
    dialed.socket.destroy();
    throw new UserError('share needs a terminal to show your session in — run it from an interactive terminal');
  }

  // Verified: only now does anything of ours cross the connection.
  const link = new Link<ViewMessage, ShareMessage>(dialed.socket, { parse: parseViewMessage, compression: true });
  link.stream.resume();
  const name = opts.name ?? `${os.userInfo().username}@${os.hostname()}`;
  link.send({
    t: 'hello', v: PROTOCOL_VERSION, role: 'share', app: APP, name,
    session: randomBytes(12).toString('hex'), readOnly: opts.readOnly, z: true,
    ...(opts.token !== undefined ? { token: opts.token } : {}),
  });
  link.startKeepAlive();
  process.stderr.write(`shareterm: connected to ${opts.host}:${opts.port} (${dialed.protocol}); waiting for the helper to accept…\n`);
  const hello = await waitForHello(link);
  link.setMaxFrame(MAX_FRAME);
  return runSession(opts, link, hello, name);
}

async function makePolicy(opts: ShareOptions): Promise<VerifyPolicy> {
  const chosen = [opts.ca !== undefined, opts.fingerprint !== undefined, opts.insecure].filter(Boolean).length;
  if (chosen > 1) throw new UserError('choose one way to verify the helper: --ca, --fingerprint or --insecure');
  if (opts.ca !== undefined) {
    const { loadCaFile } = await import('../tls/pem.js');
    await loadCaFile(opts.ca); // a clear error now for a missing or wrong file
    return { kind: 'ca', caFile: opts.ca };
  }
  if (opts.fingerprint !== undefined) {
    const { parseFingerprint } = await import('../tls/fingerprint.js');
    return { kind: 'fingerprint', fingerprint: parseFingerprint(opts.fingerprint) };
  }
  if (opts.insecure) return { kind: 'insecure' };
  return {
    kind: 'tofu',
    knownHostsFile: path.join(configDir(), 'known_hosts'),
    ask: haveTerminal()
      ? (q): Promise<boolean> =>
          askYesNo(`shareterm: ${q.host}:${q.port} is not known. Its certificate fingerprint is\n  ${q.fingerprint}\nCompare it with the one the helper's listen printed. Trust it and connect?`)
      : null,
  };
}

/** The helper's hello (it accepted), or a UserError saying why not. */
function waitForHello(link: Link<ViewMessage, ShareMessage>): Promise<ViewHello> {
  return new Promise((resolve, reject) => {
    const subs = [
      link.onMessage.on((m) => {
        for (const s of subs) s.dispose();
        if (m.t === 'hello') {
          if (m.v !== PROTOCOL_VERSION) {
            link.close(versionMismatch(m.v), { t: 'err', code: 'version', text: versionMismatch(m.v) });
            reject(new UserError(versionMismatch(m.v)));
            return;
          }
          resolve(m);
        } else if (m.t === 'err') {
          link.destroy(m.text);
          const hint = m.code === 'token' ? ' — check --token' : m.code === 'busy' ? ' — try again when they are free' : '';
          reject(new UserError(`the helper refused the share: ${cleanText(m.text)}${hint}`));
        } else if (m.t === 'bye') {
          link.destroy(m.reason);
          reject(new UserError(`the helper closed the connection: ${cleanText(m.reason)}`));
        } else {
          link.destroy('protocol error');
          reject(new UserError(`the helper sent ${m.t} before accepting — is that a shareterm listener?`));
        }
      }),
      link.onClose.on((c) => {
        for (const s of subs) s.dispose();
        reject(new UserError(`the helper's side closed the connection before accepting (${c.reason})`));
      }),
    ];
  });
}

function cleanText(s: string): string {
  return s.replace(/[\x00-\x1f\x7f-\x9f]/g, '?').slice(0, 200);
}

/** The session proper: local viewer for the user, a client for the helper. */
function runSession(opts: ShareOptions, link: Link<ViewMessage, ShareMessage>, hello: ViewHello, name: string): Promise<number> {
  const size = terminalSize();
  const shell = process.env.SHELL || '/bin/sh';
  const [file, ...args] = opts.command.length > 0 ? opts.command : [shell];
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  delete env.TMUX;
  delete env.TMUX_PANE;
  Object.assign(env, { TERM: 'xterm-256color', COLORTERM: 'truecolor', SHARETERM: '1', SHARETERM_SESSION: name });

  const session = new Session({
    name, file: file!, args, cwd: process.cwd(), env,
    cols: size.cols, rows: Math.max(1, size.rows - 1), scrollback: SCROLLBACK, spawn: spawnPty,
  });

  let owner: Client | undefined;
  const viewer = new Viewer({
    role: 'owner',
    prefix: opts.prefix,
    prefixName: prefixKeyName(opts.prefix),
    caps: detectCaps(),
    write: (s) => process.stdout.write(s),
    cols: size.cols,
    rows: size.rows,
    model: (id) => session.window(id)?.model,
    host: {
      input: (d) => owner?.input(d),
      command: (n, a) => {
        const msg = owner?.command(n, a);
        if (msg) viewer.showNotice(msg);
      },
      detach: () => session.end('the user ended the session'),
      resize: (c, r) => owner?.resize(c, r),
    },
  });

  return new Promise((resolve) => {
    /** Set when a signal ended the session: exit 128 + its number, as a shell reports it. */
    let signalled: number | undefined;
    session.onEnd.on((reason) => {
      if (!link.isClosed) link.close(reason);
      terminal.dispose();
      process.stderr.write(`shareterm: session ended: ${reason}\n`);
      resolve(signalled ?? 0);
    });
    const terminal = bindTerminal(viewer);
    session.start();
    if (session.isEnded) return;
    owner = session.attach(
      {
        send: (ev: ClientEvent) => {
          if (ev.t === 'layout') viewer.setLayout(ev as Layout);
          else if (ev.t === 'msg') viewer.showNotice(ev.text);
        },
        close: () => {},
      },
      { name, role: 'owner', canWrite: true, lockedReadOnly: false, cols: size.cols, rows: size.rows, local: true },
    );
    attachHelper(session, link, hello, opts, viewer);
    // SIGHUP: the terminal went away; SIGINT only comes from outside (the
    // terminal is raw, so Ctrl-C is a key for the session). SIGHUP stays
    // handled, as a hangup may be both signalled and noticed by tty.ts
    // (failed reads and writes); a second SIGTERM or SIGINT kills at once.
    for (const [sig, n] of [['SIGTERM', 15], ['SIGHUP', 1], ['SIGINT', 2]] as const) {
      process[sig === 'SIGHUP' ? 'on' : 'once'](sig, () => {
        signalled ??= 128 + n;
        session.end(`the user's shareterm got ${sig}`);
      });
    }
  });
}

/** Wire the helper's connection to a session client. */
function attachHelper(session: Session, link: Link<ViewMessage, ShareMessage>, hello: ViewHello, opts: ShareOptions, viewer: Viewer): void {
  const locked = opts.readOnly || hello.readOnly;
  const helperName = cleanText(hello.name).slice(0, 64) || 'helper';
  const helper = session.attach(
    {
      send: (ev) => link.send(ev),
      close: (reason) => link.close(reason),
    },
    { name: helperName, role: 'helper', canWrite: !locked, lockedReadOnly: locked, cols: hello.cols, rows: hello.rows, local: false },
  );
  viewer.setConnection(`shared with ${helperName}`, true);
  viewer.showNotice(
    `${helperName} is watching${locked ? ' (read-only)' : ' and may type'} — ${prefixKeyName(opts.prefix)} ${locked ? '' : 'r toggles typing, '}${prefixKeyName(opts.prefix)} k disconnects`,
  );
  let lastSeq = 0;
  link.onMessage.on((m) => {
    switch (m.t) {
      case 'in':
        // Applied at most once: a resent input (after a reconnect) is skipped.
        if (m.seq <= lastSeq) break;
        lastSeq = m.seq;
        helper.input(m.data);
        break;
      case 'ack':
        helper.ack(m.n);
        break;
      case 'size':
        helper.resize(m.cols, m.rows);
        break;
      case 'cmd': {
        const msg = helper.command(m.name, m.args);
        if (msg) link.send({ t: 'msg', text: msg });
        break;
      }
      default:
        break;
    }
  });
  link.onClose.on((c) => {
    if (session.isEnded) return;
    helper.detach();
    viewer.setConnection(c.byUs ? 'not shared' : 'helper disconnected', false);
    viewer.showNotice(c.byUs ? `${helperName} disconnected` : `${helperName} left: ${cleanText(c.reason)}`);
  });
}
