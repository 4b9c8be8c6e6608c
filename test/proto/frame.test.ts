// The frame codec and message checks: round trips, arbitrary splits, and
// random or hostile bytes that may only ever give messages or a ProtocolError.
import test from 'ava';
import { Encoder, Decoder } from '@msgpack/msgpack';
import { encodeFrame, encodeFlat, decodeFlat, compressedFrame, FrameDecoder, MAX_FRAME, PREAUTH_MAX_FRAME } from '../../src/proto/frame.js';
import { Deflater, History, DICTIONARY_SIZE } from '../../src/proto/compress.js';
import {
  PROTOCOL_VERSION, ProtocolError, parseShareMessage, parseViewMessage,
  type ShareMessage, type ViewMessage,
} from '../../src/proto/messages.js';

const SHARE: ShareMessage[] = [
  { t: 'hello', v: PROTOCOL_VERSION, role: 'share', app: 'shareterm 0.1.0', name: 'alice@box', session: 'abc123', readOnly: false },
  { t: 'hello', v: PROTOCOL_VERSION, role: 'share', app: 'shareterm 0.1.0', name: 'ü', session: 's', token: 'sekret', readOnly: true },
  {
    t: 'layout', name: 'alice', windows: [{ id: 0, index: 0, name: 'bash' }, { id: 3, index: 1, name: 'vim' }], active: 3,
    cols: 80, rows: 23, clients: [{ id: 1, name: 'alice', role: 'owner', rw: true }, { id: 2, name: 'bob', role: 'helper', rw: false }], you: 2,
  },
  { t: 'snap', w: 0, cols: 80, rows: 23, data: '\x1b[1mhi\x1b[m 日本' },
  { t: 'out', w: 0, data: new Uint8Array([0, 1, 2, 0x1b, 0xff]) },
  { t: 'resize', w: 1, cols: 100, rows: 30 },
  { t: 'msg', text: 'helper is now read-only' },
  { t: 'end', reason: 'shell exited' },
  { t: 'ka' },
  { t: 'bye', reason: 'user ended sharing' },
  { t: 'err', code: 'busy', text: 'already helping someone' },
];
const VIEW: ViewMessage[] = [
  { t: 'hello', v: PROTOCOL_VERSION, role: 'view', app: 'shareterm 0.1.0', name: 'bob', readOnly: false, cols: 120, rows: 40, viewer: 'v1', z: true },
  { t: 'ack', n: 12345 },
  { t: 'in', data: new TextEncoder().encode('ls -l\r'), seq: 1 },
  { t: 'size', cols: 80, rows: 24 },
  { t: 'cmd', name: 'select-window', args: [3] },
  { t: 'cmd', name: 'rename-window', args: ['logs'] },
  { t: 'ka' },
  { t: 'bye', reason: 'helper left' },
];

function concat(frames: Uint8Array[]): Uint8Array {
  const n = frames.reduce((a, f) => a + f.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const f of frames) {
    out.set(f, o);
    o += f.length;
  }
  return out;
}

