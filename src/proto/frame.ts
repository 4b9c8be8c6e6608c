// The frame codec: a 4-byte big-endian length, then one MessagePack value.
// Pure: it never touches a socket, so it can be unit-tested and fuzzed.

import { Encoder, Decoder } from '@msgpack/msgpack';
import { ProtocolError } from './messages.js';
import { COMPRESSED_FLAG, Inflater } from './compress.js';

/** Largest frame once both sides have said hello (a snapshot with scrollback fits). */
export const MAX_FRAME = 8 << 20; // bytes
/** Largest frame before the peer has said a valid hello: bounds what a stranger can make us buffer. */
export const PREAUTH_MAX_FRAME = 16 << 10; // bytes
const HEADER = 4; // bytes

const encoder = new Encoder({ ignoreUndefined: true });

/** Encode one message as a frame. */
export function encodeFrame(msg: object): Uint8Array {
  const flat = encodeFlat(msg as Record<string, unknown>);
  if (flat) return flat;
  const body = encoder.encode(msg);
  const frame = new Uint8Array(HEADER + body.length);
  new DataView(frame.buffer).setUint32(0, body.length);
  frame.set(body, HEADER);
  return frame;
}

/** A frame carrying a compressed batch of frames (see compress.ts). */
export function compressedFrame(z: Uint8Array): Uint8Array {
  const frame = new Uint8Array(HEADER + z.length);
  new DataView(frame.buffer).setUint32(0, (COMPRESSED_FLAG | z.length) >>> 0);
  frame.set(z, HEADER);
  return frame;
}

export interface DecoderOptions {
  /** Accept compressed frames after the peer's hello (when both agreed). */
  compression?: boolean;
}

/**
 * Splits a byte stream into frames and decodes each. `push` returns the
 * messages completed by a chunk, or throws ProtocolError (and only that) for
 * an oversized, undecodable or malformed frame; after an error the decoder
 * refuses further input, as the connection is to be closed.
 */
export class FrameDecoder<T> {
  private chunks: Uint8Array[] = [];
  private buffered = 0; // bytes in chunks
  private failed = false;
  private readonly decoder = new Decoder({ useBigInt64: false });
  /** Created at the peer's hello: from then on frames join its history. */
  private inflater: Inflater | undefined;

  /** `parse` checks a decoded value and returns a message, or undefined to skip it. */
  constructor(
    private readonly parse: (v: unknown) => T | undefined,
    public maxFrame: number = PREAUTH_MAX_FRAME,
    private readonly options: DecoderOptions = {},
  ) {}

  /** Feed bytes; get every message they complete. */
  push(chunk: Uint8Array): T[] {
    if (this.failed) throw new ProtocolError('decoder used after an error');
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: T[] = [];
    try {
      for (;;) {
        if (this.buffered < HEADER) break;
        const head = this.peekLength();
        const compressed = head >= COMPRESSED_FLAG;
        const len = compressed ? head - COMPRESSED_FLAG : head;
        if (len > this.maxFrame) {
          throw new ProtocolError(`frame of ${len} bytes exceeds the limit of ${this.maxFrame}`);
        }
        if (this.buffered < HEADER + len) break;
        const frame = this.take(HEADER + len);
        if (compressed) {
          if (!this.inflater) throw new ProtocolError('compressed frame before compression was agreed');
          let inner: Uint8Array;
          try {
            inner = this.inflater.inflate(frame.subarray(HEADER), this.maxFrame);
          } catch (e) {
            throw new ProtocolError(`bad compressed frame: ${(e as Error).message}`);
          }
          this.decodeInner(inner, out);
        } else {
          this.inflater?.note(frame);
          this.decodeFrame(frame, out);
        }
      }
    } catch (e) {
      this.failed = true;
      this.chunks = [];
      this.buffered = 0;
      if (e instanceof ProtocolError) throw e;
      throw new ProtocolError(`bad frame: ${(e as Error).message}`);
    }
    return out;
  }

  /** Decode one ordinary frame (header included) into `out`. */
  private decodeFrame(frame: Uint8Array, out: T[]): void {
    const body = frame.subarray(HEADER);
    let value: unknown = decodeFlat(body);
    if (value === undefined) {
      try {
        value = this.decoder.decode(body);
      } catch (e) {
        throw new ProtocolError(`undecodable frame: ${(e as Error).message}`);
      }
    }
    const msg = this.parse(value);
    if (msg === undefined) return;
    out.push(msg);
    // History for compression starts after the peer's hello.
    if (this.options.compression && !this.inflater && (msg as { t?: unknown }).t === 'hello') this.inflater = new Inflater();
  }

