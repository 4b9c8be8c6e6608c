// The `shareterm` command line: subcommands, flags and their help (the
// manual), and the rule that a person's mistake is one line on stderr with a
// non-zero exit, never a stack trace. Each command's modules are initialised
// only when that command runs, so `--help` starts fast.

import yargs, { type Argv } from 'yargs';
import { capArenas } from '../lib/native-memory.js';
import { UserError, isUserError } from './errors.js';
import { VERSION } from './version.js';

/** Exit status for usage mistakes (unknown flag, missing argument). */
const EXIT_USAGE = 2;

/** Parse `--prefix C-a` / `^A` into the key's byte. */
export function parsePrefix(s: string): number {
  const m = /^(?:C-|\^)([a-z@[\\\]^_])$/i.exec(s.trim());
  if (!m) throw new UserError(`--prefix ${s} is not a control key — use the form C-a (or ^A)`);
  return m[1]!.toUpperCase().charCodeAt(0) & 0x1f;
}

function parsePort(v: unknown, allowZero: boolean): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1) || n > 65535 || String(v).trim() === '') {
    throw new UserError(`port ${String(v)} is not a port number — use 1 to 65535`);
  }
  return n;
}

function str(v: unknown): string | undefined {
  return v === undefined ? undefined : String(v);
}

/** Lines of history kept per window, as tmux's history-limit. */
export const DEFAULT_SCROLLBACK = 2000; // lines
const MAX_SCROLLBACK = 100_000; // lines

function parseScrollback(v: unknown): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > MAX_SCROLLBACK || String(v).trim() === '') {
    throw new UserError(`--scrollback ${String(v)} is not a number of lines — use 0 to ${MAX_SCROLLBACK}`);
  }
  return n;
}

const scrollbackOption = {
  type: 'string',
  default: String(DEFAULT_SCROLLBACK),
  describe: 'Lines of history kept per window (C-b [ scrolls back)',
} as const;

const prefixOption = {
  type: 'string',
  default: 'C-b',
  describe: 'The prefix key for session commands (C-b ? lists them)',
} as const;

