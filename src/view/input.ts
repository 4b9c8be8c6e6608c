// Splits what a viewer's terminal sends into text, complete escape
// sequences and bracketed pastes, so the viewer can find prefix keys, keep
// pastes intact, and drop the terminal's own replies (SPEC §2: a viewer's
// terminal replies never reach the pty).

export type Token =
  | { kind: 'text'; bytes: Uint8Array } // printable text and C0 controls other than ESC
  | { kind: 'seq'; bytes: Uint8Array; type: SeqType; final: number; params: string } // one escape sequence
  | { kind: 'paste'; bytes: Uint8Array }; // ESC[200~ … ESC[201~, markers included

export type SeqType = 'csi' | 'ss3' | 'esc' | 'osc' | 'dcs' | 'apc' | 'pm' | 'sos' | 'mouse-x10' | 'lone-esc';

const ESC = 0x1b;
const BEL = 0x07;
const PASTE_END = Buffer.from('\x1b[201~');
/** A paste longer than this is forwarded in pieces rather than held whole. */
const MAX_PASTE_HOLD = 64 << 10; // bytes
/** A string sequence (OSC, DCS…) longer than this is junk: it is dropped as it arrives. */
const MAX_STRING_SEQ = 16 << 10; // bytes

/** A stateful tokenizer for input bytes, safe across arbitrary chunk splits. */
export class InputTokenizer {
  private pending: Uint8Array = new Uint8Array(0);
  private inPaste = false;

  /** Bytes held back because they may be the start of a sequence. */
  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Feed bytes; get the tokens they complete. */
  push(chunk: Uint8Array): Token[] {
    const buf = this.pending.length ? concat(this.pending, chunk) : chunk;
    this.pending = new Uint8Array(0);
    const out: Token[] = [];
    let i = 0;
    let textStart = 0;
    const flushText = (end: number): void => {
      if (end > textStart) out.push({ kind: 'text', bytes: buf.subarray(textStart, end) });
    };
    while (i < buf.length) {
      if (this.inPaste) {
        const end = indexOf(buf, PASTE_END, i);
        if (end < 0) {
          // Keep a possible partial end marker; forward the rest of a long paste now.
          const keep = Math.min(buf.length - i, PASTE_END.length - 1);
          const upto = buf.length - keep;
          if (upto > i) out.push({ kind: 'paste', bytes: buf.subarray(i, upto) });
          this.pending = buf.slice(upto);
          return out;
        }
        out.push({ kind: 'paste', bytes: buf.subarray(i, end + PASTE_END.length) });
        i = end + PASTE_END.length;
        textStart = i;
        this.inPaste = false;
        continue;
      }
      if (buf[i] !== ESC) {
        i++;
        continue;
      }
      flushText(i);
      const r = scanSequence(buf, i);
      if (r === 'incomplete') {
        if (i === buf.length - 1) {
          // A lone ESC at the end of a read is the Escape key: terminals send a
          // sequence in one write, so holding it would only add latency.
          out.push({ kind: 'seq', bytes: buf.subarray(i, i + 1), type: 'lone-esc', final: 0, params: '' });
          i = buf.length;
          textStart = i;
          break;
        }
        if (buf.length - i > MAX_STRING_SEQ) {
          // An endless OSC/DCS: drop what we have, keep scanning after it.
          i = buf.length;
          textStart = i;
          break;
        }
        this.pending = buf.slice(i);
        return out;
      }
      const seq = buf.subarray(i, r.end);
      if (r.type === 'csi' && r.final === 0x7e && r.params === '200') {
        // ESC[200~ starts a bracketed paste: everything to ESC[201~ is one token.
        this.inPaste = true;
        const end = indexOf(buf, PASTE_END, r.end);
        if (end >= 0 && end + PASTE_END.length - i <= MAX_PASTE_HOLD) {
          out.push({ kind: 'paste', bytes: buf.subarray(i, end + PASTE_END.length) });
          this.inPaste = false;
          i = end + PASTE_END.length;
        } else {
          out.push({ kind: 'paste', bytes: seq });
          i = r.end;
        }
        textStart = i;
        continue;
      }
      out.push({ kind: 'seq', bytes: seq, type: r.type, final: r.final, params: r.params });
      i = r.end;
      textStart = i;
    }
    flushText(i);
    return out;
  }

  /** Give up waiting for the rest of a held sequence: return it as it is. */
  flush(): Token[] {
    if (this.pending.length === 0) return [];
    const bytes = this.pending;
    this.pending = new Uint8Array(0);
    if (this.inPaste) return [{ kind: 'paste', bytes }];
    return [{ kind: 'text', bytes }];
  }
}

interface Scanned {
  end: number;
  type: SeqType;
  final: number;
  params: string;
}