  /** The frames inside an inflated batch: whole, ordinary, within the limit. */
  private decodeInner(inner: Uint8Array, out: T[]): void {
    let o = 0;
    while (o < inner.length) {
      if (inner.length - o < HEADER) throw new ProtocolError('truncated frame in a compressed batch');
      const len = ((inner[o]! << 24) >>> 0) + (inner[o + 1]! << 16) + (inner[o + 2]! << 8) + inner[o + 3]!;
      if (len > this.maxFrame || o + HEADER + len > inner.length) throw new ProtocolError('bad frame in a compressed batch');
      this.decodeFrame(inner.subarray(o, o + HEADER + len), out);
      o += HEADER + len;
    }
  }

  /** Bytes received but not yet part of a whole frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  private peekLength(): number {
    const head = this.chunks[0]!;
    if (head.length >= HEADER) {
      return ((head[0]! << 24) >>> 0) + (head[1]! << 16) + (head[2]! << 8) + head[3]!;
    }
    const h = this.copyOut(HEADER);
    return ((h[0]! << 24) >>> 0) + (h[1]! << 16) + (h[2]! << 8) + h[3]!;
  }

  /** The first n bytes, without consuming them. */
  private copyOut(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let off = 0;
    for (const c of this.chunks) {
      const k = Math.min(c.length, n - off);
      out.set(c.subarray(0, k), off);
      off += k;
      if (off === n) break;
    }
    return out;
  }

  /** Consume and return the first n bytes (a view when they lie in one chunk). */
  private take(n: number): Uint8Array {
    const head = this.chunks[0]!;
    let out: Uint8Array;
    if (head.length >= n) {
      out = head.subarray(0, n);
      if (head.length === n) this.chunks.shift();
      else this.chunks[0] = head.subarray(n);
    } else {
      out = this.copyOut(n);
      let left = n;
      while (left > 0) {
        const c = this.chunks[0]!;
        if (c.length <= left) {
          left -= c.length;
          this.chunks.shift();
        } else {
          this.chunks[0] = c.subarray(left);
          left = 0;
        }
      }
    }
    this.buffered -= n;
    return out;
  }
}

// ---- Small flat messages, by hand ---------------------------------------
// A keystroke and its echo go through four codecs ('in' encoded, then
// decoded; 'out' likewise) on a path whose code is seldom warm, and there
// the general MessagePack codec costs ~6 µs to encode and ~12 µs to decode
// a one-byte message (V8's baseline tier). Flat maps of short ASCII keys
// and strings, integers 0 to 2^32 - 1 and bytes (every message on that path,
// acknowledgements and keepalives too) are written and read here directly:
// the very bytes the general codec writes, and the values it would read, so
// either end may use either. Anything else goes to the general codec.

/** The keys the flat decoder reads (any other, __proto__ above all, goes to the general decoder). */
const FLAT_KEYS = new Set(['t', 'w', 'n', 'data', 'seq', 'cols', 'rows']);
const FIXSTR_MAX = 31; // bytes

/** A string of at most FIXSTR_MAX characters, all ASCII. */
function shortAscii(v: string): boolean {
  if (v.length > FIXSTR_MAX) return false;
  for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Bytes an unsigned integer takes (as the general codec writes it). */
function uintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x100 ? 2 : v < 0x10000 ? 3 : 5;
}

/** Bytes of the length in a bin header (bin 8, 16, 32). */
function binLengthSize(n: number): number {
  return n < 0x100 ? 1 : n < 0x10000 ? 2 : 4;
}

/** The unsigned big-endian integer of `n` bytes at `at`. */
function bigEndian(b: Uint8Array, at: number, n: number): number {
  let x = 0;
  for (let k = 0; k < n; k++) x = x * 256 + b[at + k]!;
  return x;
}

