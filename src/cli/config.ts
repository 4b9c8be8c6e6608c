// Where shareterm keeps per-user state: the self-signed identity and known_hosts.
import os from 'node:os';
import path from 'node:path';

/** `$XDG_CONFIG_HOME/shareterm`, or `~/.config/shareterm` when XDG_CONFIG_HOME is unset. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'shareterm');
}
