// Skipping stale output (src/mux/stale.ts, TermModel's pump): the scanner's
// verdicts, and a model that skips ends exactly where one that parses every
// byte ends — screen, history, pen, cursor — under random streams, random
// chunk boundaries, snapshots taken mid-stream, and what viewers see between.
import test from 'ava';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { TermModel, type StreamItem } from '../../src/mux/term.js';
import { scanChunk, sgrText, sameState, AT_REST, LineCounter, linesToForget, PlainRun } from '../../src/mux/stale.js';
import { prng, pick } from '../view/helpers.js';
import { createGrid } from '../../src/mux/grid.js';

const enc = (s: string): Uint8Array => Buffer.from(s, 'utf8');

test('plain text, CR, LF, TAB, BS, SGR and EL are plain; lines are counted from the first CR', (t) => {
  const s = scanChunk(enc('ab\ncd\r\x1b[1;31mx\x1b[K\ty\b\r\nz\n中é\r\n'));
  t.true(s.plain);
  t.is(s.lfs, 4);
  t.is(s.lfsAfterCr, 3);
  t.true(s.hasCr);
  t.is(s.lastRest, enc('ab\ncd\r\x1b[1;31mx\x1b[K\ty\b\r\nz\n中é\r\n').length);
});

test('a sequence broken off by an ESC does nothing, as in xterm: still plain, and only the SGRs that end count', (t) => {
  const text = 'a\x1b[38;5;\x1b[31mred\x1b[3\x1b[0m\r\nb\x1b[?25\x1b[1mc\r\n';
  const s = scanChunk(enc(text));
  t.true(s.plain);
  t.false(s.modes, 'a mode CSI broken off sets nothing');
  t.is(s.sgrs, 2, 'from the reset on: SGR 0 and SGR 1');
  t.true(s.sgrResets);
  t.is(sgrText(s, enc(text), '\x1b[7m'), '\x1b[0m\x1b[1m');
  // Broken off across a chunk boundary: the lead ends at the ESC, to no effect.
  const a = scanChunk(enc('x\x1b[38;5'));
  const b = scanChunk(enc(';\x1b[32mgreen\r\n'), a.end);
  t.true(b.plain);
  t.false(b.leadSgr);
  t.is(b.leadEnd, 1);
  t.is(sgrText(b, enc(';\x1b[32mgreen\r\n'), '\x1b[1m'), '\x1b[1m\x1b[32m');
});

test('anything that moves the cursor between lines, changes modes or talks back is not plain', (t) => {
  for (const s of ['\x1b[H', '\x1b[2;5r', '\x1b[?1049h', '\x1b]0;title\x07', '\x07', '\x1bM', '\x1b7', '\x1b[6n', '\x1b[>4;1m', '\x0b', '\x0c', '\x7f', '\x00', '\x1b[2J', '\x1bP1$r\x1b\\',
    // Modes that move text or the cursor: wraparound, origin, reverse wraparound, the alternate screen, columns, margins, insert.
    '\x1b[?7l', '\x1b[?6h', '\x1b[?45h', '\x1b[?47h', '\x1b[?1047h', '\x1b[?1048h', '\x1b[?3h', '\x1b[?5h', '\x1b[?69h', '\x1b[4h', '\x1b[25l',
    // …one among plain ones, none, an empty one, sub-parameters, a mode report (DECRQM answers).
    '\x1b[?25;7l', '\x1b[?h', '\x1b[?25;h', '\x1b[?1000:1h', '\x1b[?25$p', '\x1b[?2004;1049h', '\x1b[1?25h']) {
    t.false(scanChunk(enc(`text${s}more\r\n`)).plain, JSON.stringify(s));
    t.false(scanChunk(`text${s}more\r\n`).plain, `${JSON.stringify(s)} as a string`);
  }
  // C1 controls: U+009B is a CSI to xterm, in UTF-8 (C2 9B) as in a string.
  t.false(scanChunk(enc('a\u009b2Jb')).plain);
  t.false(scanChunk('a\u009b2Jb').plain);
  // Stray continuation bytes and invalid leads are not text we can vouch for.
  t.false(scanChunk(Uint8Array.of(0x61, 0x80, 0x62)).plain);
  t.false(scanChunk(Uint8Array.of(0x61, 0xc0, 0x80)).plain);
});

test('a sequence or character cut at a chunk boundary: the scan goes on from where the last one stopped', (t) => {
  const whole = enc('one\r\n\x1b[38;5;208mtwo 中\r\n\x1b[0mthree\r\n');
  for (let cut = 1; cut < whole.length; cut++) {
    const a = scanChunk(whole.subarray(0, cut));
    t.true(a.plain, `cut at ${cut}`);
    const b = scanChunk(whole.subarray(cut), a.end);
    t.true(b.plain, `cut at ${cut}`);
    t.is(a.lfs + b.lfs, 3);
    // The first part is at rest up to where the cut element began; the second ends at rest.
    t.true(a.lastRest <= cut && a.lastRest >= 0);
    t.is(b.lastRest, whole.length - cut);
    if (a.lastRest < cut) t.true(a.end!.esc !== 0 || a.end!.utf8 !== 0, `cut at ${cut}: mid-element`);
    // The second part says where the cut element ends, and whether it was an SGR (and a reset).
    t.is(a.leadEnd, 0);
    const element = new TextDecoder().decode(whole.subarray(a.lastRest, cut + b.leadEnd));
    if (a.lastRest === cut) t.is(b.leadEnd, 0, `cut at ${cut}`);
    else t.true(element === '\x1b[38;5;208m' || element === '中' || element === '\x1b[0m', `cut at ${cut}: ${JSON.stringify(element)}`);
    t.is(b.leadSgr, element.startsWith('\x1b['), `cut at ${cut}`);
    t.is(b.leadReset, element === '\x1b[0m', `cut at ${cut}`);
  }
  // From the ground state, the tail of a cut SGR reads as text: plain, but not the same scan.
  const tail = enc('31mred\r\n');
  t.true(scanChunk(tail).plain);
  t.false(scanChunk(enc('\x1b[')).end!.esc === 0);
});

