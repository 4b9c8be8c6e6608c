// known_hosts for trust on first use, as ssh keeps it: one `HOST:PORT FINGERPRINT`
// line per helper (IPv6 hosts bracketed: `[::1]:7373`); `#` comments and blank
// lines are kept as written when we rewrite the file.
import { promises as fsp } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { UserError } from '../cli/errors.js';
import { ensurePrivateDir, SECRET_FILE_MODE, writeFileAtomic } from './files.js';
import { parseFingerprint } from './fingerprint.js';

/** `host:port` as shown to people and stored in known_hosts; IPv6 addresses bracketed. */
export function formatHostPort(host: string, port: number): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return net.isIPv6(bare) ? `[${bare}]:${port}` : `${bare}:${port}`;
}

/** The known_hosts key: host names compare case-insensitively. */
function keyOf(host: string, port: number): string {
  return formatHostPort(host, port).toLowerCase();
}

/** One line of the file, kept verbatim unless it is the entry being replaced. */
interface Line {
  text: string;
  key?: string;
}

/** Parses the file's text; a malformed entry is an error naming the line, never silently dropped. */
function parse(text: string, file: string): { lines: Line[]; entries: Map<string, string> } {
  const lines: Line[] = [];
  const entries = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const lineText = raw.replace(/\r$/, '');
    const content = lineText.replace(/#.*$/, '').trim();
    if (content === '') {
      lines.push({ text: lineText });
      return;
    }
    const [hostPort, fp, extra] = content.split(/\s+/);
    const m = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(hostPort ?? '');
    let fingerprint: string | undefined;
    try {
      fingerprint = fp === undefined || extra !== undefined ? undefined : parseFingerprint(fp);
    } catch {
      fingerprint = undefined;
    }
    if (!m || fingerprint === undefined) {
      throw new UserError(
        `${file} line ${i + 1} is not "HOST:PORT SHA256-FINGERPRINT" — fix or delete that line`,
      );
    }
    const key = keyOf(m[1]!, Number(m[2]));
    entries.set(key, fingerprint);
    lines.push({ text: lineText, key });
  });
  // split() leaves one empty string after a final newline; drop it so rewriting does not grow the file.
  if (lines.length > 0 && lines[lines.length - 1]!.text === '' && text.endsWith('\n')) lines.pop();
  if (text === '') lines.length = 0;
  return { lines, entries };
}

/** Reads `file`; a missing file is an empty list. */
async function readText(file: string): Promise<string> {
  try {
    return await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UserError(`cannot read ${file} (${code}) — check its permissions`);
  }
}

/** The helpers this user has trusted, by `HOST:PORT`. */
export class KnownHosts {
  readonly file: string;
  private entries: Map<string, string>;

  private constructor(file: string, entries: Map<string, string>) {
    this.file = file;
    this.entries = entries;
  }

  /** Loads `file` (absent means empty). */
  static async load(file: string): Promise<KnownHosts> {
    return new KnownHosts(file, parse(await readText(file), file).entries);
  }

  /** The trusted fingerprint (`AB:CD:…`) for host:port, if any. */
  lookup(host: string, port: number): string | undefined {
    return this.entries.get(keyOf(host, port));
  }

  /**
   * Trusts `fingerprint` for host:port: re-reads the file (another shareterm may
   * have written it), replaces that host's line or appends one, and writes the
   * file atomically, 0600, in a 0700 directory.
   */
  async add(host: string, port: number, fingerprint: string): Promise<void> {
    const fp = parseFingerprint(fingerprint);
    const key = keyOf(host, port);
    await ensurePrivateDir(path.dirname(this.file));
    const { lines, entries } = parse(await readText(this.file), this.file);
    const entry = `${formatHostPort(host, port)} ${fp}`;
    let replaced = false;
    const out: string[] = [];
    for (const line of lines) {
      if (line.key !== key) out.push(line.text);
      else if (!replaced) {
        out.push(entry);
        replaced = true;
      }
    }
    if (!replaced) out.push(entry);
    await writeFileAtomic(this.file, out.join('\n') + '\n', SECRET_FILE_MODE);
    entries.set(key, fp);
    this.entries = entries;
  }
}
