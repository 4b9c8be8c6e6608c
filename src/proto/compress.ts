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

/** The last DICTIONARY_SIZE bytes of a frame stream. */
class History {
  private buf = Buffer.alloc(0);

  add(chunk: Uint8Array): void {
    if (chunk.length >= DICTIONARY_SIZE) {
      this.buf = Buffer.from(chunk.subarray(chunk.length - DICTIONARY_SIZE));
      return;
    }
    const keep = Math.min(this.buf.length, DICTIONARY_SIZE - chunk.length);
    this.buf = Buffer.concat([this.buf.subarray(this.buf.length - keep), chunk]);
  }

  get dictionary(): Buffer | undefined {
    return this.buf.length > 0 ? this.buf : undefined;
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
