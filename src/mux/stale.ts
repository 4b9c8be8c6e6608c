// Output nobody will ever see: in a flood (`cat` of a big file, a chatty
// build), most of what the program writes scrolls past the screen and out of
// the scrollback before anyone could look. Parsing it is the model's main
// cost, so a chunk of plain text is skipped (its colours kept) when enough
// plain lines are already queued behind it to push everything it would have
// written out of the history. The model ends in exactly the state it would
// have reached by parsing every byte; see TermModel's pump for when it skips.
//
// "Plain" is decided per chunk by a small scanner: printable characters,
// CR, LF, TAB, BS, SGR (CSI … m) and EL (CSI … K), starting and ending
// between characters and sequences. Everything those do is local to the
// cursor's line, so their only lasting effects are the lines they write
// (gone once pushed out of the history) and the pen (replayed from the SGRs).
// A chunk may also set or reset modes that change no line and no cursor
// position (CSI ? … h/l: cursor visibility, mouse and key reporting,
// bracketed paste, synchronized output — a shell prompt's ESC[?2004h): it
// is plain too, so a flood's run of output goes on through it, but it is
// always parsed, never skipped, so the modes it sets are never lost.

/** Where the scanner is at a chunk boundary: inside a sequence or a character, or at rest. */
import zlib from 'node:zlib';

export interface ScanState {
  /** 0: ground; 1: after ESC; 2: in a CSI's parameters; 3: in a private mode CSI's (after `?`); 4: right after CSI. */
  esc: 0 | 1 | 2 | 3 | 4;
  /** The CSI's first parameter so far (a mode CSI's: the current one), and whether it is still being read. */
  first: number;
  inFirst: boolean;
  /** UTF-8 continuation bytes still expected, and whether the lead was C2 (C1 controls). */
  utf8: number;
  c2: boolean;
}

/** The parser's ground state. */
export const AT_REST: Readonly<ScanState> = { esc: 0, first: 0, inFirst: true, utf8: 0, c2: false };

/** What a chunk of output does, as far as skipping it is concerned. */
export interface ChunkScan {
  /** Only the plain content above, read from the state the scan started in. */
  plain: boolean;
  /** The state the scan started from. */
  from: Readonly<ScanState>;
  /** Where a plain chunk leaves the scanner (undefined when not plain). */
  end: Readonly<ScanState> | undefined;
  /** Line feeds in the chunk. */
  lfs: number;
  /** Line feeds after the chunk's first carriage return (0 when it has none). */
  lfsAfterCr: number;
  /** The chunk has a carriage return. */
  hasCr: boolean;
  /** It sets or resets modes (PLAIN_MODES; a sequence begun before it included): parse it, never skip it. */
  modes: boolean;
  /**
   * The SGR sequences that begin (and end) in the chunk, from the last one
   * that resets the pen on: how many, and where the first of them starts
   * (-1: from where the lead ends). sgrText reads them from there; the scan
   * keeps no list, as most chunks are never skipped.
   */
  sgrs: number;
  sgrFrom: number;
  /** Those start with a reset (SGR 0): the pen before the chunk no longer matters. */
  sgrResets: boolean;
  /** Where the scanner is last at rest (the length when it ends so; -1: never). */
  lastRest: number;
  /**
   * Where the sequence or character under way when the chunk began ends
   * (0 when the scan began at rest; -1: not within the chunk), and whether
   * it was an SGR, and one that resets the pen. Its first bytes are in the
   * chunk before; sgr and sgrResets cover only sequences begun in this one.
   */
  leadEnd: number;
  leadSgr: boolean;
  leadReset: boolean;
}

/**
 * DEC private modes that change neither the buffer nor where text goes:
 * how keys, the mouse, focus and pastes are reported, the cursor's
 * blinking and visibility, synchronized output. (Not wraparound, origin,
 * reverse wraparound, the alternate screen, column mode, margins: those
 * change where later text lands.)
 */
const PLAIN_MODES = new Set([1, 9, 12, 25, 66, 1000, 1002, 1003, 1004, 1005, 1006, 1015, 1016, 2004, 2026]);