test('a whole chunk scans as the same bytes one at a time: random streams of every kind of element', (t) => {
  // Whole, an SGR or EL within the chunk is read in one tight loop; fed one
  // byte at a time, every element goes through the byte-by-byte reading.
  const pieces = ['word', ' ', 'x', '\r\n', '\n', '\r', '\t', '\b', 'é', '中', '😀',
    '\x1b[m', '\x1b[0m', '\x1b[1m', '\x1b[01;34m', '\x1b[;4m', '\x1b[38;5;208m', '\x1b[38:2:1:2:3m', '\x1b[0;1;31m', '\x1b[K', '\x1b[2K', '\x1b[1048576;9m',
    '\x1b[?25l', '\x1b[?2004h', '\x1b[?1000;1006h', '\x1b[38;5', '\x1b[', '\x1b', '\x1b[?25',
    '\x1b[H', '\x1b[2J', '\x1b[>4;1m', '\x1b[1?25h', '\x1b[25l', '\x1b[2 q', '\x1b[1;<m', '\x1bM', '\x07', '\u009b'];
  const rnd = prng(20261123);
  for (let round = 0; round < 400; round++) {
    const text = Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => pick(rnd, pieces)).join('');
    const bytes = enc(text);
    const whole = scanChunk(bytes);
    let from = AT_REST;
    let plain = true;
    let modes = false;
    let lfs = 0;
    let hasCr = false;
    const after = new LineCounter();
    let sgrs = 0;
    let resets = false;
    let resetFrom = -1;
    let lastEsc = -1;
    let lastRest = 0;
    for (let i = 0; i < bytes.length && plain; i++) {
      const s = scanChunk(bytes.subarray(i, i + 1), from);
      if (!s.plain) {
        plain = false;
        break;
      }
      if (bytes[i] === 0x1b) lastEsc = i;
      lfs += s.lfs;
      hasCr ||= s.hasCr;
      modes ||= s.modes;
      after.add(s);
      if (s.leadSgr) {
        if (s.leadReset) {
          sgrs = 0;
          resets = true;
          resetFrom = lastEsc;
        }
        sgrs++;
      }
      if (s.end!.esc === 0 && s.end!.utf8 === 0) lastRest = i + 1;
      from = s.end!;
    }
    const what = JSON.stringify(text);
    t.is(whole.plain, plain, what);
    if (!plain) continue;
    t.is(whole.lfs, lfs, what);
    t.is(whole.lfsAfterCr, after.count, what);
    t.is(whole.hasCr, hasCr, what);
    t.is(whole.modes, modes, what);
    t.is(whole.sgrs, sgrs, what);
    t.is(whole.sgrResets, resets, what);
    if (resets) t.is(whole.sgrFrom, resetFrom, what);
    t.is(whole.lastRest, lastRest, what);
    t.true(sameState(whole.end!, from), what);
  }
});

test('the pen carried past a skipped chunk: its SGRs from the last reset on', (t) => {
  const data = enc('\x1b[1ma\x1b[31mb\x1b[0mc\x1b[4m\x1b[Kd\x1b[38;5;9me\r\n');
  const s = scanChunk(data);
  t.true(s.sgrResets);
  t.is(sgrText(s, data), '\x1b[0m\x1b[4m\x1b[38;5;9m');
  const noReset = enc('\x1b[1mx\x1b[;4my\x1b[32mz');
  const n = scanChunk(noReset);
  t.true(n.sgrResets, 'an empty first parameter resets too');
  t.is(sgrText(n, noReset), '\x1b[;4m\x1b[32m');
  const bold = enc('\x1b[01;34mdir\x1b[1m');
  t.false(scanChunk(bold).sgrResets, '01 is bold, not a reset');
});

test('modes that move no text (cursor, keys, mouse, focus, paste, sync) are plain, and marked: parsed, never skipped', (t) => {
  for (const m of ['\x1b[?25l', '\x1b[?25h', '\x1b[?12h', '\x1b[?1h', '\x1b[?2004h', '\x1b[?2004l', '\x1b[?1000;1006h', '\x1b[?1002l', '\x1b[?1003h', '\x1b[?1004h', '\x1b[?1005l', '\x1b[?1015h', '\x1b[?1016h', '\x1b[?9h', '\x1b[?66h', '\x1b[?2026h', '\x1b[?2026l']) {
    const s = scanChunk(enc(`out\r\n${m}$ `));
    t.true(s.plain, JSON.stringify(m));
    t.true(s.modes, JSON.stringify(m));
    t.is(s.lfs, 1);
    t.true(scanChunk(`out\r\n${m}$ `).modes, `${JSON.stringify(m)} as a string`);
  }
  t.false(scanChunk(enc('text\x1b[1mbold\x1b[K\r\n')).modes);
  // Cut anywhere: the chunk with a mode sequence's last byte is the one marked, and says where it ends.
  const text = 'a\x1b[?1000;1006hb\r\n\x1b[31mc\x1b[?25l';
  const whole = enc(text);
  const seqs = [[1, text.indexOf('h') + 1], [text.lastIndexOf('\x1b'), text.length]] as const;
  for (let cut = 1; cut < whole.length; cut++) {
    const a = scanChunk(whole.subarray(0, cut));
    const b = scanChunk(whole.subarray(cut), a.end);
    t.true(a.plain && b.plain, `cut at ${cut}`);
    t.is(a.modes, seqs.some(([, end]) => end <= cut), `cut at ${cut}`);
    t.is(b.modes, seqs.some(([, end]) => end > cut), `cut at ${cut}`);
    t.is(b.lastRest, whole.length - cut);
    const inside = seqs.find(([start, end]) => start < cut && cut < end);
    if (inside) {
      t.is(a.lastRest, inside[0], `cut at ${cut}: at rest up to the sequence`);
      t.is(cut + b.leadEnd, inside[1], `cut at ${cut}: the sequence ends where it does`);
      t.false(b.leadSgr, `cut at ${cut}`);
    }
  }
});

test('lines count from the first carriage return across chunks', (t) => {
  const c = new LineCounter();
  c.add(scanChunk(enc('a\nb\n')));
  t.is(c.count, 0);
  c.add(scanChunk(enc('x\ry\nz\n')));
  t.is(c.count, 2);
  c.add(scanChunk(enc('\n\n')));
  t.is(c.count, 4);
  t.is(linesToForget(24, 2000), 2050);
  t.deepEqual(scanChunk('').end, AT_REST);
});

