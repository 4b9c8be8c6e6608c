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
    let value: unknown;
    try {
      value = this.decoder.decode(frame.subarray(HEADER));
    } catch (e) {
      throw new ProtocolError(`undecodable frame: ${(e as Error).message}`);
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