function build(argv: string[]): Argv {
  return yargs(argv)
    .scriptName('shareterm')
    .usage('shareterm — share a live terminal with a helper, over verified TLS\n\nUsage: $0 <command> [options]')
    .parserConfiguration({ 'populate--': true })
    .command(
      'listen',
      "Wait for a share on the helper's machine and show the user's session here",
      (y) =>
        y
          .usage('$0 listen [-p PORT] [--host ADDR] [--cert FILE --key FILE]\n         [--client-ca FILE] [--token SECRET | --token-file FILE]\n         [--read-only] [--ask] [--once]\n\nRun this on a machine the user can reach. It prints its certificate fingerprint and the exact `shareterm share` line to hand over, then shows the user\'s session here when they connect. Press C-b ? in the session for the keys.')
          .option('port', { alias: 'p', type: 'string', default: '7373', describe: 'TCP port to listen on (0: any free port)' })
          .option('host', { type: 'string', describe: 'Address to listen on (default: all interfaces)' })
          .option('cert', { type: 'string', describe: 'PEM certificate (default: a self-signed identity made on first use in ~/.config/shareterm)' })
          .option('key', { type: 'string', describe: "PEM private key for --cert" })
          .option('client-ca', { type: 'string', describe: 'Require a client certificate signed by this CA (mutual TLS)' })
          .option('token', { type: 'string', describe: 'Require this shared secret from the user (share --token)' })
          .option('token-file', { type: 'string', describe: 'Read the shared secret from this file' })
          .option('read-only', { type: 'boolean', default: false, describe: 'Only watch: never send keystrokes' })
          .option('ask', { type: 'boolean', default: false, describe: 'Show who is connecting and ask before attaching' })
          .option('once', { type: 'boolean', default: false, describe: 'Exit after the first session instead of waiting for the next' })
          .option('name', { type: 'string', describe: 'Your name as the user sees it (default: user@host)' })
          .option('prefix', prefixOption)
          .option('scrollback', scrollbackOption)
          .conflicts('token', 'token-file'),
      async (a) => {
        const { runListen } = await import('../listen/listen.js');
        exit(await runListen({
          port: parsePort(a.port, true),
          host: str(a.host),
          cert: str(a.cert),
          key: str(a.key),
          clientCa: str(a['client-ca']),
          token: str(a.token),
          tokenFile: str(a['token-file']),
          readOnly: Boolean(a['read-only']),
          ask: Boolean(a.ask),
          once: Boolean(a.once),
          name: str(a.name),
          prefix: parsePrefix(String(a.prefix)),
          scrollback: parseScrollback(a.scrollback),
        }));
      },
    )
    .command(
      'share <host> <port>',
      'Share a session in this terminal with the helper listening at HOST PORT',
      (y) =>
        y
          .usage('$0 share HOST PORT [--ca FILE | --fingerprint FP | --insecure]\n         [--cert FILE --key FILE] [--token SECRET] [--read-only]\n         [--name NAME] [-- COMMAND [ARG…]]\n\nDials out (so it works from behind NAT), verifies the helper, then runs $SHELL (or COMMAND) in a session that you and the helper both see and type in. Without --ca or --fingerprint the helper is trusted on first use, as ssh does, after you compare its fingerprint. C-b r toggles whether the helper may type; C-b k disconnects them; C-b ? lists every key.')
          .positional('host', { type: 'string', describe: "The helper's host name or address" })
          .positional('port', { type: 'string', describe: "The helper's port" })
          .option('ca', { type: 'string', describe: "Verify the helper's certificate against this CA (and HOST against its names)" })
          .option('fingerprint', { type: 'string', describe: "Require this SHA-256 fingerprint (AB:CD:…, hex, or SHA256:base64)" })
          .option('insecure', { type: 'boolean', default: false, describe: 'Do not verify the helper at all (warns every time)' })
          .option('cert', { type: 'string', describe: 'Client certificate for listeners that require one' })
          .option('key', { type: 'string', describe: 'Private key for --cert' })
          .option('token', { type: 'string', describe: 'Shared secret the listener asked for' })
          .option('read-only', { type: 'boolean', default: false, describe: 'The helper may watch but never type (enforced here)' })
          .option('name', { type: 'string', describe: 'Your name as the helper sees it (default: user@host)' })
          .option('prefix', prefixOption)
          .option('scrollback', scrollbackOption)
          .conflicts('ca', 'fingerprint'),
      async (a) => {
        const { runShare } = await import('../share/share.js');
        const rest = (a['--'] as unknown[] | undefined)?.map(String) ?? [];
        exit(await runShare({
          host: String(a.host),
          port: parsePort(a.port, false),
          ca: str(a.ca),
          fingerprint: str(a.fingerprint),
          insecure: Boolean(a.insecure),
          cert: str(a.cert),
          key: str(a.key),
          token: str(a.token),
          readOnly: Boolean(a['read-only']),
          name: str(a.name),
          prefix: parsePrefix(String(a.prefix)),
          scrollback: parseScrollback(a.scrollback),
          command: rest,
        }));
      },
    )
    .command(
      'certs',
      'Create a small CA and a server certificate for `share --ca`',
      (y) =>
        y
          .usage('$0 certs [--out DIR] [--name HOST]… [--days N] [--force] [--client NAME]\n\nWrites ca.pem, ca-key.pem, server.pem and server-key.pem (keys 0600). Give the user ca.pem for `share --ca`, and run `shareterm listen --cert DIR/server.pem --key DIR/server-key.pem`.')
          .option('out', { type: 'string', default: './certs', describe: 'Directory to write into' })
          .option('name', { type: 'string', array: true, default: [] as string[], describe: "Extra host names/addresses for the server certificate (this host's name, localhost, 127.0.0.1 and ::1 are always included)" })
          .option('days', { type: 'number', default: 825, describe: 'Validity in days' })
          .option('force', { type: 'boolean', default: false, describe: 'Overwrite existing files' })
          .option('client', { type: 'string', describe: 'Also write client.pem/client-key.pem with this name, for listen --client-ca' }),
      async (a) => {
        const days = Number(a.days);
        if (!Number.isInteger(days) || days < 1 || days > 36500) throw new UserError(`--days ${String(a.days)} is not a number of days — use 1 to 36500`);
        const { generateCerts, defaultCertNames } = await import('../tls/identity.js');
        const extra = (a.name as unknown[]).map(String);
        const names = [...new Set([...defaultCertNames(), ...extra])];
        const r = await generateCerts({ outDir: String(a.out), names, days, force: Boolean(a.force), ...(a.client ? { clientName: String(a.client) } : {}) });
        const out = [
          ...r.files.map((f) => `wrote ${f}`),
          `server names: ${names.join(', ')}`,
          `CA fingerprint (SHA-256):     ${r.caFingerprint}`,
          `server fingerprint (SHA-256): ${r.serverFingerprint}`,
        ];
        if (r.clientFingerprint) out.push(`client fingerprint (SHA-256): ${r.clientFingerprint}`);
        process.stdout.write(out.join('\n') + '\n');
      },
    )
    .command(
      'fingerprint <file>',
      "Print a PEM certificate's SHA-256 fingerprint, as openssl does",
      (y) =>
        y
          .usage('$0 fingerprint FILE\n\nPrints the fingerprint in the AB:CD:… form of `openssl x509 -noout -fingerprint -sha256`.')
          .positional('file', { type: 'string', describe: 'PEM certificate file' }),
      async (a) => {
        const { readNamedFile } = await import('../tls/pem.js');
        const { fingerprintOfPem } = await import('../tls/fingerprint.js');
        const file = String(a.file);
        const pem = await readNamedFile(file, 'certificate', 'FILE');
        process.stdout.write(fingerprintOfPem(pem, file) + '\n');
      },
    )
    .demandCommand(1, 'name a command: listen, share, certs or fingerprint')
    .strict()
    .recommendCommands()
    .help()
    .alias('help', 'h')
    .version(VERSION)
    .wrap(Math.min(100, process.stdout.columns || 80))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    });
}