/** A random stream: mostly plain lines, sometimes something that is not. */
function randomStream(rnd: () => number, lines: number, rare: number, modeRate = 0): string {
  const words = ['alpha', 'beta', 'γάμμα', '中文字', 'e\u0301t\u00e9', '🙂ok', 'tab\tstop', 'back\b\bup', 'x'.repeat(30)];
  const sgr = ['\x1b[0m', '\x1b[m', '\x1b[1m', '\x1b[31m', '\x1b[38;5;208m', '\x1b[48;2;10;20;30m', '\x1b[4:3m', '\x1b[01;34m', '\x1b[22;39m', '\x1b[7m'];
  const el = ['\x1b[K', '\x1b[1K', '\x1b[2K', '\x1b[0K'];
  const modes = ['\x1b[?25l', '\x1b[?25h', '\x1b[?2004h', '\x1b[?2004l', '\x1b[?1000;1006h', '\x1b[?1000l', '\x1b[?1h', '\x1b[?1l', '\x1b[?12h', '\x1b[?2026h', '\x1b[?2026l', '\x1b[?1004h'];
  // Sequences broken off by the next ESC (a program killed mid-sequence, a file's cut line): plain, they do nothing.
  const broken = ['\x1b[3', '\x1b[38;5;', '\x1b[?25', '\x1b[', '\x1b[1;'];
  const odd = ['\x1b[3;4H', '\x1b[2;4r', '\x1b[r', '\x1b[?1049h', '\x1b[?1049l', '\x1b]2;t\x07', '\x1bM', '\x1b[5A', '\x1b7', '\x1b8', '\x1b[?7l', '\x1b[?7h', '\x1b[4h', '\x1b[4l', '\x1b[2J', '\x1b[S', '\x1b[L', '\x1b(0', '\x1b(B'];
  let out = '';
  for (let i = 0; i < lines; i++) {
    const parts = 1 + Math.floor(rnd() * 6);
    for (let p = 0; p < parts; p++) {
      const r = rnd();
      if (r < 0.25) out += pick(rnd, sgr);
      else if (r < 0.3) out += pick(rnd, el);
      else if (r < 0.3 + rare) out += pick(rnd, odd);
      else if (r < 0.3 + rare + modeRate) out += pick(rnd, modes);
      else if (r < 0.32 + rare + modeRate) out += pick(rnd, broken) + pick(rnd, sgr);
      out += `${pick(rnd, words)} ${i} `;
    }
    out += rnd() < 0.9 ? '\r\n' : rnd() < 0.5 ? '\n' : '\r';
  }
  return out;
}

/** Random chunk boundaries, anywhere (mid-character, mid-sequence). */
function chunks(rnd: () => number, bytes: Uint8Array, max: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o < bytes.length; ) {
    const n = 1 + Math.floor(rnd() * max);
    out.push(bytes.subarray(o, o + n));
    o += n;
  }
  return out;
}

const flushed = (m: TermModel): Promise<void> => new Promise((r) => m.flush(r));

/**
 * A skipping model given `parts` as one backlog (or in backlogs of `per`
 * parts) and a parsing one given them as they come, both done; `lead`
 * first, to both, parsed before the parts come.
 */
async function skipAndParse(parts: (Uint8Array | string)[], size: { cols: number; rows: number; scrollback: number }, per?: number, lead?: string): Promise<{ skip: TermModel; parse: TermModel }> {
  const skip = new TermModel({ ...size, skipStale: true });
  const parse = new TermModel(size);
  if (lead !== undefined) {
    for (const m of [skip, parse]) m.write(lead);
    await flushed(skip);
  }
  if (per === undefined) skip.batch(() => parts.forEach((p) => skip.write(p)));
  else await inBacklogs(skip, parts, per);
  parts.forEach((p) => parse.write(p));
  await flushed(skip);
  await flushed(parse);
  return { skip, parse };
}

/** Everything a viewer could read: screen, history, cursor, pen and modes (a full snapshot). */
function state(m: TermModel): string {
  return JSON.stringify([m.snapshot(100_000), m.cursor(), m.scrollbackLength, m.modes()]);
}

test('a skipping model ends exactly where a parsing one does: random streams, random chunks', async (t) => {
  let skipped = 0;
  let total = 0;
  for (let seed = 1; seed <= 120; seed++) {
    const rnd = prng(seed);
    const cols = 10 + Math.floor(rnd() * 30);
    const rows = 3 + Math.floor(rnd() * 8);
    const scrollback = Math.floor(rnd() * 30);
    const rare = seed % 3 === 0 ? 0.02 : seed % 3 === 1 ? 0.002 : 0;
    const modeRate = seed % 4 === 0 ? 0.01 : seed % 4 === 1 ? 0.002 : 0;
    const bytes = enc(randomStream(rnd, 150 + Math.floor(rnd() * 400), rare, modeRate));
    const parts = chunks(rnd, bytes, 1 + Math.floor(rnd() * 300));
    const { skip, parse } = await skipAndParse(parts, { cols, rows, scrollback });
    t.is(state(skip), state(parse), `seed ${seed} (${cols}x${rows}, scrollback ${scrollback})`);
    skipped += skip.skipped;
    total += bytes.length;
    skip.dispose();
    parse.dispose();
  }
  // The comparison means something only if skipping happened, often.
  t.true(skipped > total / 3, `skipped ${skipped} of ${total} bytes`);
});

test('strings are skipped as byte arrays are', async (t) => {
  const rnd = prng(7);
  const text = randomStream(rnd, 600, 0);
  const skip = new TermModel({ cols: 30, rows: 6, scrollback: 10, skipStale: true });
  const parse = new TermModel({ cols: 30, rows: 6, scrollback: 10 });
  const parts: string[] = [];
  for (let o = 0; o < text.length; o += 97) parts.push(text.slice(o, o + 97)); // cuts surrogate pairs too
  skip.batch(() => parts.forEach((p) => skip.write(p)));
  parts.forEach((p) => parse.write(p));
  await flushed(skip);
  await flushed(parse);
  t.true(skip.skipped > text.length / 2);
  t.is(state(skip), state(parse));
});

test('a snapshot taken mid-flood, then what follows it, rebuilds the same terminal (as a viewer does)', async (t) => {
  for (let seed = 1; seed <= 30; seed++) {
    const rnd = prng(1000 + seed);
    const cols = 20 + Math.floor(rnd() * 20);
    const rows = 4 + Math.floor(rnd() * 6);
    const scrollback = Math.floor(rnd() * 20);
    // Plain streams: a snapshot of some odd states (alternate screen with a
    // scroll region and no autowrap) is not cell-exact, skipping or not.
    const parts = chunks(rnd, enc(randomStream(rnd, 600, 0)), 200);
    const cut = Math.floor(rnd() * parts.length);
    const skip = new TermModel({ cols, rows, scrollback, skipStale: true });
    const parse = new TermModel({ cols, rows, scrollback });
    parts.forEach((p) => parse.write(p));
    let got: { snap: string; following: StreamItem[]; given: number } | undefined;
    let given = 0;
    const write = (p: Uint8Array): void => {
      given++;
      skip.write(p);
    };
    skip.batch(() => parts.slice(0, cut).forEach(write));
    skip.requestSnapshot((snap, following) => (got = { snap, following, given }), 100_000);
    await Promise.resolve(); // the request is queued behind what was written so far
    skip.batch(() => parts.slice(cut).forEach(write));
    await flushed(skip);
    await flushed(parse);
    t.truthy(got, `seed ${seed}: a snapshot`);
    const replica = new TermModel({ cols, rows, scrollback });
    replica.write(got!.snap);
    for (const item of got!.following) {
      if (typeof item === 'string' || item instanceof Uint8Array) replica.write(item);
      else replica.resize(item.cols, item.rows);
    }
    // Then what the model was given after the snapshot was taken.
    parts.slice(got!.given).forEach((p) => replica.write(p));
    await flushed(replica);
    t.is(state(replica), state(parse), `seed ${seed}`);
    t.is(state(skip), state(parse), `seed ${seed}`);
    skip.dispose();
    parse.dispose();
    replica.dispose();
  }
});

