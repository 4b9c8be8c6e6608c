// The user's side of the connection to the helper: dial, verify, say hello,
// attach the helper to the session — and, when the network drops the
// connection, dial again with backoff (verifying again), while the session
// and its programs go on untouched. Input is applied at most once across
// reconnects: the helper numbers it, and we tell it where we are.

import { randomBytes } from 'node:crypto';
import { UserError } from '../cli/errors.js';
import { APP } from '../cli/version.js';
import { Link } from '../proto/link.js';
import { MAX_FRAME } from '../proto/frame.js';
import { PROTOCOL_VERSION, parseViewMessage, versionMismatch, type ShareMessage, type ViewMessage, type ViewHello } from '../proto/messages.js';
import type { Session } from '../mux/session.js';
import type { VerifyPolicy } from '../tls/verify.js';
import { cleanLabel } from '../view/text.js';

/** First re-dial delay; it doubles up to RETRY_MAX. */
const RETRY_MIN = 250; // ms
const RETRY_MAX = 8000; // ms

export interface DialContext {
  host: string;
  port: number;
  policy: VerifyPolicy;
  clientCert?: { cert: string; key: string };
  token?: string;
  readOnly: boolean;
  name: string; // the user's label
  session: string; // this session's id, the same across re-dials
}

export interface Connected {
  link: Link<ViewMessage, ShareMessage>;
  hello: ViewHello;
  protocol: string;
  fingerprint: string;
  newlyTrusted: boolean;
}

/** A fresh random session id. */
export function newSessionId(): string {
  return randomBytes(12).toString('hex');
}

/**
 * Dial and verify the helper, then exchange hellos. `hooks.verified` runs
 * once the helper is verified and before anything is sent (it may throw to
 * stop there); `hooks.waiting` while the helper decides (listen --ask).
 * Rejects with a UserError (a VerifyError for a refused certificate).
 */
export async function connect(
  ctx: DialContext,
  resume?: { viewer: string; seq: number },
  hooks: { verified?: () => void; waiting?: (c: { protocol: string }) => void } = {},
): Promise<Connected> {
  const { dial } = await import('../tls/dial.js');
  const dialed = await dial({ host: ctx.host, port: ctx.port, policy: ctx.policy, ...(ctx.clientCert ? { clientCert: ctx.clientCert } : {}) });
  try {
    hooks.verified?.();
  } catch (e) {
    dialed.socket.destroy();
    throw e;
  }
  // Verified: only now does anything of ours cross the connection.
  const link = new Link<ViewMessage, ShareMessage>(dialed.socket, { parse: parseViewMessage, compression: true });
  link.stream.resume();
  link.send({
    t: 'hello', v: PROTOCOL_VERSION, role: 'share', app: APP, name: ctx.name, session: ctx.session,
    readOnly: ctx.readOnly, z: true,
    ...(ctx.token !== undefined ? { token: ctx.token } : {}),
    ...(resume ? { resume } : {}),
  });
  link.startKeepAlive();
  hooks.waiting?.({ protocol: dialed.protocol });
  const hello = await waitForHello(link);
  link.setMaxFrame(MAX_FRAME);
  return { link, hello, protocol: dialed.protocol, fingerprint: dialed.fingerprint, newlyTrusted: dialed.newlyTrusted };
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
          reject(new RefusedError(`the helper refused the share: ${cleanLabel(m.text, 200)}${hint}`, m.code));
        } else {
          link.destroy('protocol error');
          reject(new UserError(`the helper sent ${m.t} before accepting — is that a shareterm listener?`));
        }
      }),
      link.onClose.on((c) => {
        for (const s of subs) s.dispose();
        reject(new UserError(c.by === 'peer'
          ? `the helper closed the connection: ${c.reason}`
          : `the helper's side closed the connection before accepting (${c.reason})`));
      }),
    ];
  });
}

/** The helper said no (busy, token, declined…); re-dialling will not change that. */
export class RefusedError extends UserError {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

export interface HelperEvents {
  /** Connection state for the user's status bar. */
  state(text: string, ok: boolean): void;
  /** A notice for the user's status line. */
  notice(text: string, warn?: boolean): void;
}

/** The helper's place in the session, across connections. */
export class HelperConnection {
  private link: Link<ViewMessage, ShareMessage> | undefined;
  /** The viewer we last had, and the last input sequence number applied from it. */
  private viewer: string | undefined;
  private lastSeq = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = RETRY_MIN;
  private attempts = 0;
  private stopped = false;
  /** The user has been told who the helper is and which keys control them. */
  private introduced = false;