class UsageError extends Error {}

/**
 * End a session command: its sockets, ptys and timers are done, but a
 * half-closed socket must not keep the process (and the person) waiting.
 * The terminal is a tty, whose writes are synchronous, so nothing is lost.
 */
function exit(code: number): void {
  process.exit(code);
}

/** Run the CLI with these arguments (process.argv without node and the script). */
export async function main(argv: string[]): Promise<void> {
  // First, while V8's helper threads have had little work: from here on they
  // share the C heap's arenas rather than keep one each (src/lib/native-memory.ts).
  capArenas();
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  // A message to a terminal that has gone away (EIO after a hangup) cannot be
  // shown; that is how the session ends, not a crash.
  process.stderr.on('error', () => {});
  try {
    await build(argv).parseAsync();
  } catch (e) {
    if (e instanceof UsageError) {
      const cmd = argv.find((a) => !a.startsWith('-'));
      const known = ['listen', 'share', 'certs', 'fingerprint'].includes(cmd ?? '');
      process.stderr.write(`shareterm: ${oneLine(e.message)} — see shareterm ${known ? `${cmd} ` : ''}--help\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    fatal(e);
  }
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, '; ').trim();
}

/** The last stop for errors: people get one line; bugs get a line and, with SHARETERM_DEBUG, the stack. */
function fatal(e: unknown): void {
  import('../view/tty.js').then((t) => t.restoreTerminal(), () => {}).finally(() => {
    if (isUserError(e)) {
      process.stderr.write(`shareterm: ${oneLine(e.message)}\n`);
      process.exit(e.exitCode);
    }
    const err = e as Error;
    process.stderr.write(`shareterm: internal error: ${oneLine(err?.message ?? String(e))} (SHARETERM_DEBUG=1 shows more; please report it)\n`);
    if (process.env.SHARETERM_DEBUG) process.stderr.write(`${err?.stack ?? ''}\n`);
    process.exit(70);
  });
}