test('viewers never see a half-skipped screen: every change shows consecutive lines', async (t) => {
  const rows = 10;
  const skip = new TermModel({ cols: 40, rows, scrollback: 50, skipStale: true });
  let n = 0;
  let text = '';
  while (n < 5000) text += `\x1b[3${n % 8}mline ${n++}\x1b[m filler filler\r\n`;
  const parts = chunks(prng(3), enc(text), 700);
  let checks = 0;
  const bad: string[] = [];
  skip.onChange.on(() => {
    checks++;
    const nums: number[] = [];
    for (let y = 0; y < rows; y++) {
      const m = /^line (\d+) /.exec(skip.lineText(y));
      if (m) nums.push(Number(m[1]));
    }
    for (let i = 1; i < nums.length; i++) if (nums[i] !== nums[i - 1]! + 1) bad.push(nums.join(','));
  });
  // In backlogs, as a flood read faster than it is parsed builds them.
  for (let i = 0; i < parts.length; i += 60) {
    skip.batch(() => parts.slice(i, i + 60).forEach((p) => skip.write(p)));
    await new Promise((r) => setTimeout(r, 1));
  }
  await flushed(skip);
  t.true(checks > 0);
  t.deepEqual(bad, []);
  t.true(skip.skipped > text.length / 2, `skipped ${skip.skipped} of ${text.length}`);
  t.regex(skip.lineText(rows - 2), /^line 4999 /);
});

test.serial('a flood written as it comes (not in backlogs) is held back a moment, then skipped', async (t) => {
  const skip = new TermModel({ cols: 40, rows: 10, scrollback: 50, skipStale: true });
  const parse = new TermModel({ cols: 40, rows: 10, scrollback: 50 });
  let n = 0;
  let text = '';
  while (n < 20_000) text += `\x1b[3${n % 8}mline ${n++}\x1b[m filler filler\r\n`;
  const parts = chunks(prng(5), enc(text), 4000);
  // All at once: far past the flood budget, so the model waits before parsing.
  for (const p of parts) {
    skip.write(p);
    parse.write(p);
  }
  await flushed(skip);
  await flushed(parse);
  t.true(skip.skipped > text.length / 2, `skipped ${skip.skipped} of ${text.length}`);
  t.is(state(skip), state(parse));
});

test('echoes and small outputs are parsed at once, never held back', (t) => {
  const m = new TermModel({ cols: 40, rows: 5, scrollback: 10, skipStale: true });
  let parsed = false;
  m.write(enc('$ ls\r\n'), () => (parsed = true));
  t.true(parsed, 'parsed before write returned');
  t.is(m.lineText(0), '$ ls');
  m.dispose();
});

// Serial: a test running beside it in this process (the random streams keep
// the loop busy for seconds) would hold the read past the bound every try.
test.serial('a flood is not taken to have ended because this process was busy: output waiting to be read keeps it waiting', async (t) => {
  // Output on its way arrives through a socket, as a pty's does: it sits in
  // the kernel until the event loop polls, which comes after its timers. A
  // Unix socket, so it is there as soon as write() returns.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shareterm-stale-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const lines = (from: number, to: number): Uint8Array => enc(logLines(from, to));
  /**
   * One try: what the model had parsed when the first of the waiting output
   * was read (and what it had before the flood), and how long after the
   * flood began that was. A flood waits at most STALE_WAIT (50 ms) in all:
   * a try in which this process was kept off the CPU past that (a loaded
   * machine) shows the bound, not the quiet check, and does not count.
   */
  const attempt = async (k: number): Promise<{ before: number; atFirstRead: number | undefined; after: number; model: TermModel }> => {
    const sock = path.join(dir, `sock${k}`);
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(sock, r));
    const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
    const client = net.connect(sock);
    await new Promise((r) => client.once('connect', r));
    const program = await accepted;
    const m = new TermModel({ cols: 40, rows: 5, scrollback: 10, skipStale: true });
    t.teardown(() => {
      client.destroy();
      program.destroy();
      server.close();
      m.dispose();
    });
    m.write(enc('$ cat big\r\n'));
    await flushed(m);
    let atFirstRead: number | undefined;
    let began = 0;
    let after = 0;
    program.on('data', (d: Buffer) => {
      if (atFirstRead === undefined) {
        atFirstRead = m.parsedBytes;
        after = performance.now() - began;
      }
      m.write(d);
    });
    const before = m.parsedBytes;
    // In one turn of the loop: a flood's first output (past the flood budget,
    // so it waits), more of it sent, and this process busy for longer than a
    // flood's quiet period (3 ms). The quiet timer then runs before the poll.
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        began = performance.now();
        m.write(lines(0, 2000));
        client.write(lines(2000, 4000));
        const until = began + 10;
        while (performance.now() < until) {
          // busy: drawing a cold frame, say
        }
        resolve();
      }),
    );
    const deadline = Date.now() + 5000;
    while (atFirstRead === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    return { before, atFirstRead, after, model: m };
  };
  const tries: string[] = [];
  for (let k = 0; k < 12; k++) {
    const r = await attempt(k);
    t.not(r.atFirstRead, undefined, 'the rest of the flood arrived');
    if (r.after >= 50) {
      tries.push(`${r.after.toFixed(0)} ms`);
      continue;
    }
    t.is(r.atFirstRead, r.before, 'nothing parsed before the output waiting was read');
    await flushed(r.model);
    t.is(r.model.lineText(3), '12:00:39 line 3999 filler filler');
    t.true(r.model.skipped > 0, 'the first part skipped as stale');
    return;
  }
  t.fail(`the waiting output was read only after the flood's bound every time (${tries.join(', ')}): the machine is too loaded to tell`);
});

