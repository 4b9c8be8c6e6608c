// `shareterm share HOST PORT`: dial the helper, verify it, then run a local
// session shown in the user's own terminal and streamed to the helper.

import os from 'node:os';
import path from 'node:path';
import { UserError } from '../cli/errors.js';
import { configDir } from '../cli/config.js';
import { askYesNo } from '../cli/prompt.js';
import type { Layout } from '../proto/messages.js';
import { Session, type Client, type ClientEvent } from '../mux/session.js';
import { spawnPty } from '../mux/pty.js';
import { prefixKeyName } from '../view/viewer.js';
import { bindTerminal, haveTerminal, terminalSize, terminalViewer } from '../view/tty.js';
import type { VerifyPolicy } from '../tls/verify.js';
import { HelperConnection, connect, newSessionId, type Connected, type DialContext } from './helper.js';
import { IdleCollector } from '../lib/idle-gc.js';


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
  scrollback: number; // lines per window
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

  new IdleCollector().start(); // memory back after bursts (src/lib/idle-gc.ts)
  const name = opts.name ?? `${os.userInfo().username}@${os.hostname()}`;
  const ctx: DialContext = {
    host: opts.host, port: opts.port, policy, readOnly: opts.readOnly, name, session: newSessionId(),
    ...(clientCert ? { clientCert } : {}),
    ...(opts.token !== undefined ? { token: opts.token } : {}),
  };
  const first = await connect(ctx, undefined, {
    // Checked after verification, so that a TOFU question with no terminal
    // to ask on gets its own, more useful, message.
    verified: () => {
      if (!haveTerminal()) throw new UserError('share needs a terminal to show your session in — run it from an interactive terminal');
    },
    waiting: (c) => process.stderr.write(`shareterm: connected to ${opts.host}:${opts.port} (${c.protocol}); waiting for the helper to accept…\n`),
  });
  if (first.newlyTrusted) process.stderr.write(`shareterm: trusted ${opts.host}:${opts.port} (${first.fingerprint}) from now on\n`);
  return runSession(opts, ctx, first);
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

/** The session proper: local viewer for the user, a client for the helper. */
function runSession(opts: ShareOptions, ctx: DialContext, first: Connected): Promise<number> {
  const name = ctx.name;
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
    cols: size.cols, rows: Math.max(1, size.rows - 1), scrollback: opts.scrollback, spawn: spawnPty,
  });

  let owner: Client | undefined;
  const viewer = terminalViewer({
    role: 'owner',
    prefix: opts.prefix,
    model: (id) => session.window(id)?.model,
    host: {
      input: (d) => owner?.input(d),
      command: (n, a) => {
        if (n === 'kick' && helper.reconnecting) {
          helper.stopReconnecting();
          viewer.showNotice('stopped reconnecting to the helper');
          return;
        }
        const msg = owner?.command(n, a);
        if (msg) viewer.showNotice(msg);
      },
      detach: () => session.end('the user ended the session'),
      resize: (c, r) => owner?.resize(c, r),
    },
  });

  const helper = new HelperConnection(ctx, session, {
    state: (text, ok) => viewer.setConnection(text, ok),
    notice: (text, warn) => viewer.showNotice(text, warn),
  }, { toggle: `${prefixKeyName(opts.prefix)} r`, kick: `${prefixKeyName(opts.prefix)} k` });

  return new Promise((resolve) => {
    /** Set when a signal ended the session: exit 128 + its number, as a shell reports it. */
    let signalled: number | undefined;
    session.onEnd.on((reason) => {
      const goodbye = helper.close(reason);
      terminal.dispose();
      process.stderr.write(`shareterm: session ended: ${reason}\n`);
      // The helper must hear why before we exit, or it would wait for a reconnect.
      void goodbye.then(() => resolve(signalled ?? 0));
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
    helper.attach(first.link, first.hello);
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
