// The things the benchmark compares, each started fresh at 120x40 with
// bash in it, and each giving a user's terminal and a helper's terminal:
//
//   plain      bash in a pty; that pty is both terminals (the reference).
//   tmux       a tmux server on a private socket (-S) and two clients
//              attached, each in its own pty: the user's and the helper's.
//   seed       the 2010 scripts: the user's tmux session, `socat EXEC:tmux
//              attach,pty OPENSSL-CONNECT` dialling the helper's `socat
//              OPENSSL-LISTEN STDIO` in a pty (the helper's terminal).
//   relay      a floor, not a product: two node processes relaying raw bytes
//              over TLS (bench/relay.ts) — what node and TLS cost a design
//              of two processes before any of shareterm's own work.
//   shareterm  the real CLI: `listen` in one pty, `share --fingerprint` in
//              another.
//
// The networked two (seed, shareterm) can be started with a Netem link
// between the sides; tmux has no network.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { ROOT, baseEnv } from '../test/helpers/term.js';
import { Netem, type LinkOptions } from '../test/helpers/netem.js';
import { BenchTerm } from './term.js';

export type SystemName = 'plain' | 'relay' | 'tmux' | 'seed' | 'shareterm';
export const SYSTEMS: SystemName[] = ['plain', 'relay', 'tmux', 'seed', 'shareterm'];

export const COLS = 120;
export const ROWS = 40;

/** The session's shell: no rc files, prompt "$ ", no history file written. */
const SHELL = ['bash', '--norc', '--noprofile'];
const ENV = { HISTFILE: '', PS1: '$ ' };

/** A process to weigh (resident memory). */
export interface Proc {
  role: string;
  side: 'user' | 'helper';
  pid: number;
}

/** One running system: the two terminals a person would look at. */
export interface Setup {
  name: SystemName;
  /** The helper's terminal (for plain: the one pty). */
  helper: BenchTerm;
  /** The user's terminal (for plain: the same pty as helper). */
  user: BenchTerm;
  /** The link between the sides, when one was asked for. */
  link: Netem | undefined;
  procs(): Proc[];
  close(): Promise<void>;
}

/** Things every system may need, made once per benchmark run. */
export interface Context {
  dir: string;
  cert: string;
  key: string;
  /** The shareterm entry point to run (see snapshotCli). */
  bin: string;
}

/**
 * Copy the built CLI (bin/, dist/ less tests and benchmark, package.json;
 * node_modules linked) into `dir` and return the copy's entry point. Other
 * people rebuild dist/ in this checkout while a run goes on; the copy keeps
 * one version under test from the first round to the last.
 */
export function snapshotCli(dir: string, root = ROOT): string {
  const cli = path.join(dir, 'cli');
  fs.mkdirSync(cli, { recursive: true });
  fs.cpSync(path.join(root, 'bin'), path.join(cli, 'bin'), { recursive: true });
  const skip = new Set([path.join(root, 'dist', 'test'), path.join(root, 'dist', 'bench')]);
  fs.cpSync(path.join(root, 'dist'), path.join(cli, 'dist'), { recursive: true, filter: (src) => !skip.has(src) });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(cli, 'package.json'));
  // The native module (native/memory.cc), where this build has it.
  const native = path.join('build', 'Release', 'memory.node');
  if (fs.existsSync(path.join(root, native))) {
    fs.mkdirSync(path.dirname(path.join(cli, native)), { recursive: true });
    fs.copyFileSync(path.join(root, native), path.join(cli, native));
  }
  fs.symlinkSync(fs.realpathSync(path.join(root, 'node_modules')), path.join(cli, 'node_modules'));
  return path.join(cli, 'bin', 'shareterm.cjs');
}

export interface StartOptions {
  /** Put a link emulator between the user's and the helper's side. */
  link?: LinkOptions;
}

/** Why a system cannot run here, or undefined when it can. */
export function unavailable(name: SystemName): string | undefined {
  const missing = (cmd: string, args: string[]): boolean => spawnSync(cmd, args, { stdio: 'ignore' }).error !== undefined;
  if ((name === 'tmux' || name === 'seed') && missing('tmux', ['-V'])) return 'tmux is not installed (apt-get install tmux)';
  if (name === 'seed' && missing('socat', ['-V'])) return 'socat is not installed (apt-get install socat)';
  if ((name === 'seed' || name === 'relay') && missing('openssl', ['version'])) return 'openssl is not installed (apt-get install openssl)';
  return undefined;
}

/** A self-signed certificate and key for the seed's socat listener (and the relay's). */
export function makeSeedCert(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'seed-cert.pem');
  const key = path.join(dir, 'seed-key.pem');
  const r = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost',
  ], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error('openssl could not make a certificate for the seed pipeline');
  return { cert, key };
}

export async function startSystem(name: SystemName, ctx: Context, opts: StartOptions = {}): Promise<Setup> {
  switch (name) {
    case 'plain': return startPlain();
    case 'relay': return startRelay(ctx);
    case 'tmux': return startTmux(ctx);
    case 'seed': return startSeed(ctx, opts);
    case 'shareterm': return startShareterm(ctx, opts);
  }
}