test('a flood read slowly because this process is busy (cold code, a loaded machine) is still a flood: held back after its burst', async (t) => {
  // Each 4 KiB chunk arrives 8 ms after the last with the process busy in
  // between: 500 KB/s by the wall clock, under the flood rate (1 MiB/s), but
  // a program writing into a pty no faster than it is read. Measured against
  // the time the process waited for it (none), it is a flood.
  const m = new TermModel({ cols: 40, rows: 5, scrollback: 10, skipStale: true });
  t.teardown(() => m.dispose());
  m.write(enc('$ cat big\r\n'));
  await flushed(m);
  const text = enc(logLines(0, 2000));
  const before = m.parsedBytes;
  let written = 0;
  for (let at = 0; at < 48 << 10; at += 4096) {
    m.write(text.subarray(at, at + 4096));
    written += 4096;
    const until = performance.now() + 8;
    while (performance.now() < until) {
      // busy: parsing, drawing
    }
  }
  const parsed = m.parsedBytes - before;
  t.true(parsed <= 20 << 10, `parsed ${parsed} of ${written} bytes at once: only the burst`);
  t.true(m.pending >= written - (20 << 10), `${m.pending} bytes held back`);
  await flushed(m);
  const ref = new TermModel({ cols: 40, rows: 5, scrollback: 10 });
  t.teardown(() => ref.dispose());
  ref.write(enc('$ cat big\r\n'));
  ref.write(text.subarray(0, written));
  await flushed(ref);
  t.is(state(m), state(ref));
});

// Serial: the quiet is the time this process's event loop waits, which tests
// running beside it would fill.
test.serial('after a flood, however long, a moment of quiet makes the next echo parse at once again', async (t) => {
  // A flood charged its whole size to the flood budget, and for seconds after
  // it every keystroke's echo waited for the quiet check, as a flood's output does.
  const m = new TermModel({ cols: 40, rows: 5, scrollback: 10, skipStale: true });
  t.teardown(() => m.dispose());
  const text = enc(logLines(0, 40000)); // ~1.6 MB
  for (let at = 0; at < text.length; at += 4096) {
    m.write(text.subarray(at, at + 4096));
    if ((at >> 12) % 16 === 0) await new Promise((r) => setImmediate(r));
  }
  await flushed(m);
  await new Promise((r) => setTimeout(r, 100));
  let parsed = false;
  m.write(enc('$ '), () => (parsed = true));
  t.true(parsed, 'parsed before write returned');
});

test('a "latest" snapshot (a paced frame) does not wait for the backlog: the rest follows it', async (t) => {
  const m = new TermModel({ cols: 40, rows: 5, scrollback: 10, skipStale: true });
  m.write(enc('$ cat big\r\n'));
  let n = 0;
  let text = '';
  while (n < 20_000) text += `line ${n++}\r\n`;
  const parts = chunks(prng(9), enc(text), 4000);
  let got: { snap: string; following: StreamItem[] } | undefined;
  // Written at once, past the flood budget: most of it waits to be parsed (or skipped).
  for (const p of parts) m.write(p);
  m.requestSnapshot((snap, following) => (got = { snap, following }), 0, { latest: true });
  await Promise.resolve();
  await Promise.resolve();
  t.truthy(got, 'taken at once');
  t.true(got!.following.length > 0, 'with the backlog following it');
  const replica = new TermModel({ cols: 40, rows: 5, scrollback: 10 });
  replica.write(got!.snap);
  for (const item of got!.following) if (typeof item === 'string' || item instanceof Uint8Array) replica.write(item);
  await flushed(replica);
  await flushed(m);
  t.is(replica.lineText(3), 'line 19999');
  t.is(m.lineText(3), 'line 19999');
  t.true(m.skipped > 0);
});

test('string chunks cut in a sequence after wide characters: skipped whole or not at all', async (t) => {
  // In UTF-8 the cut SGR begins later than in UTF-16: cutting the string at
  // the byte offset would skip the sequence's start and print the rest as
  // text, and the colour it sets would be lost for every line after it.
  let head = '';
  for (let n = 0; n < 20; n++) head += `中文字 ${n}\r\n`;
  const parts = [`${head}\x1b[38;5`, ';208mcoloured from here on\r\n'];
  for (let n = 0; n < 10; n++) {
    let lines = '';
    for (let k = 0; k < 10; k++) lines += `line ${n * 10 + k}\r\n`;
    parts.push(lines);
  }
  const { skip, parse } = await skipAndParse(parts, { cols: 30, rows: 4, scrollback: 5 });
  t.true(skip.skipped > 0);
  t.regex(parse.snapshot(0), /38;5;208/);
  t.is(state(skip), state(parse));
});

/** Coloured lines cut into chunks that each end inside an SGR, as pty reads of `ls --color` or a log often do. */
function cutInSequences(lines: number, pen: (n: number) => string): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let pending = '';
  for (let n = 0; n < lines; n++) {
    const sgr = pen(n);
    const line = `${sgr}line ${n} filler filler\r\n`;
    if (n % 3 === 2) {
      // Cut after the sequence's first three bytes (ESC [ and a digit).
      parts.push(enc(pending + line.slice(0, 3)));
      pending = line.slice(3);
    } else pending += line;
  }
  parts.push(enc(pending));
  return parts;
}

test('chunks that end inside a sequence are skipped whole when the next one completes it', async (t) => {
  // Every chunk ends inside an SGR. Skipping only up to where each sequence
  // begins would leave the model inside it, so the next chunk would have to
  // be parsed: half the flood.
  const parts = cutInSequences(3000, (n) => `\x1b[3${n % 8}m`);
  const { skip, parse } = await skipAndParse(parts, { cols: 40, rows: 5, scrollback: 10 });
  const total = parts.reduce((n, p) => n + p.length, 0);
  t.true(skip.skipped > total * 0.9, `skipped ${skip.skipped} of ${total}`);
  t.is(state(skip), state(parse));
});

test('the pen set by a sequence cut between two skipped chunks is carried', async (t) => {
  // A reset and underline come from an SGR cut across a chunk boundary, deep
  // in what is skipped (and, later, in the output kept for the history and
  // then let go); nothing resets them after, so they show in every line.
  const parts = cutInSequences(3000, (n) => (n === 1100 ? '\x1b[1m' : n === 1103 ? '\x1b[;4m' : n % 10 === 5 ? `\x1b[3${n % 8}m` : ''));
  const { skip, parse } = await skipAndParse(parts, { cols: 40, rows: 5, scrollback: 10 });
  t.true(skip.skipped > 0);
  t.is(state(skip), state(parse));
});

/** A coloured log: each line's colour set after a reset, as loggers write them. */
function logLines(from: number, to: number): string {
  let text = '';
  for (let n = from; n < to; n++) text += `\x1b[2m12:00:${n % 60}\x1b[0m \x1b[3${n % 8}mline ${n}\x1b[0m filler filler\r\n`;
  return text;
}

/** Write parts in backlogs, as a flood read faster than it is parsed arrives. */
async function inBacklogs(m: TermModel, parts: (Uint8Array | string)[], per: number): Promise<void> {
  for (let i = 0; i < parts.length; i += per) {
    m.batch(() => parts.slice(i, i + per).forEach((p) => m.write(p)));
    await flushed(m);
  }
}