/** `msg` as a frame when it is a flat map the hand codec writes, else undefined. */
export function encodeFlat(msg: Record<string, unknown>): Uint8Array | undefined {
  const keys = Object.keys(msg);
  if (keys.length > 15) return undefined;
  let size = 1;
  for (const k of keys) {
    if (!shortAscii(k)) return undefined;
    size += 1 + k.length;
    const v = msg[k];
    if (typeof v === 'string') {
      if (!shortAscii(v)) return undefined;
      size += 1 + v.length;
    } else if (typeof v === 'number') {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) return undefined;
      size += uintSize(v);
    } else if (v instanceof Uint8Array) {
      size += 1 + binLengthSize(v.length) + v.length;
    } else {
      return undefined; // undefined (left out), booleans, arrays, maps
    }
  }
  const f = new Uint8Array(HEADER + size);
  f[0] = size >>> 24;
  f[1] = size >>> 16;
  f[2] = size >>> 8;
  f[3] = size;
  let o = HEADER;
  f[o++] = 0x80 | keys.length;
  const ascii = (text: string): void => {
    f[o++] = 0xa0 | text.length;
    for (let i = 0; i < text.length; i++) f[o++] = text.charCodeAt(i);
  };
  const bigEndianOut = (v: number, n: number): void => {
    for (let sh = (n - 1) * 8; sh >= 0; sh -= 8) f[o++] = v >>> sh; // the array keeps the low byte
  };
  for (const k of keys) {
    ascii(k);
    const v = msg[k] as string | number | Uint8Array;
    if (typeof v === 'string') {
      ascii(v);
    } else if (typeof v === 'number') {
      const n = uintSize(v);
      if (n === 1) f[o++] = v;
      else {
        f[o++] = n === 2 ? 0xcc : n === 3 ? 0xcd : 0xce;
        bigEndianOut(v, n - 1);
      }
    } else {
      const h = binLengthSize(v.length);
      f[o++] = h === 1 ? 0xc4 : h === 2 ? 0xc5 : 0xc6;
      bigEndianOut(v.length, h);
      f.set(v, o);
      o += v.length;
    }
  }
  return f;
}

/** ASCII text of `n` bytes at `at`, or undefined when any is not. */
function asciiAt(b: Uint8Array, at: number, n: number): string | undefined {
  let s = '';
  for (let i = at; i < at + n; i++) {
    const c = b[i]!;
    if (c > 0x7f) return undefined;
    s += String.fromCharCode(c);
  }
  return s;
}

/**
 * A frame body read as a flat map the hand codec reads: what the general
 * decoder gives for it. Undefined for anything else (other kinds of value,
 * other keys, a key twice, bytes left over or missing): the general decoder
 * decides those.
 */
export function decodeFlat(b: Uint8Array): Record<string, unknown> | undefined {
  const head = b[0];
  if (head === undefined || (head & 0xf0) !== 0x80) return undefined;
  const out: Record<string, unknown> = {};
  let o = 1;
  for (let i = head & 0x0f; i > 0; i--) {
    const kh = b[o];
    if (kh === undefined || (kh & 0xe0) !== 0xa0 || o + 1 + (kh & 0x1f) > b.length) return undefined;
    const key = asciiAt(b, o + 1, kh & 0x1f);
    if (key === undefined || !FLAT_KEYS.has(key) || Object.hasOwn(out, key)) return undefined;
    o += 1 + (kh & 0x1f);
    const vh = b[o];
    if (vh === undefined) return undefined;
    let v: unknown;
    if (vh < 0x80) {
      v = vh;
      o += 1;
    } else if ((vh & 0xe0) === 0xa0) {
      const n = vh & 0x1f;
      if (o + 1 + n > b.length) return undefined;
      v = asciiAt(b, o + 1, n);
      if (v === undefined) return undefined;
      o += 1 + n;
    } else if (vh === 0xcc || vh === 0xcd || vh === 0xce) {
      const n = vh === 0xcc ? 1 : vh === 0xcd ? 2 : 4;
      if (o + 1 + n > b.length) return undefined;
      v = bigEndian(b, o + 1, n);
      o += 1 + n;
    } else if (vh === 0xc4 || vh === 0xc5 || vh === 0xc6) {
      const h = vh === 0xc4 ? 1 : vh === 0xc5 ? 2 : 4;
      if (o + 1 + h > b.length) return undefined;
      const n = bigEndian(b, o + 1, h);
      if (o + 1 + h + n > b.length) return undefined;
      v = b.subarray(o + 1 + h, o + 1 + h + n);
      o += 1 + h + n;
    } else {
      return undefined;
    }
    out[key] = v;
  }
  return o === b.length ? out : undefined;
}
