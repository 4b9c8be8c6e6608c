// Writing secrets safely: a private directory, and files that appear whole with
// their final mode or not at all, whatever the umask and however we crash.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { UserError } from '../cli/errors.js';

export const PRIVATE_DIR_MODE = 0o700; // config dir: owner only
export const SECRET_FILE_MODE = 0o600; // keys, known_hosts: owner read/write
export const PUBLIC_FILE_MODE = 0o644; // certificates: anyone may read

/** Creates `dir` (and parents) owner-only, and tightens it to 0700 if it already exists with a looser mode. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  try {
    await fsp.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const st = await fsp.stat(dir);
    if (!st.isDirectory()) throw new UserError(`${dir} is not a directory — move it away so shareterm can use it`);
    if (process.platform !== 'win32' && (st.mode & 0o777) !== PRIVATE_DIR_MODE) {
      await fsp.chmod(dir, PRIVATE_DIR_MODE);
    }
  } catch (err) {
    throw asUserError(err, `cannot create private directory ${dir}`);
  }
}

/** Creates `dir` (and parents) with ordinary permissions, for `shareterm certs --out`. */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await fsp.mkdir(dir, { recursive: true, mode: 0o755 });
    if (!(await fsp.stat(dir)).isDirectory()) throw new UserError(`${dir} is not a directory — choose another --out`);
  } catch (err) {
    throw asUserError(err, `cannot create directory ${dir}`);
  }
}

/**
 * Writes `data` to `file` atomically with exactly `mode`: a temp file in the same
 * directory is created with that mode (so a key is never readable by others, even
 * briefly), chmod-ed past the umask, synced, then renamed over `file`.
 */
export async function writeFileAtomic(file: string, data: string, mode: number): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(tmp, 'wx', mode);
    await handle.chmod(mode); // the umask may have removed bits we want (0644 certs)
    await handle.writeFile(data, 'utf8');
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fsp.rename(tmp, file);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw asUserError(err, `cannot write ${file}`);
  }
}

/** Wraps an fs error as a one-line UserError with its code; UserErrors pass through. */
function asUserError(err: unknown, what: string): UserError {
  if (err instanceof UserError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const reason = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code ?? (err as Error).message;
  return new UserError(`${what} (${reason}) — check the path and its permissions`);
}