test('in a flood only the screen is kept exact; the history is rebuilt from the kept output when read', async (t) => {
  const rows = 10;
  const scrollback = 500;
  const parts = chunks(prng(11), enc(logLines(0, 30_000)), 4000);
  const { skip, parse } = await skipAndParse(parts, { cols: 60, rows, scrollback }, 100);
  const total = parts.reduce((n, p) => n + p.length, 0);
  // Each backlog of ~5000 lines costs 2 × rows lines, not the history's 500.
  const before = skip.parsedBytes;
  t.true(before < total / 20, `parsed ${before} of ${total}`);
  for (let y = 0; y < rows; y++) t.is(skip.lineText(y), parse.lineText(y), `screen row ${y}`);
  // Reading the history rebuilds it: once, about a history's worth of lines.
  t.is(skip.scrollbackLength, parse.scrollbackLength);
  const rebuilt = skip.parsedBytes - before;
  t.true(rebuilt > 0 && rebuilt < total / 20, `rebuilt from ${rebuilt} bytes`);
  t.is(state(skip), state(parse));
  t.is(skip.parsedBytes - before, rebuilt, 'not again while nothing new came');
  skip.dispose();
  parse.dispose();
});

test('a flood that ends at a prompt setting modes (bracketed paste, the cursor shown): the run goes on, the modes are set, the history waits', async (t) => {
  const rows = 10;
  const scrollback = 500;
  // bash's prompt after `cat`: ESC[?2004h; a program that hid the cursor shows it again;
  // mid-flood, mouse reporting and application cursor keys turned on, never off.
  const flood = `${logLines(0, 10_000)}\x1b[?1000;1006h\x1b[?1h${logLines(10_000, 20_000)}`;
  const parts: (Uint8Array | string)[] = [enc('\x1b[?25l'), ...chunks(prng(12), enc(flood), 4000), enc('END\r\n\x1b[?25h\x1b[?2004h$ ')];
  const { skip, parse } = await skipAndParse(parts, { cols: 60, rows, scrollback }, 100);
  const total = parts.reduce((n, p) => n + p.length, 0);
  const m = skip.modes();
  t.true(m.bracketedPaste && !m.cursorHidden && m.appCursor && m.mouseTracking === 'vt200' && m.mouseEncoding === 'sgr', JSON.stringify(m));
  t.deepEqual(m, parse.modes());
  for (let y = 0; y < rows; y++) t.is(skip.lineText(y), parse.lineText(y), `screen row ${y}`);
  const before = skip.parsedBytes;
  t.true(before < total / 20, `parsed ${before} of ${total}`);
  // The prompt did not end the run: its history is rebuilt only now, when read.
  t.is(skip.scrollbackLength, parse.scrollbackLength);
  t.true(skip.parsedBytes > before, 'the history was rebuilt when read, not at the prompt');
  t.is(state(skip), state(parse));
  skip.dispose();
  parse.dispose();
});

test('a flood shorter than the history is skipped too: the buffer is put back where it began when the history is read', async (t) => {
  const cols = 60;
  const rows = 10;
  const scrollback = 500;
  // Before the flood: a history, and a screen with text below the cursor
  // (the flood writes over it), the cursor mid-line with a colour set.
  const before = `${logLines(0, 300)}${'below the cursor\r\n'.repeat(rows)}\x1b[4;1Hprompt$ \x1b[1;35m`;
  // 400 lines: fewer than a skip owes the history without the run's start (2 × rows + scrollback + 2).
  t.true(400 < linesToForget(rows, scrollback));
  const flood = chunks(prng(31), enc(logLines(1000, 1400)), 1500);
  const total = flood.reduce((n, p) => n + p.length, 0);
  const { skip, parse } = await skipAndParse(flood, { cols, rows, scrollback }, undefined, before);
  const parsed = skip.parsedBytes - before.length;
  t.true(skip.skipped > total / 2, `skipped ${skip.skipped} of ${total}`);
  for (let y = 0; y < rows; y++) t.is(skip.lineText(y), parse.lineText(y), `screen row ${y}`);
  t.true(parsed < total / 2, `parsed ${parsed} of ${total} before the history was read`);
  t.is(state(skip), state(parse));
  skip.dispose();
  parse.dispose();
});

test('floods shorter than the history, from any screen: a full history, none, the cursor anywhere, lines dropped on the way', async (t) => {
  let skipped = 0;
  let total = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const rnd = prng(1000 + seed);
    const cols = 10 + Math.floor(rnd() * 30);
    const rows = 3 + Math.floor(rnd() * 8);
    const scrollback = [0, 5, 40, 200][seed % 4]!;
    const size = { cols, rows, scrollback };
    // What was there: some history (maybe more than is kept), then the cursor put anywhere.
    const lead = randomStream(rnd, Math.floor(rnd() * (scrollback + rows * 2)), 0) + `\x1b[${1 + Math.floor(rnd() * rows)};${1 + Math.floor(rnd() * cols)}H`;
    const need = linesToForget(rows, scrollback);
    const bytes = enc(randomStream(rnd, Math.floor(need * (0.3 + rnd() * 0.9)), 0));
    const parts = chunks(rnd, bytes, 1 + Math.floor(rnd() * 200));
    const { skip, parse } = await skipAndParse(parts, size, 4 + Math.floor(rnd() * 40), lead);
    t.is(state(skip), state(parse), `seed ${seed} (${cols}x${rows}, scrollback ${scrollback})`);
    skipped += skip.skipped;
    total += bytes.length;
    skip.dispose();
    parse.dispose();
  }
  t.true(skipped > total / 10, `skipped ${skipped} of ${total} bytes`);
});

test('a history left to rebuild is rebuilt exactly by every reader: grids scrolled back, snapshots, what comes next', async (t) => {
  const rows = 8;
  const scrollback = 200;
  const stream = logLines(0, 8000);
  const parts = chunks(prng(12), enc(stream), 3000);
  const parse = new TermModel({ cols: 50, rows, scrollback });
  parts.forEach((p) => parse.write(p));
  await flushed(parse);
  const grid = (m: TermModel, up: number): string => {
    const g = createGrid(50, rows, false);
    m.readGrid(g, { scrollUp: up });
    return JSON.stringify(g.chars);
  };
  // Read back through a grid scrolled up.
  const a = new TermModel({ cols: 50, rows, scrollback, skipStale: true });
  await inBacklogs(a, parts, 80);
  t.is(grid(a, 150), grid(parse, 150));
  t.is(state(a), state(parse));
  // A snapshot with history, given to a replica.
  const b = new TermModel({ cols: 50, rows, scrollback, skipStale: true });
  await inBacklogs(b, parts, 80);
  const replica = new TermModel({ cols: 50, rows, scrollback });
  replica.write(b.snapshot(scrollback));
  await flushed(replica);
  t.is(grid(replica, 150), grid(parse, 150));
  // Output that is not plain (a prompt that clears the line, a screen clear) comes after the flood.
  const tail = enc('\x1b[1;31m$ \x1b[0m\x1b[K\x1b[5;1Hmoved\x1b[2J');
  const c = new TermModel({ cols: 50, rows, scrollback, skipStale: true });
  await inBacklogs(c, parts, 80);
  c.write(tail);
  parse.write(tail);
  await flushed(c);
  await flushed(parse);
  t.is(state(c), state(parse));
  for (const m of [a, b, c, parse, replica]) m.dispose();
});

