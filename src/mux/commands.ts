// Session commands a viewer can run (the prefix keys send these), as a table
// of small entries like tmux's cmd-*.c. Mistakes come back as a message for
// the client's status line, never as exceptions (STYLE §5).

import type { Client, Session } from './session.js';

/** Who may run a command: anyone attached, anyone who may type, or the session's owner. */
type Who = 'anyone' | 'writer' | 'owner';

interface CommandEntry {
  who: Who;
  usage: string;
  /** Returns a message for the client's status line, if any. */
  run(session: Session, client: Client, args: (string | number)[]): string | undefined;
}

function indexArg(args: (string | number)[]): number | undefined {
  const a = args[0];
  const n = typeof a === 'number' ? a : typeof a === 'string' && /^\d+$/.test(a) ? Number(a) : NaN;
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** A helper client chosen by id, or the only helper when no id is given. */
function helperArg(session: Session, args: (string | number)[]): Client | string {
  const helpers = session.listClients().filter((c) => c.role === 'helper');
  if (args.length > 0) {
    const c = helpers.find((h) => h.id === indexArg(args));
    return c ?? `no helper ${String(args[0])} is attached`;
  }
  if (helpers.length === 0) return 'no helper is attached';
  if (helpers.length > 1) return 'several helpers are attached: name one';
  return helpers[0]!;
}

export const COMMANDS: Record<string, CommandEntry> = {
  'new-window': {
    who: 'writer',
    usage: 'new-window',
    run: (s) => s.newWindow(),
  },
  'select-window': {
    who: 'writer',
    usage: 'select-window INDEX',
    run: (s, _c, args) => {
      const i = indexArg(args);
      const w = s.listWindows().find((x) => x.index === i);
      if (!w) return `no window ${String(args[0] ?? '')}`.trim();
      s.select(w.id);
      return undefined;
    },
  },
  'next-window': {
    who: 'writer',
    usage: 'next-window',
    run: (s) => {
      const w = s.neighbour(1);
      if (!w || w === s.activeWindow) return 'no other window';
      s.select(w.id);
      return undefined;
    },
  },
  'previous-window': {
    who: 'writer',
    usage: 'previous-window',
    run: (s) => {
      const w = s.neighbour(-1);
      if (!w || w === s.activeWindow) return 'no other window';
      s.select(w.id);
      return undefined;
    },
  },
  'kill-window': {
    who: 'writer',
    usage: 'kill-window [INDEX]',
    run: (s, _c, args) => {
      const i = indexArg(args);
      const w = i === undefined ? s.activeWindow : s.listWindows().find((x) => x.index === i);
      if (!w) return `no window ${String(args[0] ?? '')}`.trim();
      s.killWindow(w);
      return undefined;
    },
  },
  'rename-window': {
    who: 'writer',
    usage: 'rename-window NAME',
    run: (s, _c, args) => {
      const w = s.activeWindow;
      if (!w) return 'no window';
      s.renameWindow(w, String(args[0] ?? '').slice(0, 64));
      return undefined;
    },
  },
  'toggle-write': {
    who: 'owner',
    usage: 'toggle-write [CLIENT]',
    run: (s, _c, args) => {
      const h = helperArg(s, args);
      if (typeof h === 'string') return h;
      if (!s.setWritable(h, !h.canWrite)) return `${h.name} is read-only for this whole session (--read-only)`;
      const now = h.canWrite ? 'may type' : 'is read-only';
      s.notify(`the user changed your access: you ${h.canWrite ? 'may type' : 'are read-only'}`, h);
      return `${h.name} ${now}`;
    },
  },
  'scroll-mode': {
    who: 'anyone',
    usage: 'scroll-mode 1|0',
    run: (s, c, args) => {
      s.setScrolling(c, args[0] === 1 || args[0] === '1');
      return undefined;
    },
  },
  kick: {
    who: 'owner',
    usage: 'kick [CLIENT]',
    run: (s, _c, args) => {
      const h = helperArg(s, args);
      if (typeof h === 'string') return h;
      s.detach(h, 'the user disconnected you');
      return `${h.name} disconnected`;
    },
  },
};

/** Run `name` for `client` if it is allowed to; a status-line message otherwise. */
export function runCommand(session: Session, client: Client, name: string, args: (string | number)[]): string | undefined {
  const entry = COMMANDS[name];
  if (!entry) return `unknown command: ${name}`;
  if (client.detached || session.isEnded) return undefined;
  if (entry.who === 'owner' && client.role !== 'owner') return 'only the user sharing the session can do that';
  if (entry.who === 'writer' && !client.canWrite) return 'you are read-only';
  return entry.run(session, client, args);
}
