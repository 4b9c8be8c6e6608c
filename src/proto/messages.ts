// Every message shareterm peers exchange, in one place (STYLE §4).
//
// Don't forget to bump PROTOCOL_VERSION when a message changes meaning or a
// field a peer relies on is added: peers of different versions refuse each
// other with a clear message instead of misreading frames.
//
// "Share" is the side that owns the session (the user's `shareterm share`);
// "view" is the side that watches and types (the helper's `shareterm listen`).

/** Version of the message set below. */
export const PROTOCOL_VERSION = 1;

/** Who a client is to the session: the user who owns it, or a helper. */
export type Role = 'owner' | 'helper';

export interface WindowInfo {
  id: number; // stable for the window's life
  index: number; // the number shown in the status bar and used by C-b 0–9
  name: string;
}

export interface ClientInfo {
  id: number;
  name: string;
  role: Role;
  rw: boolean; // may type
}

// ---- Share → view -------------------------------------------------------

/** First frame from the sharing side, sent only after it has verified the viewer's certificate. */
export interface ShareHello {
  t: 'hello';
  v: number;
  role: 'share';
  app: string; // e.g. "shareterm 0.1.0"
  name: string; // the user's label (share --name)
  session: string; // random id of this session, for reconnects
  token?: string; // listen --token secret, when the user was given one
  readOnly: boolean; // share --read-only: the viewer will never be allowed to type
  /**
   * On a re-dial: the viewer this session last had and the last input
   * sequence number applied from it, so that viewer resends only what is
   * missing and nothing twice.
   */
  resume?: { viewer: string; seq: number };
  /** This side compresses what it sends after the hellos (both must say so). */
  z?: boolean;
}

/** Windows, who is attached, and the session size: everything the status bar shows. */
export interface Layout {
  t: 'layout';
  name: string; // session name
  windows: WindowInfo[];
  active: number; // window id
  cols: number; // session window size
  rows: number;
  clients: ClientInfo[];
  you: number; // the receiving client's id in `clients`
}

/** A window's whole screen: bytes that rebuild it in a blank terminal of cols×rows. */
export interface Snap {
  t: 'snap';
  w: number;
  cols: number;
  rows: number;
  data: string;
}

/** Raw bytes the program in window `w` wrote, in order, after the last snap. */
export interface Out {
  t: 'out';
  w: number;
  data: Uint8Array;
}

/** Window `w` changed size at this point of its output stream. */
export interface Resize {
  t: 'resize';
  w: number;
  cols: number;
  rows: number;
}

/** A short notice for the status line ("helper is now read-only"). */
export interface Notice {
  t: 'msg';
  text: string;
}

/** The session is over for everyone (the last program exited, or the user ended sharing). */
export interface End {
  t: 'end';
  reason: string;
}

// ---- View → share -------------------------------------------------------

/** First frame from the viewing side: accepting the share means sending this. */
export interface ViewHello {
  t: 'hello';
  v: number;
  role: 'view';
  app: string;
  name: string; // the helper's label
  readOnly: boolean; // listen --read-only: this viewer will not type
  cols: number; // the viewer's terminal size
  rows: number;
  viewer: string; // random id of this viewer, stable across its reconnects
  z?: boolean; // this side compresses what it sends after the hellos
}

/** Keystrokes, byte for byte, for the active window. */
export interface Input {
  t: 'in';
  data: Uint8Array;
  seq: number; // 1, 2, 3… per viewer: a resent input is applied at most once
}

/** The viewer has processed its output stream up to byte `n` (out data bytes + snap characters). */
export interface Ack {
  t: 'ack';
  n: number;
}

/** The viewer's terminal size changed. */
export interface Size {
  t: 'size';
  cols: number;
  rows: number;
}

/** A prefix-key command (new-window, select-window 3, …). */
export interface Command {
  t: 'cmd';
  name: string;
  args: (string | number)[];
}

// ---- Both ways ----------------------------------------------------------

/** Sent when a side has sent nothing for a while, so the other knows it is alive. */
export interface KeepAlive {
  t: 'ka';
}

/** This side is closing the connection on purpose; the reason is for the person. */
export interface Bye {
  t: 'bye';
  reason: string;
}

/** A refusal (wrong version, bad token, busy, declined); the sender closes next. */
export interface Refuse {
  t: 'err';
  code: 'version' | 'token' | 'busy' | 'declined' | 'protocol' | 'read-only';
  text: string;
}

export type ShareMessage = ShareHello | Layout | Snap | Out | Resize | Notice | End | KeepAlive | Bye | Refuse;
export type ViewMessage = ViewHello | Input | Ack | Size | Command | KeepAlive | Bye | Refuse;
export type Message = ShareMessage | ViewMessage;