test('after a flood stops, the emulator lets its history go and keeps the output that rebuilds it; read, the history is exact', async (t) => {
  const rows = 10;
  const size = { cols: 60, rows, scrollback: 300 };
  const parts = chunks(prng(13), enc(logLines(0, 6000)), 4000);
  const { skip, parse } = await skipAndParse(parts, size, 100);
  const before = skip.parsedBytes;
  const deadline = Date.now() + 10_000;
  while (skip.linesHeld > rows && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.is(skip.linesHeld, rows, 'only the screen is held');
  const ring = (skip as unknown as { core: { buffer: { lines: { _array: unknown[] } } } }).core.buffer.lines._array;
  t.is(ring.filter((l) => l !== undefined).length, rows, 'and the lines above it are let go, not left in the ring');
  t.is(skip.parsedBytes, before, 'nothing rebuilt while nobody reads');
  for (let y = 0; y < rows; y++) t.is(skip.lineText(y), parse.lineText(y), `screen row ${y}`);
  t.is(state(skip), state(parse), 'read: the history is rebuilt exactly');
  t.true(skip.parsedBytes > before);
  // More plain output after that, then a screen clear (not plain: the run ends).
  for (const tail of [logLines(6000, 6400), '\x1b[2J\x1b[Hdone\r\n']) {
    for (const m of [skip, parse]) m.write(enc(tail));
    await flushed(skip);
    await flushed(parse);
    await new Promise((r) => setTimeout(r, 400)); // past HISTORY_IDLE: let go again, or not
    t.is(state(skip), state(parse));
  }
  skip.dispose();
  parse.dispose();
});

test('a run packed while nobody reads it: held compressed, given back as it came, chunk by chunk, and trimmed as if never packed', (t) => {
  const fold = (pen: string, sgr: string): string => pen + sgr;
  const packed = new PlainRun<string>('', 300, fold);
  const plain = new PlainRun<string>('', 300, fold);
  const feed = (from: number, to: number): void => {
    const bytes = enc(logLines(from, to));
    let state = AT_REST;
    for (const c of chunks(prng(from), bytes, 4000)) {
      const scan = scanChunk(c, state);
      state = scan.end!;
      for (const run of [packed, plain]) run.add(c, scan);
    }
  };
  const same = (what: string): void => {
    t.deepEqual([...packed].map((c) => Buffer.from(c as Uint8Array).toString('hex')), [...plain].map((c) => Buffer.from(c as Uint8Array).toString('hex')), what);
    t.is(packed.sgr, plain.sgr, `${what}: pen changes carried`);
    t.is(packed.bytes, plain.bytes, `${what}: bytes`);
  };
  feed(0, 700);
  packed.pack();
  t.true(packed.heldBytes * 3 < packed.bytes, `held ${packed.heldBytes} of ${packed.bytes} bytes`);
  t.is(plain.heldBytes, plain.bytes);
  same('packed');
  feed(700, 720); // more after it: held as they came
  same('more added');
  feed(720, 2000); // enough to trim the front
  t.false(packed.whole);
  same('trimmed');
});

/** A flood given to a skipping model and a parsing one, and the skipping one's history let go once it stops. */
async function shedAfterFlood(t: { is(a: unknown, b: unknown, m?: string): void }, seed: number, lead?: string): Promise<{ skip: TermModel; parse: TermModel; rows: number }> {
  const rows = 10;
  const parts = chunks(prng(seed), enc(logLines(0, 6000)), 4000);
  const { skip, parse } = await skipAndParse(parts, { cols: 60, rows, scrollback: 300 }, 100, lead);
  const deadline = Date.now() + 10_000;
  while (skip.linesHeld > rows && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.is(skip.linesHeld, rows, 'the history let go');
  return { skip, parse, rows };
}

test('output that is not plain after a flood parses at once: the history is set aside, not rebuilt; read, it is exact', async (t) => {
  // Each a first thing after a flood: a key that rings the bell, a screen
  // cleared with text under it, a cursor move and more lines than the
  // history holds, `clear` (ED 3), a full reset. A cursor saved and
  // restored (as a full-screen program does) puts the history back first:
  // where xterm.js restores it to depends on how full the history is.
  const tails: [string, string, boolean][] = [
    ['a bell, then a key', '\x07a', false],
    ['a cleared screen, a few lines', `\x1b[2J\x1b[Hcleared\r\n${logLines(7000, 7040)}`, false],
    ['a cursor move, then more lines than the history', `\x1b[3;5Hmoved\r\n${logLines(7000, 7400)}`, false],
    ['clear (ED 3)', `\x1b[H\x1b[2J\x1b[3J${logLines(7000, 7005)}`, false],
    ['a full reset (RIS)', `\x1bc${logLines(7000, 7005)}`, false],
    ['a full-screen program', `\x1b[?1049h\x1b[H\x1b[2Jvim\x1b[5;1H~\x1b[?1049l${logLines(7000, 7020)}`, true],
    ['a cursor saved, lines, the cursor restored', `\x1b[4;7H\x1b7\x1b[10;1H${logLines(7000, 7003)}\x1b8here`, true],
  ];
  for (const [what, tail, putBack] of tails) {
    const { skip, parse, rows } = await shedAfterFlood(t, 21);
    const before = skip.parsedBytes;
    for (const m of [skip, parse]) m.write(enc(tail));
    await flushed(skip);
    await flushed(parse);
    if (putBack) t.true(skip.parsedBytes - before > enc(tail).length, `${what}: the history put back`);
    else t.is(skip.parsedBytes - before, enc(tail).length, `${what}: only what came is parsed, the history not rebuilt`);
    for (let y = 0; y < rows; y++) t.is(skip.lineText(y), parse.lineText(y), `${what}: screen row ${y}`);
    t.is(state(skip), state(parse), `${what}: read, the history is exact`);
    skip.dispose();
    parse.dispose();
  }
});

test('a history set aside is put back as it was parsed: under the modes, character sets and tab stops of its time, changed since', async (t) => {
  // DEC line drawing in G0, insert mode, no autowrap, tab stops every 4:
  // a flood's text looks different under each, and the text after it
  // changes them all back.
  const lead = '\x1b(0\x1b[4h\x1b[?7l\x1b[3g\x1b[5G\x1bH\x1b[9G\x1bH\x1b[13G\x1bH\r';
  const { skip, parse } = await shedAfterFlood(t, 22, lead);
  const tail = `\x1b(B\x1b[4l\x1b[?7h\x1b[3g\x1b[5;1H${'x'.repeat(70)}\r\n`;
  for (const m of [skip, parse]) m.write(enc(tail));
  await flushed(skip);
  await flushed(parse);
  t.is(state(skip), state(parse));
  skip.dispose();
  parse.dispose();
});

test('a history set aside, then another flood, a resize, a snapshot: each reader sees it exact', async (t) => {
  for (const next of ['short flood', 'long flood', 'resize', 'snapshot then more']) {
    const { skip, parse } = await shedAfterFlood(t, 23);
    for (const m of [skip, parse]) m.write(enc('\x1b[5;1Hnot plain\r\n'));
    await flushed(skip);
    await flushed(parse);
    if (next === 'short flood' || next === 'long flood') {
      const more = chunks(prng(24), enc(logLines(8000, next === 'short flood' ? 8150 : 9000)), 3000);
      await inBacklogs(skip, more, 20);
      more.forEach((p) => parse.write(p));
    } else if (next === 'resize') {
      for (const m of [skip, parse]) m.resize(50, 12);
    } else {
      t.is(skip.snapshot(1000), parse.snapshot(1000));
      for (const m of [skip, parse]) m.write(enc(logLines(9000, 9010)));
    }
    await flushed(skip);
    await flushed(parse);
    t.is(state(skip), state(parse), next);
    skip.dispose();
    parse.dispose();
  }
});

test('after a flood of long lines the history is rebuilt on its own (it is the smaller), and the output let go', async (t) => {
  const long = (n: number): string => `\x1b[3${n % 8}m${String(n).padStart(6, '0')}${'x'.repeat(1000)}\x1b[0m\r\n`;
  let text = '';
  for (let n = 0; n < 1500; n++) text += long(n);
  const parts = chunks(prng(15), enc(text), 4000);
  const { skip, parse } = await skipAndParse(parts, { cols: 60, rows: 10, scrollback: 300 }, 100);
  const before = skip.parsedBytes;
  const deadline = Date.now() + 10_000;
  while (skip.parsedBytes === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.true(skip.parsedBytes > before, 'rebuilt without being read');
  t.is(skip.linesHeld, 310, 'the whole history is held');
  const after = skip.parsedBytes;
  t.is(state(skip), state(parse));
  t.is(skip.parsedBytes, after, 'reading it then costs nothing');
  skip.dispose();
  parse.dispose();
});

test('a reset drops the output kept for the history: nothing from before it comes back', async (t) => {
  const parts = chunks(prng(14), enc(logLines(0, 6000)), 4000);
  const skip = new TermModel({ cols: 60, rows: 10, scrollback: 300, skipStale: true });
  await inBacklogs(skip, parts, 100);
  skip.reset(60, 10);
  skip.write(enc('fresh\r\n'));
  await flushed(skip);
  t.is(skip.scrollbackLength, 0);
  t.is(skip.lineText(0), 'fresh');
  skip.dispose();
});

test('the rebuilt history has the pen of its time: set before the flood, changed in what was dropped, cut mid-character', async (t) => {
  // No resets: the pen where the kept output begins comes from before the
  // flood and from sequences in output since let go. A change near the end
  // shows whether the rebuilt lines before it got the right one.
  let text = '';
  for (let n = 0; n < 8000; n++) {
    if (n % 700 === 0) text += `\x1b[3${(n / 700) % 8}m`;
    if (n === 3001) text += 'half \x1b[1m';
    if (n === 5003) text += '\x1b[4m';
    if (n === 7850) text += '\x1b[22m';
    if (n === 7900) text += '\x1b[3m';
    if (n === 7950) text += '\x1b[9m';
    text += `line ${n} 中文\r\n`;
  }
  const bytes = enc(text + 'end 中'); // ends inside a character
  const body = bytes.subarray(0, bytes.length - 1);
  const parts = chunks(prng(15), body, 400);
  const skip = new TermModel({ cols: 40, rows: 10, scrollback: 300, skipStale: true });
  const parse = new TermModel({ cols: 40, rows: 10, scrollback: 300 });
  for (const m of [skip, parse]) m.write(enc('\x1b[7mbefore\r\n'));
  await flushed(skip);
  await inBacklogs(skip, parts, 50);
  parts.forEach((p) => parse.write(p));
  await flushed(parse);
  t.true(skip.skipped > body.length / 2, `skipped ${skip.skipped}`);
  t.is(skip.scrollbackLength, parse.scrollbackLength); // rebuilt here, mid-character
  t.is(state(skip), state(parse));
  for (const m of [skip, parse]) m.write(bytes.subarray(bytes.length - 1));
  await flushed(skip);
  await flushed(parse);
  t.is(state(skip), state(parse));
  t.regex(skip.lineText(9), /^end 中/);
});

test('a history rebuilt while the stream is inside a sequence: the parser starts the rebuild at rest', async (t) => {
  // Without a pen change anywhere, the rebuild begins with the first kept
  // chunk; were the parser left in "CSI 4", its "h" would set insert mode.
  let text = '';
  for (let n = 0; n < 6000; n++) text += `hello ${n}\r\n`;
  const parts = [...chunks(prng(16), enc(text), 400), enc('\x1b[4')];
  const { skip, parse } = await skipAndParse(parts, { cols: 40, rows: 10, scrollback: 300 }, 50);
  t.true(skip.skipped > text.length / 2);
  t.is(skip.scrollbackLength, parse.scrollbackLength);
  for (const m of [skip, parse]) m.write(enc('mx\r\n'));
  await flushed(skip);
  await flushed(parse);
  t.is(state(skip), state(parse));
});

test('a rainbow (a colour for every character, never a reset) is skipped too: the pen carried is folded, not kept as text', async (t) => {
  let text = '';
  let c = 0;
  for (let n = 0; n < 12_000; n++) {
    if (n === 1500) text += '\x1b[1m';
    if (n === 11_950) text += '\x1b[3m';
    for (const ch of `line ${n} rainbow`) text += `\x1b[38;5;${c++ % 256}m${ch}`;
    text += '\r\n';
  }
  const parts = chunks(prng(17), enc(text), 4000);
  const { skip, parse } = await skipAndParse(parts, { cols: 40, rows: 10, scrollback: 300 }, 80);
  const total = parts.reduce((n, p) => n + p.length, 0);
  const before = skip.parsedBytes;
  t.true(before < total / 5, `parsed ${before} of ${total}`);
  // The output kept for the history stays about a history's worth: rebuilding it parses that, not the flood.
  t.is(state(skip), state(parse));
  t.true(skip.parsedBytes - before < total / 5, `rebuilt from ${skip.parsedBytes - before} of ${total}`);
});