const ESC = 0x1b;
const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const BS = 0x08;

function notPlain(from: Readonly<ScanState>): ChunkScan {
  return { plain: false, from, end: undefined, lfs: 0, lfsAfterCr: 0, hasCr: false, modes: false, sgrs: 0, sgrFrom: -1, sgrResets: false, lastRest: -1, leadEnd: -1, leadSgr: false, leadReset: false };
}

/** Two scanner states that read what follows alike. */
export function sameState(a: Readonly<ScanState>, b: Readonly<ScanState>): boolean {
  if (a === b) return true;
  if (a.esc !== b.esc || a.utf8 !== b.utf8) return false;
  if (a.esc === 0) return a.utf8 === 0 || a.c2 === b.c2;
  return a.first === b.first && a.inFirst === b.inFirst;
}

/** True when a scan ends with the parser at rest: between sequences and characters. */
export function endsAtRest(scan: ChunkScan): boolean {
  return scan.end !== undefined && scan.end.esc === 0 && scan.end.utf8 === 0;
}

/**
 * Scan a chunk as xterm's parser would read it, from state `from` (the end
 * of the chunk before it). Byte arrays are UTF-8; strings are encoded first.
 */
export function scanChunk(data: Uint8Array | string, from: Readonly<ScanState> = AT_REST): ChunkScan {
  if (typeof data === 'string') {
    const scan = scanBytes(Buffer.from(data, 'utf8'), from);
    // Half a surrogate pair stays in xterm's string decoder: not at rest.
    const last = data.charCodeAt(data.length - 1);
    if (scan.end && last >= 0xd800 && last <= 0xdbff) scan.end = { ...scan.end, utf8: 1 };
    return scan;
  }
  return scanBytes(data, from);
}