/** A screen with a line that is just the prompt. */
const hasPrompt = (t: BenchTerm): boolean => t.lines().some((l) => l === '$');

async function startPlain(): Promise<Setup> {
  const t = new BenchTerm(SHELL[0]!, SHELL.slice(1), { cols: COLS, rows: ROWS, env: ENV });
  await t.when(hasPrompt, { what: 'the prompt' });
  return {
    name: 'plain', helper: t, user: t, link: undefined,
    procs: () => [{ role: 'bash', side: 'user', pid: t.pid }],
    close: () => t.close(),
  };
}

async function startRelay(ctx: Context): Promise<Setup> {
  const script = path.join(ROOT, 'dist', 'bench', 'relay.js');
  const helper = new BenchTerm(process.execPath, [script, 'helper', ctx.cert, ctx.key], { cols: COLS, rows: ROWS, env: ENV });
  let user: BenchTerm | undefined;
  const setup: Setup = {
    name: 'relay', helper, user: helper, link: undefined,
    procs: () => [
      { role: 'relay (user, bash on its pty)', side: 'user', pid: user?.pid ?? 0 },
      { role: 'relay (helper)', side: 'helper', pid: helper.pid },
    ],
    close: async () => {
      await user?.close();
      await helper.close();
    },
  };
  try {
    await helper.waitText(/relay listening on \d+/, 'the relay listening');
    const port = Number(/relay listening on (\d+)/.exec(helper.lines().join(''))?.[1]);
    if (!port) throw new Error(`could not read the relay's port from:\n${helper.text()}`);
    user = setup.user = new BenchTerm(process.execPath, [script, 'user', String(port), ...SHELL], { cols: COLS, rows: ROWS, env: ENV });
    const u = user;
    await ready(setup, [
      u.when(hasPrompt, { what: "the prompt on the relay's user side" }),
      helper.when(hasPrompt, { what: "the prompt on the relay's helper side" }),
    ]);
  } catch (e) {
    await setup.close();
    throw e;
  }
  return setup;
}

/** A tmux server on a private socket with one session of bash at 120x40. */
function tmuxServer(dir: string): { sock: string; pid: number; kill: () => void } {
  const sock = path.join(dir, `tmux-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  const env = baseEnv(ENV);
  const r = spawnSync('tmux', ['-S', sock, '-f', '/dev/null', 'new-session', '-d', '-s', 'bench', '-x', String(COLS), '-y', String(ROWS), ...SHELL], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux new-session failed: ${r.stderr}`);
  const pid = Number(spawnSync('tmux', ['-S', sock, 'display-message', '-p', '#{pid}'], { env, encoding: 'utf8' }).stdout.trim());
  return {
    sock,
    pid,
    kill: () => {
      spawnSync('tmux', ['-S', sock, 'kill-server'], { env, stdio: 'ignore' });
      fs.rmSync(sock, { force: true });
    },
  };
}

/** A tmux client on its own pty (a terminal attached to the session). */
function tmuxClient(sock: string): BenchTerm {
  return new BenchTerm('tmux', ['-S', sock, 'attach', '-t', 'bench'], { cols: COLS, rows: ROWS, env: ENV });
}

/** tmux draws its status bar on the last line: "[bench] 0:bash* …". */
const tmuxReady = (t: BenchTerm): boolean => hasPrompt(t) && /^\[bench\]/.test(t.line(ROWS - 1));

async function startTmux(ctx: Context): Promise<Setup> {
  const server = tmuxServer(ctx.dir);
  const user = tmuxClient(server.sock);
  const helper = tmuxClient(server.sock);
  const setup: Setup = {
    name: 'tmux', helper, user, link: undefined,
    procs: () => [
      { role: 'tmux server', side: 'user', pid: server.pid },
      { role: 'tmux client (user)', side: 'user', pid: user.pid },
      { role: 'tmux client (helper)', side: 'helper', pid: helper.pid },
    ],
    close: async () => {
      server.kill();
      await Promise.all([user.close(), helper.close()]);
    },
  };
  await ready(setup, [
    user.when(tmuxReady, { what: "the user's tmux client" }),
    helper.when(tmuxReady, { what: "the helper's tmux client" }),
  ]);
  return setup;
}