/** Deterministic PRNG (mulberry32) so a failing case can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

test('every message round-trips through a frame, whole and split at every byte', (t) => {
  for (const [msgs, parse] of [[SHARE, parseShareMessage], [VIEW, parseViewMessage]] as const) {
    const stream = concat(msgs.map((m) => encodeFrame(m)));
    const whole = new FrameDecoder<unknown>(parse, MAX_FRAME).push(stream);
    t.deepEqual(whole, msgs);
    for (let cut = 1; cut < stream.length; cut++) {
      const d = new FrameDecoder<unknown>(parse, MAX_FRAME);
      const got = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
      t.deepEqual(got, msgs, `cut at ${cut}`);
    }
    // Byte by byte.
    const d = new FrameDecoder<unknown>(parse, MAX_FRAME);
    const got: unknown[] = [];
    for (const b of stream) got.push(...d.push(new Uint8Array([b])));
    t.deepEqual(got, msgs);
  }
});

test('an oversized length prefix is refused before its body arrives', (t) => {
  const d = new FrameDecoder(parseViewMessage, PREAUTH_MAX_FRAME);
  const head = new Uint8Array([0, 0x10, 0, 0]); // 1 MiB announced
  const err = t.throws(() => d.push(head));
  t.true(err instanceof ProtocolError);
  t.regex(err!.message, /exceeds the limit/);
  t.throws(() => d.push(new Uint8Array([1])), { instanceOf: ProtocolError });
});

test('a frame of exactly the limit is accepted, one byte more is not', (t) => {
  const big = encodeFrame({ t: 'in', data: new Uint8Array(1000), seq: 1 });
  const limit = big.length - 4;
  t.is(new FrameDecoder(parseViewMessage, limit).push(big).length, 1);
  t.throws(() => new FrameDecoder(parseViewMessage, limit - 1).push(big), { instanceOf: ProtocolError });
});

test('malformed messages are ProtocolErrors; unknown types are skipped', (t) => {
  const bad: object[] = [
    { t: 'in', data: 'not bytes' },
    { t: 'size', cols: 0, rows: 24 },
    { t: 'size', cols: 80.5, rows: 24 },
    { t: 'cmd', name: 'x', args: [{}] },
    { t: 'hello', v: PROTOCOL_VERSION, role: 'view', app: 'x', name: 5, readOnly: false, cols: 1, rows: 1 },
    { nope: 1 },
    [1, 2, 3],
  ];
  for (const m of bad) {
    t.throws(() => new FrameDecoder(parseViewMessage, MAX_FRAME).push(encodeFrame(m)), { instanceOf: ProtocolError }, JSON.stringify(m));
  }
  t.deepEqual(new FrameDecoder(parseViewMessage, MAX_FRAME).push(encodeFrame({ t: 'future-thing', x: 1 })), []);
  // A hello of another version passes the check so the caller can say "wrong version".
  const other = new FrameDecoder(parseViewMessage, MAX_FRAME).push(encodeFrame({ t: 'hello', v: 99 }));
  t.is((other[0] as { v: number }).v, 99);
});

test('random bytes give only messages or a ProtocolError, never another exception', (t) => {
  const r = rng(1234);
  let errors = 0;
  for (let round = 0; round < 3000; round++) {
    const d = new FrameDecoder<unknown>(round % 2 ? parseShareMessage : parseViewMessage, round % 3 ? PREAUTH_MAX_FRAME : MAX_FRAME);
    const n = Math.floor(r() * 300);
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i++) bytes[i] = Math.floor(r() * 256);
    // Half the rounds start with a plausible small length so bodies get decoded.
    if (round % 2 === 0 && n >= 4) {
      bytes[0] = 0;
      bytes[1] = 0;
      bytes[2] = 0;
      bytes[3] = Math.floor(r() * Math.min(n - 4, 255));
    }
    try {
      let o = 0;
      while (o < n) {
        const k = 1 + Math.floor(r() * 40);
        d.push(bytes.subarray(o, o + k));
        o += k;
      }
    } catch (e) {
      t.true(e instanceof ProtocolError, `round ${round}: ${String(e)}`);
      errors++;
    }
  }
  t.true(errors > 100); // the fuzz really reached the error paths
});

test('mutated valid frames give only messages or a ProtocolError', (t) => {
  const r = rng(99);
  const stream = concat([...VIEW, ...VIEW].map((m) => encodeFrame(m)));
  for (let round = 0; round < 3000; round++) {
    const bytes = stream.slice();
    const flips = 1 + Math.floor(r() * 4);
    for (let i = 0; i < flips; i++) bytes[Math.floor(r() * bytes.length)] = Math.floor(r() * 256);
    const d = new FrameDecoder(parseViewMessage, PREAUTH_MAX_FRAME);
    try {
      d.push(bytes);
    } catch (e) {
      t.true(e instanceof ProtocolError, `round ${round}: ${String(e)}`);
    }
  }
  t.pass();
});

test('compressed batches decode to the same messages, with history across batches', (t) => {
  const hello = encodeFrame(SHARE[0]!);
  const d = new FrameDecoder<unknown>(parseShareMessage, MAX_FRAME, { compression: true });
  t.deepEqual(d.push(hello), [SHARE[0]]);
  const z = new Deflater();
  const text = new TextEncoder().encode('\x1b[32mcoloured line of output\x1b[m\r\n'.repeat(100));
  let wire = 0;
  let raw = 0;
  for (let i = 0; i < 20; i++) {
    const msgs = [{ t: 'out', w: 0, data: text }, { t: 'msg', text: `n${i}` }];
    const batch = concat(msgs.map((m) => encodeFrame(m)));
    // Every third batch goes uncompressed; it still joins the history.
    const plain = i % 3 === 2;
    let frame: Uint8Array;
    if (plain) {
      z.note(batch);
      frame = batch;
    } else {
      frame = compressedFrame(z.compress(batch));
      wire += frame.length;
      raw += batch.length;
    }
    const got = d.push(frame).map((m) => {
      const x = m as { data?: Uint8Array };
      return x.data ? { ...x, data: new Uint8Array(x.data) } : x;
    });
    t.deepEqual(got, msgs);
  }
  t.true(wire / raw < 0.1, `ratio ${wire / raw}`);
});

test('the compression history is always the last 32 KiB of the stream, whatever the sizes added', (t) => {
  const r = rng(7);
  const h = new History();
  t.is(h.dictionary, undefined);
  let stream: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < 3000; i++) {
    // Mostly keystroke-sized frames, some large, a few of a whole history or more.
    const x = r();
    const len = x < 0.8 ? 1 + Math.floor(r() * 60) : x < 0.97 ? Math.floor(r() * 20000) : DICTIONARY_SIZE - 2 + Math.floor(r() * 5000);
    const chunk = new Uint8Array(len);
    for (let k = 0; k < len; k++) chunk[k] = Math.floor(r() * 256);
    h.add(chunk);
    stream = concat([stream.subarray(Math.max(0, stream.length - DICTIONARY_SIZE)), chunk]);
    const want = stream.subarray(Math.max(0, stream.length - DICTIONARY_SIZE));
    const got = h.dictionary;
    if (want.length === 0) t.is(got, undefined);
    else if (!got || Buffer.compare(Buffer.from(got), Buffer.from(want)) !== 0) return t.fail(`add ${i} (${len} bytes): history differs`);
  }
  t.pass();
});

test('compressed frames are refused before the hello, and corrupt or oversized ones are ProtocolErrors', (t) => {
  const z = new Deflater();
  const batch = encodeFrame({ t: 'msg', text: 'x' });
  t.throws(() => new FrameDecoder(parseShareMessage, MAX_FRAME, { compression: true }).push(compressedFrame(z.compress(batch))), { instanceOf: ProtocolError, message: /before compression/ });
  t.throws(() => new FrameDecoder(parseShareMessage, MAX_FRAME).push(concat([encodeFrame(SHARE[0]!), compressedFrame(new Uint8Array([1, 2, 3]))])), { instanceOf: ProtocolError });
  const ok = (): FrameDecoder<unknown> => {
    const d = new FrameDecoder<unknown>(parseShareMessage, 4096, { compression: true });
    d.push(encodeFrame(SHARE[0]!));
    return d;
  };
  t.throws(() => ok().push(compressedFrame(new Uint8Array([0xff, 0xfe, 0xfd]))), { instanceOf: ProtocolError, message: /bad compressed frame/ });
  // A bomb: 1 MiB of zeros in a few bytes must not inflate past the limit.
  const bomb = new Deflater().compress(concat([encodeFrame({ t: 'out', w: 0, data: new Uint8Array(1 << 20) })]));
  t.throws(() => ok().push(compressedFrame(bomb)), { instanceOf: ProtocolError });
});

test('flat messages are written byte for byte as the general codec writes them, and read as it reads them', (t) => {
  // The hand codec for small flat maps (a keystroke, its echo, an
  // acknowledgement) must be indistinguishable from MessagePack's: the same
  // bytes out, the same values in, and for anything it does not take on
  // (undefined), the general codec decides.
  const general = new Encoder({ ignoreUndefined: true });
  const framed = (m: object): Uint8Array => {
    const body = general.encode(m);
    const f = new Uint8Array(4 + body.length);
    new DataView(f.buffer).setUint32(0, body.length);
    f.set(body, 4);
    return f;
  };
  const decoder = new Decoder({ useBigInt64: false });
  const r = rng(7);
  const keys = ['t', 'w', 'n', 'data', 'seq', 'cols', 'rows', 'name', 'x'.repeat(31), 'x'.repeat(32), 'ü', '__proto__'];
  const ints = [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -1, 1.5, NaN];
  const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
  const value = (): unknown => {
    const k = r();
    if (k < 0.35) return ints[Math.floor(r() * ints.length)];
    if (k < 0.55) return ['', 'in', 'out', 'ack', 'a'.repeat(31), 'a'.repeat(32), 'é', '\x7f\x00'][Math.floor(r() * 8)];
    if (k < 0.85) return r() < 0.5 ? bytes([0, 1, 255, 256, 1000][Math.floor(r() * 5)]!) : Buffer.from(bytes(3));
    return [true, undefined, null, [1], { a: 1 }][Math.floor(r() * 5)];
  };
  const hot = [
    { t: 'in', data: new Uint8Array([97]), seq: 1 },
    { t: 'in', data: bytes(70000), seq: 2 ** 32 - 1 },
    { t: 'out', w: 3, data: bytes(4096) },
    { t: 'ack', n: 123456789 },
    { t: 'ka' },
    { t: 'size', cols: 120, rows: 40 },
    { t: 'resize', w: 0, cols: 80, rows: 24 },
  ];
  const samples: object[] = [...hot];
  for (let i = 0; i < 3000; i++) {
    const o: Record<string, unknown> = {};
    for (let n = Math.floor(r() * 5); n > 0; n--) Object.defineProperty(o, keys[Math.floor(r() * keys.length)]!, { value: value(), enumerable: true, configurable: true, writable: true });
    samples.push(o);
  }
  let flat = 0;
  let readFlat = 0;
  for (const m of samples) {
    let want: Uint8Array;
    try {
      want = framed(m);
    } catch {
      t.is(encodeFlat(m as Record<string, unknown>), undefined, 'what the general codec cannot write, the hand codec does not either');
      continue;
    }
    const got = encodeFlat(m as Record<string, unknown>);
    if (got) {
      flat++;
      t.deepEqual(got, want, JSON.stringify(m));
    }
    // Read back, and read with bytes changed: the same value, or left to the general decoder.
    const body = want.subarray(4);
    for (let k = 0; k < 4; k++) {
      const b = body.slice(0, k === 3 ? Math.floor(r() * (body.length + 1)) : body.length);
      if (k > 0 && b.length > 0) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      const mine = decodeFlat(b);
      if (mine === undefined) continue;
      readFlat++;
      t.deepEqual(mine, decoder.decode(b) as unknown, `${JSON.stringify(m)} as ${Buffer.from(b).toString('hex')}`);
    }
  }
  for (const m of hot) t.truthy(encodeFlat(m), `${m.t} goes by hand`);
  t.true(flat > 500 && readFlat > 1000, `${flat} written and ${readFlat} read by hand`);
  // Keys the general decoder refuses, or decides: never read by hand.
  t.is(decodeFlat(Uint8Array.from([0x81, 0xa9, ...Buffer.from('__proto__'), 0x01])), undefined);
  t.is(decodeFlat(Uint8Array.from([0x82, 0xa1, 0x6e, 0x01, 0xa1, 0x6e, 0x02])), undefined, 'a key twice');
});
