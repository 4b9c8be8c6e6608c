// Compression of the frame stream, after both hellos agreed to it.
//
// Node's zlib has no synchronous streaming deflate, and an asynchronous one
// would add a thread-pool hop to every keystroke's echo. Instead each batch
// of frames is deflated on its own with the last 32 KiB of the stream as a
// preset dictionary, which gives nearly the ratio of one long stream. Both
// sides keep that history of every frame after the hello, compressed or
// not, so small batches (a keystroke's echo) can go uncompressed for speed.
//
// A compressed frame has the top bit of its length set; its body inflates to
// ordinary frames.

import zlib from 'node:zlib';

/** Set in a frame's length prefix when its body is compressed. */
export const COMPRESSED_FLAG = 0x80000000;
/** zlib's largest window, and so the most history a dictionary can use. */
export const DICTIONARY_SIZE = 32 << 10; // bytes
/** Batches smaller than this are sent as they are. */
export const COMPRESS_MIN = 512; // bytes
/** zlib level: 3 is within 2% of 6's ratio on terminal text at half the cost. */
const LEVEL = 3;

/**
 * The last DICTIONARY_SIZE bytes of a frame stream. Every frame joins it,
 * a keystroke's as much as a flood's, so adding must not copy the whole
 * history: bytes are appended to a buffer twice the history's size, and
 * only when it is full is the last DICTIONARY_SIZE moved to the front (one
 * copy of the history per history's worth of bytes added).
 */
export class History {
  private readonly buf = Buffer.allocUnsafe(2 * DICTIONARY_SIZE);
  private end = 0;

  add(chunk: Uint8Array): void {
    if (chunk.length >= DICTIONARY_SIZE) {
      this.buf.set(chunk.subarray(chunk.length - DICTIONARY_SIZE));
      this.end = DICTIONARY_SIZE;
      return;
    }
    if (this.end + chunk.length > this.buf.length) {
      const keep = DICTIONARY_SIZE - chunk.length;
      this.buf.copyWithin(0, this.end - keep, this.end);
      this.end = keep;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** A view of the history (valid until the next add), or undefined while empty. */
  get dictionary(): Buffer | undefined {
    if (this.end === 0) return undefined;
    return this.buf.subarray(Math.max(0, this.end - DICTIONARY_SIZE), this.end);
  }
}

/** The sending side: compresses batches against what it sent before. */
export class Deflater {
  private readonly history = new History();

  /** Deflate a batch of frames; the batch joins the history. */
  compress(batch: Uint8Array): Uint8Array {
    const dictionary = this.history.dictionary;
    const z = zlib.deflateRawSync(batch, { level: LEVEL, ...(dictionary ? { dictionary } : {}) });
    this.history.add(batch);
    return z;
  }

  /** Frames sent uncompressed still join the history. */
  note(frames: Uint8Array): void {
    this.history.add(frames);
  }
}

/** The receiving side: inflates batches against what it received before. */
export class Inflater {
  private readonly history = new History();

  /** Inflate a compressed body of at most `max` bytes; throws on corrupt input or a bomb. */
  inflate(body: Uint8Array, max: number): Uint8Array {
    const dictionary = this.history.dictionary;
    const out = zlib.inflateRawSync(body, { maxOutputLength: max, ...(dictionary ? { dictionary } : {}) });
    this.history.add(out);
    return out;
  }

  /** Frames received uncompressed join the history too. */
  note(frame: Uint8Array): void {
    this.history.add(frame);
  }
}