/** A free TCP port on 127.0.0.1 (for programs that cannot be told port 0). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Wait until something listens on 127.0.0.1:port (read from /proc, so nothing connects). */
async function waitListening(port: number, timeout = 10000): Promise<void> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const end = Date.now() + timeout;
  for (;;) {
    const table = fs.readFileSync('/proc/net/tcp', 'utf8').split('\n');
    if (table.some((l) => { const f = l.trim().split(/\s+/); return f[1]?.endsWith(hex) && f[3] === '0A'; })) return;
    if (Date.now() > end) throw new Error(`nothing listens on port ${port} after ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The first child of a process (socat's tmux client). */
function childOf(pid: number): number | undefined {
  try {
    const kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return kids.length > 0 ? Number(kids[0]) : undefined;
  } catch {
    return undefined;
  }
}

async function startSeed(ctx: Context, opts: StartOptions): Promise<Setup> {
  const port = await freePort();
  // The helper: socat listening, its STDIO the helper's terminal (raw, no echo).
  const helper = new BenchTerm('socat', [
    `OPENSSL-LISTEN:${port},bind=127.0.0.1,reuseaddr,cert=${ctx.cert},key=${ctx.key},verify=0`,
    'STDIO,raw,echo=0',
  ], { cols: COLS, rows: ROWS, env: ENV });
  let link: Netem | undefined;
  let server: ReturnType<typeof tmuxServer> | undefined;
  let user: BenchTerm | undefined;
  let dialer: ChildProcess | undefined;
  let dialerErr = '';
  const setup: Setup = {
    name: 'seed', helper, user: helper, link: undefined,
    procs: () => {
      const socatClient = dialer?.pid ? childOf(dialer.pid) : undefined;
      return [
        { role: 'tmux server', side: 'user', pid: server?.pid ?? 0 },
        { role: 'tmux client (user)', side: 'user', pid: user?.pid ?? 0 },
        { role: 'socat (user)', side: 'user', pid: dialer?.pid ?? 0 },
        { role: "tmux client (socat's pty)", side: 'user', pid: socatClient ?? 0 },
        { role: 'socat (helper)', side: 'helper', pid: helper.pid },
      ];
    },
    close: async () => {
      if (dialer && dialer.exitCode === null) dialer.kill('SIGTERM');
      server?.kill();
      await link?.close();
      await Promise.all([user?.close(), helper.close()]);
    },
  };
  try {
    await waitListening(port);
    if (opts.link) link = setup.link = await Netem.start({ target: { port }, link: opts.link });
    server = tmuxServer(ctx.dir);
    user = setup.user = tmuxClient(server.sock);
    // The user's side of the pipe: tmux attach on a pty socat makes (sized
    // like the rest: socat's pty starts at 0x0), its bytes over TLS.
    dialer = spawn('socat', [
      `SYSTEM:stty rows ${ROWS} cols ${COLS}; exec tmux -S ${server.sock} attach -t bench,pty,raw,echo=0,setsid,ctty,stderr`,
      `OPENSSL-CONNECT:127.0.0.1:${link ? link.port : port},verify=0`,
    ], { env: baseEnv(ENV), stdio: ['ignore', 'ignore', 'pipe'] });
    dialer.stderr?.on('data', (d: Buffer) => (dialerErr += d.toString()));
    await ready(setup, [
      user.when(tmuxReady, { what: "the user's tmux client" }),
      helper.when(tmuxReady, { what: "the helper's socat terminal", timeout: 30000 }),
    ]);
  } catch (e) {
    await setup.close();
    throw new Error(`${(e as Error).message}${dialerErr ? `\nsocat (user): ${dialerErr}` : ''}`);
  }
  return setup;
}

async function startShareterm(ctx: Context, opts: StartOptions): Promise<Setup> {
  const dir = fs.mkdtempSync(path.join(ctx.dir, 'st-'));
  const helper = new BenchTerm(process.execPath, [ctx.bin, 'listen', '-p', '0', '--host', '127.0.0.1'], {
    cols: COLS, rows: ROWS, env: { ...ENV, XDG_CONFIG_HOME: path.join(dir, 'helper-config') },
  });
  let user: BenchTerm | undefined;
  let link: Netem | undefined;
  const setup: Setup = {
    name: 'shareterm', helper, user: helper, link: undefined,
    procs: () => [
      { role: 'share', side: 'user', pid: user?.pid ?? 0 },
      { role: 'listen', side: 'helper', pid: helper.pid },
    ],
    close: async () => {
      await user?.close();
      await helper.close();
      await link?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await helper.waitText(/waiting for a share/, 'the listener banner');
    const flat = helper.lines().join('');
    const port = Number(/listening on [^ ]*:(\d+)/.exec(flat)?.[1]);
    const fingerprint = /fingerprint ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})/.exec(flat)?.[1] ?? '';
    if (!port || !fingerprint) throw new Error(`could not read the port and fingerprint from:\n${helper.text()}`);
    if (opts.link) link = setup.link = await Netem.start({ target: { port }, link: opts.link });
    user = setup.user = new BenchTerm(process.execPath, [
      ctx.bin, 'share', '127.0.0.1', String(link ? link.port : port), '--fingerprint', fingerprint, '--', ...SHELL,
    ], { cols: COLS, rows: ROWS, env: { ...ENV, XDG_CONFIG_HOME: path.join(dir, 'user-config') } });
    const u = user;
    await ready(setup, [
      u.when((t) => hasPrompt(t) && /shared with/.test(t.line(ROWS - 1)), { what: 'the share to show it is shared' }),
      helper.when((t) => hasPrompt(t) && /● connected/.test(t.line(ROWS - 1)), { what: 'the helper to show the session', timeout: 30000 }),
    ]);
  } catch (e) {
    await setup.close();
    throw e;
  }
  return setup;
}

/** Wait for the sides to be ready; on failure close everything and rethrow. */
async function ready(setup: Setup, waits: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(waits);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await setup.close();
    throw failed.reason;
  }
}