/** A frame that is not a message we understand: the connection that sent it is closed. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

// ---- Validation ---------------------------------------------------------
// Frames come from the network: check every field before anyone reads it.

type Check = (v: unknown) => boolean;
const isStr = (max: number): Check => (v) => typeof v === 'string' && v.length <= max;
const isInt = (min: number, max: number): Check => (v) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
const isBool: Check = (v) => typeof v === 'boolean';
const isBytes: Check = (v) => v instanceof Uint8Array;
const optional = (c: Check): Check => (v) => v === undefined || c(v);
const oneOf = (...vals: string[]): Check => (v) => typeof v === 'string' && vals.includes(v);
const arrayOf = (c: Check, max: number): Check => (v) => Array.isArray(v) && v.length <= max && v.every(c);
const shape = (fields: Record<string, Check>): Check => {
  const keys = Object.keys(fields);
  const checks = keys.map((k) => fields[k]!);
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) return false;
    const o = v as Record<string, unknown>;
    for (let i = 0; i < keys.length; i++) if (!checks[i]!(o[keys[i]!])) return false;
    return true;
  };
};

const NAME = isStr(256); // characters
const DIM = isInt(1, 10000); // cells
const ID = isInt(0, 2 ** 31);

const windowInfo = shape({ id: ID, index: isInt(0, 1000), name: NAME });
const clientInfo = shape({ id: ID, name: NAME, role: oneOf('owner', 'helper'), rw: isBool });

const SHARE: Record<string, Check> = {
  hello: shape({
    v: isInt(0, 2 ** 31), role: oneOf('share'), app: NAME, name: NAME, session: isStr(128),
    token: optional(isStr(4096)), readOnly: isBool,
    resume: optional(shape({ viewer: isStr(128), seq: isInt(0, Number.MAX_SAFE_INTEGER) })), z: optional(isBool),
  }),
  layout: shape({
    name: NAME, windows: arrayOf(windowInfo, 1000), active: ID, cols: DIM, rows: DIM,
    clients: arrayOf(clientInfo, 1000), you: ID,
  }),
  snap: shape({ w: ID, cols: DIM, rows: DIM, data: isStr(64 << 20) }),
  out: shape({ w: ID, data: isBytes }),
  resize: shape({ w: ID, cols: DIM, rows: DIM }),
  msg: shape({ text: isStr(1024) }),
  end: shape({ reason: isStr(1024) }),
};

const VIEW: Record<string, Check> = {
  hello: shape({
    v: isInt(0, 2 ** 31), role: oneOf('view'), app: NAME, name: NAME, readOnly: isBool, cols: DIM, rows: DIM,
    viewer: isStr(128), z: optional(isBool),
  }),
  in: shape({ data: isBytes, seq: isInt(1, Number.MAX_SAFE_INTEGER) }),
  ack: shape({ n: isInt(0, Number.MAX_SAFE_INTEGER) }),
  size: shape({ cols: DIM, rows: DIM }),
  cmd: shape({ name: isStr(64), args: arrayOf((a) => isStr(1024)(a) || isInt(-(2 ** 31), 2 ** 31)(a), 16) }),
};

const BOTH: Record<string, Check> = {
  ka: shape({}),
  bye: shape({ reason: isStr(1024) }),
  err: shape({ code: oneOf('version', 'token', 'busy', 'declined', 'protocol', 'read-only'), text: isStr(1024) }),
};

function validate(table: Record<string, Check>, v: unknown): Message | undefined {
  if (typeof v !== 'object' || v === null) throw new ProtocolError('frame is not a message');
  const t = (v as { t?: unknown }).t;
  if (typeof t !== 'string') throw new ProtocolError('message has no type');
  const check = table[t] ?? BOTH[t];
  // A type we don't know is skipped, so a peer may add optional messages
  // without a version bump; a known type with bad fields is an error.
  if (!check) return undefined;
  // A hello is checked only for the version first, so an incompatible peer
  // gets "wrong version" rather than "malformed hello".
  if (t === 'hello' && (v as { v?: unknown }).v !== PROTOCOL_VERSION) return v as Message;
  if (!check(v)) throw new ProtocolError(`malformed ${t} message`);
  return v as Message;
}

/** Check a decoded frame from the sharing side; undefined for a type we don't know. */
export function parseShareMessage(v: unknown): ShareMessage | undefined {
  return validate(SHARE, v) as ShareMessage | undefined;
}

/** Check a decoded frame from the viewing side; undefined for a type we don't know. */
export function parseViewMessage(v: unknown): ViewMessage | undefined {
  return validate(VIEW, v) as ViewMessage | undefined;
}

/** The one-line complaint for a hello of another protocol version. */
export function versionMismatch(theirs: unknown): string {
  return `the peer speaks shareterm protocol ${String(theirs)}, this shareterm speaks ${PROTOCOL_VERSION} — use the same shareterm version on both sides`;
}