  constructor(
    private readonly ctx: DialContext,
    private readonly session: Session,
    private readonly events: HelperEvents,
    private readonly keys: { toggle: string; kick: string },
  ) {}

  /** True while the connection is lost and being re-dialled. */
  get reconnecting(): boolean {
    return this.retryTimer !== undefined;
  }

  /** Stop re-dialling (the user pressed C-b k while we were). */
  stopReconnecting(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.stopped = true;
    this.events.state('not shared', false);
  }

  /** Close the connection for good (the session is ending); resolves once the goodbye is out. */
  close(reason: string): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.link && !this.link.isClosed) return this.link.close(reason);
    return Promise.resolve();
  }

  /** Attach the helper on a connection that has exchanged hellos. */
  attach(link: Link<ViewMessage, ShareMessage>, hello: ViewHello): void {
    this.link = link;
    this.attempts = 0;
    this.retryDelay = RETRY_MIN;
    // A different viewer (the helper's listen restarted) numbers input afresh.
    if (hello.viewer !== this.viewer) {
      this.viewer = hello.viewer;
      this.lastSeq = 0;
    }
    const locked = this.ctx.readOnly || hello.readOnly;
    const name = cleanLabel(hello.name, 64) || 'helper';
    const client = this.session.attach(
      { send: (ev) => link.send(ev), close: (reason) => link.close(reason) },
      { name, role: 'helper', canWrite: !locked, lockedReadOnly: locked, cols: hello.cols, rows: hello.rows, local: false },
    );
    this.events.state(`shared with ${name}`, true);
    if (this.introduced) this.events.notice(`reconnected to ${name}`);
    else this.events.notice(`${name} is watching${locked ? ' (read-only)' : ' and may type'} — ${locked ? '' : `${this.keys.toggle} toggles typing, `}${this.keys.kick} disconnects`);
    this.introduced = true;
    link.onMessage.on((m) => {
      switch (m.t) {
        case 'in':
          // Applied at most once: input resent after a reconnect is skipped.
          if (m.seq <= this.lastSeq) break;
          this.lastSeq = m.seq;
          client.input(m.data);
          break;
        case 'ack':
          client.ack(m.n);
          break;
        case 'size':
          client.resize(m.cols, m.rows);
          break;
        case 'cmd': {
          const msg = client.command(m.name, m.args);
          if (msg) link.send({ t: 'msg', text: msg });
          break;
        }
        default:
          break;
      }
    });
    link.onClose.on((c) => {
      if (this.session.isEnded) return;
      if (!client.detached) client.detach();
      this.link = undefined;
      if (c.by === 'network' && !this.stopped) {
        this.events.notice(`lost the connection to ${name} (${c.reason}); reconnecting`, true);
        this.scheduleRedial();
      } else if (c.by === 'peer') {
        this.events.state('helper left', false);
        this.events.notice(`${name} left: ${c.reason}`);
      } else {
        this.events.state('not shared', false);
        this.events.notice(`${name} disconnected`);
      }
    });
  }

  private scheduleRedial(): void {
    this.attempts++;
    this.events.state(`reconnecting${this.attempts > 1 ? ` (try ${this.attempts})` : ''}…`, false);
    const delay = this.retryDelay * (0.8 + Math.random() * 0.4);
    this.retryDelay = Math.min(RETRY_MAX, this.retryDelay * 2);
    this.retryTimer = setTimeout(() => void this.redial(), delay);
  }

  private async redial(): Promise<void> {
    if (this.stopped || this.session.isEnded) return;
    // No questions now: the terminal belongs to the session. A TOFU helper is
    // known by now; a changed certificate is refused, never accepted.
    const policy: VerifyPolicy = this.ctx.policy.kind === 'tofu' ? { ...this.ctx.policy, ask: null } : this.ctx.policy;
    try {
      const resume = this.viewer ? { viewer: this.viewer, seq: this.lastSeq } : undefined;
      const c = await connect({ ...this.ctx, policy }, resume);
      this.retryTimer = undefined;
      if (this.stopped || this.session.isEnded) {
        c.link.close('the session ended');
        return;
      }
      this.attach(c.link, c.hello);
    } catch (e) {
      this.retryTimer = undefined;
      if (this.stopped || this.session.isEnded) return;
      const err = e as Error & { check?: string };
      if (err.check !== undefined || e instanceof RefusedError) {
        // A certificate that no longer verifies, or a helper that says no:
        // retrying would not help, and must not wear the user down.
        this.events.state('not shared', false);
        this.events.notice(`reconnecting stopped: ${err.message}`, true);
        return;
      }
      this.scheduleRedial();
    }
  }
}