function scanBytes(data: Uint8Array, from: Readonly<ScanState>): ChunkScan {
  const n = data.length;
  let { esc, first, inFirst, utf8, c2 } = from;
  let seqStart = -1; // where the current CSI began, when it began in this chunk
  let lfs = 0;
  let lfsAfterCr = 0;
  let hasCr = false;
  let modes = false;
  let sgrs = 0;
  let sgrFrom = -1;
  let sgrResets = false;
  let start = -1; // where the sequence or character under way began in this chunk
  let leadEnd = esc === 0 && utf8 === 0 ? 0 : -1;
  let leadSgr = false;
  let leadReset = false;
  for (let i = 0; i < n; i++) {
    const c = data[i]!;
    if (utf8 > 0) {
      // A continuation byte; xterm's decoder takes anything else as a new start.
      if (c < 0x80 || c >= 0xc0) return notPlain(from);
      if (c2 && c < 0xa0) return notPlain(from); // U+0080–U+009F: a C1 control
      c2 = false;
      if (--utf8 === 0 && leadEnd < 0) leadEnd = i + 1;
      continue;
    }
    if (esc === 0) {
      if (c >= 0x20 && c < 0x7f) {
        // A run of printable ASCII (most of any text) in one tight loop.
        while (i + 1 < n) {
          const d = data[i + 1]!;
          if (d < 0x20 || d >= 0x7f) break;
          i++;
        }
        continue;
      }
      if (c === LF) {
        lfs++;
        if (hasCr) lfsAfterCr++;
        continue;
      }
      if (c === CR) {
        hasCr = true;
        continue;
      }
      if (c === TAB || c === BS) continue;
      if (c === ESC) {
        // A whole SGR or EL within the chunk (most of a coloured flood's
        // sequences) in one tight loop; anything else, or one cut off by
        // the chunk's end, byte by byte below.
        if (i + 2 < n && data[i + 1] === 0x5b) {
          let j = i + 2;
          let p = 0; // non-zero when the first parameter is not 0 (then the SGR is no reset)
          let d = data[j]!;
          while (d >= 0x30 && d <= 0x39 && ++j < n) {
            p |= d - 0x30;
            d = data[j]!;
          }
          while (d >= 0x30 && d <= 0x3b && ++j < n) d = data[j]!; // the others: digits, `:` and `;`
          if (j < n && (d === 0x6d || d === 0x4b)) {
            if (d === 0x6d) {
              if (p === 0) {
                sgrs = 0;
                sgrFrom = i;
                sgrResets = true;
              }
              sgrs++;
            }
            i = j;
            continue;
          }
        }
        esc = 1;
        seqStart = start = i;
        continue;
      }
      if (c >= 0xc2 && c < 0xf5) {
        utf8 = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
        c2 = c === 0xc2;
        start = i;
        continue;
      }
      return notPlain(from); // other C0 controls, DEL, stray or invalid UTF-8
    }
    if (esc === 1) {
      if (c !== 0x5b) return notPlain(from); // only CSI
      esc = 4;
      first = 0;
      inFirst = true;
      continue;
    }
    // (One test on the way for an SGR's parameters, the common case, to the code below.)
    if (esc > 2) {
      if (esc === 4) {
        esc = 2;
        if (c === 0x3f) {
          esc = 3;
          continue;
        }
      }
      if (esc === 3) {
        // CSI ? Pm h / l: every parameter one of PLAIN_MODES.
        if (c >= 0x30 && c <= 0x39) {
          first = Math.min(first * 10 + (c - 0x30), 1 << 20);
          continue;
        }
        if (c !== ESC) {
          if (!PLAIN_MODES.has(first) || (c !== 0x3b && c !== 0x68 && c !== 0x6c)) return notPlain(from);
          first = 0;
          if (c === 0x3b) continue;
          modes = true;
          if (seqStart < 0) leadEnd = i + 1;
          esc = 0;
          seqStart = -1;
          continue;
        }
        // (An ESC breaks it off: below.)
      }
    }
    // In a CSI: parameters (digits, ; and :) then a final m (SGR) or K (EL).
    if (c >= 0x30 && c <= 0x39) {
      if (inFirst) first = Math.min(first * 10 + (c - 0x30), 1 << 20);
      continue;
    }
    if (c === 0x3b || c === 0x3a) {
      inFirst = false;
      continue;
    }
    if (c === 0x6d) {
      if (seqStart >= 0) {
        if (first === 0) {
          sgrs = 0;
          sgrFrom = seqStart;
          sgrResets = true;
        }
        sgrs++;
      } else {
        leadSgr = true;
        leadReset = first === 0;
      }
    } else if (c === ESC) {
      // An ESC breaks off the CSI under way, which then does nothing (xterm,
      // as any VT500-style parser: ESC from anywhere starts an escape). A
      // program killed mid-sequence leaves one, a cut line of a file too.
      if (seqStart < 0 && leadEnd < 0) leadEnd = i; // the lead is over, to no effect
      esc = 1;
      seqStart = start = i;
      continue;
    } else if (c !== 0x4b) {
      return notPlain(from);
    }
    if (seqStart < 0) leadEnd = i + 1;
    esc = 0;
    seqStart = -1;
  }
  const lastRest = esc === 0 && utf8 === 0 ? n : start;
  return { plain: true, from, end: { esc, first, inFirst, utf8, c2 }, lfs, lfsAfterCr, hasCr, modes, sgrs, sgrFrom, sgrResets, lastRest, leadEnd, leadSgr, leadReset };
}

/**
 * The text of a scan's SGR sequences (see ChunkScan.sgrs), after `lead`: the
 * pen changes of what came before, to which the chunk's own are added (or
 * which a reset in it replaces). Read again from the chunk: from where they
 * start, every ESC begins a CSI (the chunk is plain), and those ending in
 * `m` are the SGRs; one broken off by the next ESC does nothing.
 */
export function sgrText(scan: ChunkScan, data: Uint8Array | string, lead = ''): string {
  let out = scan.sgrResets ? '' : lead;
  if (scan.sgrs === 0) return out;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const n = bytes.length;
  let left = scan.sgrs;
  let i = scan.sgrFrom >= 0 ? scan.sgrFrom : scan.leadEnd;
  while (left > 0 && i < n) {
    while (i < n && bytes[i] !== ESC) i++;
    let j = i + 2; // after ESC [
    while (j < n && bytes[j]! < 0x40 && bytes[j] !== ESC) j++; // parameters (and a mode CSI's `?`) up to the final byte
    if (bytes[j] === ESC) {
      i = j; // broken off by another (see scanBytes)
      continue;
    }
    if (bytes[j] === 0x6d) {
      out += latin1(bytes, i, j + 1);
      left--;
    }
    i = j + 1;
  }
  return out;
}