/** Scan one escape sequence starting at buf[i] === ESC (ECMA-48 shapes). */
function scanSequence(buf: Uint8Array, i: number): Scanned | 'incomplete' {
  if (i + 1 >= buf.length) return 'incomplete';
  const b = buf[i + 1]!;
  if (b === 0x5b) {
    // CSI: parameters 0x30–0x3F, intermediates 0x20–0x2F, final 0x40–0x7E.
    let j = i + 2;
    while (j < buf.length && buf[j]! >= 0x20 && buf[j]! <= 0x3f) j++;
    if (j >= buf.length) return 'incomplete';
    const fin = buf[j]!;
    if (fin < 0x40 || fin > 0x7e) {
      // Not a valid CSI: treat ESC [ as a two-byte sequence and let the rest be text.
      return { end: i + 2, type: 'esc', final: 0x5b, params: '' };
    }
    const params = latin1(buf, i + 2, j);
    if (fin === 0x4d && params === '') {
      // X10/normal mouse report: CSI M Cb Cx Cy, three raw bytes.
      if (j + 3 >= buf.length) return 'incomplete';
      return { end: j + 4, type: 'mouse-x10', final: fin, params };
    }
    return { end: j + 1, type: 'csi', final: fin, params };
  }
  if (b === 0x4f) {
    // SS3: ESC O x (application cursor / keypad keys, F1–F4).
    if (i + 2 >= buf.length) return 'incomplete';
    return { end: i + 3, type: 'ss3', final: buf[i + 2]!, params: '' };
  }
  const stringType: Record<number, SeqType> = { 93: 'osc', 80: 'dcs', 95: 'apc', 94: 'pm', 88: 'sos' };
  const st = stringType[b];
  if (st) {
    // String sequences end with BEL (OSC) or ST (ESC \).
    for (let j = i + 2; j < buf.length; j++) {
      if (buf[j] === BEL) return { end: j + 1, type: st, final: BEL, params: '' };
      if (buf[j] === ESC) {
        if (j + 1 >= buf.length) return 'incomplete';
        if (buf[j + 1] === 0x5c) return { end: j + 2, type: st, final: 0x5c, params: '' };
      }
    }
    return 'incomplete';
  }
  // ESC followed by anything else: Alt/Meta+key (or ESC ESC). UTF-8 after ESC is one character.
  let end = i + 2;
  if (b >= 0xc0) {
    const n = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    if (i + 1 + n > buf.length) return 'incomplete';
    end = i + 1 + n;
  }
  return { end, type: 'esc', final: b, params: '' };
}

/**
 * True for sequences a terminal sends as a *reply* to a query rather than for
 * a key: device attributes, cursor position reports, mode reports, window
 * reports, colour and clipboard answers. Keys that share a shape with a reply
 * (Shift-F3 is CSI 1;2R, like a CPR) are kept.
 */
export function isTerminalReply(t: Token): boolean {
  if (t.kind !== 'seq') return false;
  switch (t.type) {
    case 'osc': // colour/clipboard/title answers
    case 'dcs': // DECRQSS, XTGETTCAP answers
    case 'apc': // kitty graphics answers
    case 'pm':
    case 'sos':
      return true;
    case 'csi':
      break;
    default:
      return false;
  }
  const p = t.params;
  switch (t.final) {
    case 0x63: // c: DA1 (CSI ? … c), DA2 (CSI > … c), DA3 (CSI = … c)
      return true;
    case 0x52: // R: CPR (CSI row ; col R) — but CSI 1 ; mod R is F3 with modifiers
      return !/^1;([2-9]|1[0-6])$/.test(p);
    case 0x79: // y: DECRPM (CSI ? Ps ; Pm $ y)
      return p.endsWith('$') || p.startsWith('?');
    case 0x74: // t: window manipulation reports (CSI 8 ; rows ; cols t…)
      return true;
    case 0x6e: // n: DSR answers (CSI 0 n, CSI ? … n)
      return true;
    case 0x75: // u: kitty keyboard flags answer (CSI ? flags u)
      return p.startsWith('?');
    case 0x78: // x: DECREPTPARM
      return true;
    default:
      return false;
  }
}

/** Parse an SGR (CSI < b ; x ; y M/m) or urxvt (CSI b ; x ; y M) mouse report. */
export function parseMouse(t: Token): { button: number; x: number; y: number; release: boolean; sgr: boolean; urxvt: boolean } | undefined {
  if (t.kind !== 'seq') return undefined;
  if (t.type === 'mouse-x10') {
    const b = t.bytes;
    return { button: b[3]! - 32, x: b[4]! - 33, y: b[5]! - 33, release: false, sgr: false, urxvt: false };
  }
  if (t.type !== 'csi' || (t.final !== 0x4d && t.final !== 0x6d)) return undefined;
  const sgr = t.params.startsWith('<');
  const m = /^<?(\d+);(\d+);(\d+)$/.exec(t.params);
  if (!m) return undefined;
  if (!sgr && t.final !== 0x4d) return undefined;
  return {
    button: Number(m[1]),
    x: Number(m[2]) - 1,
    y: Number(m[3]) - 1,
    release: t.final === 0x6d,
    sgr,
    urxvt: !sgr,
  };
}

/** Re-encode a mouse report after moving it by (dx, dy), in the form it arrived in. */
export function encodeMouse(t: Token, x: number, y: number): Uint8Array | undefined {
  const m = parseMouse(t);
  if (!m) return undefined;
  if (m.sgr) return Buffer.from(`\x1b[<${m.button};${x + 1};${y + 1}${m.release ? 'm' : 'M'}`);
  if (m.urxvt) return Buffer.from(`\x1b[${m.button};${x + 1};${y + 1}M`);
  if (x + 33 > 255 || y + 33 > 255) return undefined;
  return new Uint8Array([ESC, 0x5b, 0x4d, m.button + 32, x + 33, y + 33]);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function indexOf(buf: Uint8Array, needle: Uint8Array, from: number): number {
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).indexOf(needle, from);
}

function latin1(buf: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let k = from; k < to; k++) s += String.fromCharCode(buf[k]!);
  return s;
}