/**
 * Line feeds after the first carriage return across a run of chunks, the
 * count that decides skipping: from that CR on, a model that skipped and one
 * that did not are at the same column, so the lines they write match.
 */
export class LineCounter {
  private crSeen = false;
  count = 0;

  add(scan: ChunkScan): number {
    const n = this.crSeen ? scan.lfs : scan.lfsAfterCr;
    if (scan.hasCr) this.crSeen = true;
    this.count += n;
    return n;
  }

  clone(): LineCounter {
    const c = new LineCounter();
    c.crSeen = this.crSeen;
    c.count = this.count;
    return c;
  }

  reset(): void {
    this.crSeen = false;
    this.count = 0;
  }
}

/**
 * Lines of plain output that must follow a skipped chunk: up to rows - 1 to
 * bring either cursor to the bottom line, then every line on the screen and
 * in the history pushed out (rows + scrollback), and two for the lines the
 * CR and the cursor's first line share with what came before.
 */
export function linesToForget(rows: number, scrollback: number): number {
  return 2 * rows + scrollback + 2;
}

/** Lines a run keeps beyond what it must, so that it is trimmed now and then, not after every chunk. */
const RUN_SLACK = 512; // lines
/** Pen changes carried this long are folded into the pen itself (see PlainRun's fold). */
const RUN_PEN_MAX = 1024; // characters
/** A run that holds this much output (it could not be trimmed) is given up. */
const RUN_BYTES_MAX = 4 << 20; // bytes

/**
 * The latest run of plain output, as it came, from a point where the model
 * was exact: at least `keep` lines of it (counted from its first carriage
 * return). Parsing the run again, from the pen at its start, rebuilds the
 * screen and the whole history from any state (the argument of
 * linesToForget), so a model may skip what only its history would show and
 * rebuild the history when someone looks at it.
 *
 * `P` is the caller's record of the pen where the run began; `sgr` holds
 * the pen changes of the chunks dropped from the front since, until `fold`
 * (which applies SGR text to a pen) makes them part of `start`.
 */
export class PlainRun<P> {
  private chunks: (Uint8Array | string)[] = [];
  private scans: ChunkScan[] = [];
  private head = 0;
  /** The chunks from `head` on, compressed (see pack); their slots in `chunks` are empty. */
  private packed: { data: Uint8Array; lengths: number[] } | undefined;
  private readonly lines = new LineCounter();
  private size = 0;
  private trimmed = false;
  /** Pen changes since `start`, up to the run's first chunk. */
  sgr = '';

  constructor(
    public start: P,
    private readonly keep: number,
    private readonly fold: (pen: P, sgr: string) => P,
  ) {}

  /** Lines in the run with one more chunk after it. */
  countWith(scan: ChunkScan): number {
    const c = this.lines.clone();
    c.add(scan);
    return c.count;
  }

  /** Nothing has been dropped from the front: the run begins where it began. */
  get whole(): boolean {
    return !this.trimmed;
  }

  /** Bytes of output it holds. */
  get bytes(): number {
    return this.size;
  }

  /** The run cannot be trimmed further and holds too much: give it up. */
  get overgrown(): boolean {
    return this.size > RUN_BYTES_MAX;
  }

  /** Bytes it takes to hold the output: what `bytes` counts, less what packing saved. */
  get heldBytes(): number {
    if (!this.packed) return this.size;
    let unpacked = 0;
    for (const n of this.packed.lengths) unpacked += n;
    return this.size - unpacked + this.packed.data.length;
  }

  /** The chunks, oldest first, as they came (cut where they were cut). */
  *[Symbol.iterator](): IterableIterator<Uint8Array | string> {
    const packed = this.packed ? inflate(this.packed) : [];
    yield* packed;
    for (let i = this.head + packed.length; i < this.chunks.length; i++) yield this.chunks[i]!;
  }

  /**
   * Compress what it holds, while nobody reads it (the bench's flood: a
   * history's worth is ~250 kB of coloured text; deflated, ~70 kB). Reading it, or trimming
   * it, inflates it again. Only byte chunks: a string chunk cut inside a
   * surrogate pair would not survive UTF-8.
   */
  pack(): void {
    if (this.packed || this.head >= this.chunks.length) return;
    const parts: Uint8Array[] = [];
    for (let i = this.head; i < this.chunks.length; i++) {
      const c = this.chunks[i]!;
      if (typeof c === 'string') return;
      parts.push(c);
    }
    this.packed = { data: zlib.deflateRawSync(Buffer.concat(parts)), lengths: parts.map((c) => c.length) };
    for (let i = this.head; i < this.chunks.length; i++) this.chunks[i] = undefined as unknown as Uint8Array;
  }

  private unpack(): void {
    const packed = this.packed;
    if (!packed) return;
    this.packed = undefined;
    inflate(packed).forEach((c, j) => (this.chunks[this.head + j] = c));
  }

  /** Add the next chunk of the stream (plain, scanned from where the last one ended). */
  add(data: Uint8Array | string, scan: ChunkScan): void {
    this.chunks.push(data);
    this.scans.push(scan);
    this.size += data.length;
    this.lines.add(scan);
    if (this.lines.count > this.keep + RUN_SLACK) this.trim();
  }

  /**
   * Drop chunks from the front while the rest holds `keep` lines and begins
   * at rest, carrying their pen changes into `sgr`.
   */
  private trim(): void {
    this.unpack();
    // Walking back: lines counted from chunk k on (from its first CR) and all LFs from k on.
    let from = 0;
    let all = 0;
    let k = -1;
    for (let i = this.chunks.length - 1; i > this.head; i--) {
      const s = this.scans[i]!;
      from = s.hasCr ? s.lfsAfterCr + all : from;
      all += s.lfs;
      if (from >= this.keep && atRestState(s.from)) {
        k = i;
        break;
      }
    }
    if (k < 0) return;
    this.trimmed = true;
    let pen = this.sgr;
    let partial = '';
    for (let i = this.head; i < k; i++) {
      const s = this.scans[i]!;
      const bytes = toBytes(this.chunks[i]!);
      if (partial !== '') {
        if (s.leadSgr) {
          const seq = partial + latin1(bytes, 0, s.leadEnd);
          pen = s.leadReset ? seq : pen + seq;
        }
        partial = '';
      }
      pen = sgrText(s, bytes, pen);
      if (s.lastRest < bytes.length) partial = latin1(bytes, s.lastRest, bytes.length);
    }
    if (pen.length > RUN_PEN_MAX) {
      // Colours without resets (a rainbow) add up: keep the pen they make instead.
      this.start = this.fold(this.start, pen);
      pen = '';
    }
    this.sgr = pen;
    for (let i = this.head; i < k; i++) {
      this.size -= this.chunks[i]!.length;
      this.chunks[i] = undefined as unknown as Uint8Array;
    }
    this.head = k;
    this.lines.reset();
    for (let i = k; i < this.chunks.length; i++) this.lines.add(this.scans[i]!);
    if (this.head > 256 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.scans = this.scans.slice(this.head);
      this.head = 0;
    }
  }
}

/** Packed chunks as they came, each its own copy. */
function inflate(packed: { data: Uint8Array; lengths: number[] }): Uint8Array[] {
  const all = zlib.inflateRawSync(packed.data);
  let at = 0;
  return packed.lengths.map((n) => all.slice(at, (at += n)));
}

function atRestState(s: Readonly<ScanState>): boolean {
  return s.esc === 0 && s.utf8 === 0;
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/** Bytes [from, to) as a string of the same code units (the ASCII of sequences). */
export function latin1(bytes: Uint8Array, from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++) out += String.fromCharCode(bytes[i]!);
  return out;
}
