// The renderer, checked through a real emulator: random frames rendered and
// replayed into a fresh xterm.js model must leave exactly the frame's cells,
// cursor and modes; stop() must leave a clean terminal; nothing a cell holds
// may become an escape sequence.
import test from 'ava';
import { Renderer, type Frame } from '../../src/view/render.js';
import type { Caps } from '../../src/view/caps.js';
import { attrMask, convertColor } from '../../src/view/sgr.js';
import {
  ATTR_BOLD,
  ATTR_INVISIBLE,
  ATTR_ITALIC,
  ATTR_UNDERLINE,
  COLOR_P16,
  COLOR_P256,
  COLOR_RGB,
  createGrid,
  setCell,
  type Grid,
} from '../../src/mux/grid.js';
import {
  FULL,
  copyGrid,
  emulator,
  feed,
  firstDiff,
  frameOf,
  parseOutput,
  prng,
  put,
  randomCell,
  randomFrame,
  randomGrid,
  randomModes,
  screen,
  DEFAULT_MODES,
} from './helpers.js';
import type { TermModel } from '../../src/mux/term.js';

/** The grid a terminal with `caps` shows for `g`: colours converted, attributes it lacks dropped. */
function expected(g: Grid, caps: Caps): Grid {
  const e = copyGrid(g);
  const mask = attrMask(caps);
  for (let i = 0; i < e.chars.length; i++) {
    e.fg[i] = convertColor(g.fg[i]!, caps.colors);
    e.bg[i] = convertColor(g.bg[i]!, caps.colors);
    e.attrs[i] = g.attrs[i]! & mask;
    // Without SGR 8, concealed text is drawn as blanks (a wide one as two).
    if (!caps.invisible && g.attrs[i]! & ATTR_INVISIBLE && g.widths[i] !== 1) {
      e.chars[i] = ' ';
      e.widths[i] = 1;
    } else if (!caps.invisible && g.attrs[i]! & ATTR_INVISIBLE) {
      e.chars[i] = ' ';
    }
  }
  return e;
}

/** Every difference between the emulator and the frame: cells, cursor, modes. */
function check(m: TermModel, f: Frame, caps: Caps): string {
  const d = firstDiff(screen(m), expected(f.grid, caps));
  if (d) return d;
  const c = m.cursor();
  const want = { x: Math.min(f.cursor.x, f.grid.cols - 1), y: f.cursor.y };
  if (c.x !== want.x || c.y !== want.y) return `cursor ${JSON.stringify(c)} want ${JSON.stringify(want)}`;
  const mm = m.modes();
  const wantModes = {
    appCursor: f.modes.appCursor,
    appKeypad: f.modes.appKeypad,
    bracketedPaste: f.modes.bracketedPaste,
    mouseTracking: f.modes.mouseTracking,
    // xterm.js implements neither UTF-8 (1005) nor urxvt (1015) mouse encoding.
    mouseEncoding: f.modes.mouseEncoding === 'utf8' || f.modes.mouseEncoding === 'urxvt' ? 'default' : f.modes.mouseEncoding,
    sendFocus: f.modes.sendFocus,
    cursorHidden: !f.cursor.visible,
    syncOutput: false,
    altScreen: caps.altScreen,
    ...(caps.cursorStyle ? { cursorStyle: f.cursor.style, cursorBlink: f.cursor.blink } : {}),
  };
  const gotModes: Record<string, unknown> = { ...mm };
  for (const [k, v] of Object.entries(wantModes)) {
    if (gotModes[k] !== v) return `mode ${k}: got ${String(gotModes[k])} want ${String(v)}`;
  }
  return '';
}

function defaultAsMinusOne(g: Grid): Grid {
  const c = copyGrid(g);
  for (let i = 0; i < c.fg.length; i++) {
    if (c.fg[i] === 0) c.fg[i] = 0xffffffff;
    if (c.bg[i] === 0) c.bg[i] = 0xffffffff;
  }
  return c;
}

/** Modes the output stream itself set, for the encodings xterm.js cannot show. */
const ENCODING_NUMBERS = { default: 0, utf8: 1005, sgr: 1006, urxvt: 1015, 'sgr-pixels': 1016 } as const;

/**
 * Render `count` random frames (new screens, one-cell changes, small edits,
 * mode-only changes, invalidations) at `caps` and check each through a fresh
 * emulator fed start() and every output since.
 */
async function roundTrip(t: import('ava').ExecutionContext, seed: number, caps: Caps, cols: number, rows: number, count: number): Promise<void> {
  const rnd = prng(seed);
  const r = new Renderer(caps);
  const m = emulator(cols, rows);
  const start = r.start();
  t.is(parseOutput(start).error, '');
  await feed(m, start);
  let grid = randomGrid(rnd, cols, rows);
  let modes = randomModes(rnd);
  const encodings = new Map<number, boolean>();
  for (let n = 0; n < count; n++) {
    const kind = rnd();
    if (kind < 0.15) {
      grid = randomGrid(rnd, cols, rows);
    } else if (kind < 0.45) {
      grid = copyGrid(grid);
      randomCell(rnd, grid, Math.floor(rnd() * cols), Math.floor(rnd() * rows)); // one cell: the diff path
    } else if (kind < 0.75) {
      grid = copyGrid(grid);
      for (let k = Math.floor(rnd() * 12); k > 0; k--) randomCell(rnd, grid, Math.floor(rnd() * cols), Math.floor(rnd() * rows));
    } else if (kind < 0.85) {
      modes = randomModes(rnd);
    } else if (kind < 0.92) {
      r.invalidate();
    } else {
      // A row scrolls: everything below moves up one line.
      grid = copyGrid(grid);
      const y = Math.floor(rnd() * rows);
      grid.chars.copyWithin(y * cols, (y + 1) * cols);
      grid.widths.copyWithin(y * cols, (y + 1) * cols);
      grid.fg.copyWithin(y * cols, (y + 1) * cols);
      grid.bg.copyWithin(y * cols, (y + 1) * cols);
      grid.attrs.copyWithin(y * cols, (y + 1) * cols);
    }
    // Sometimes the default colour arrives as -1, as TermModel.readGrid reads it.
    const f = randomFrame(rnd, rnd() < 0.3 ? defaultAsMinusOne(grid) : grid, modes);
    const out = r.render(f);
    const parsed = parseOutput(out);
    if (parsed.error) {
      t.fail(`seed ${seed} frame ${n}: ${parsed.error}`);
      return;
    }
    for (const [k, v] of parsed.modes) if ([1005, 1006, 1015, 1016].includes(k)) encodings.set(k, v);
    await feed(m, out);
    const d = check(m, f, caps);
    if (d) {
      t.fail(`seed ${seed} frame ${n} (${kind.toFixed(2)}): ${d}`);
      return;
    }
    // The stream's own idea of the mouse encoding, for those xterm.js ignores.
    const on = [...encodings].filter(([, v]) => v).map(([k]) => k);
    const want = ENCODING_NUMBERS[f.modes.mouseEncoding];
    if (!(want === 0 ? on.length === 0 : on.length === 1 && on[0] === want)) {
      t.fail(`seed ${seed} frame ${n}: mouse encodings on ${JSON.stringify(on)} want ${want}`);
      return;
    }
  }
  m.dispose();
  t.pass();
}

test('random frames round-trip exactly through an emulator (direct colour)', async (t) => {
  for (const seed of [1, 2, 3]) await roundTrip(t, seed, FULL, 30, 8, 60);
});

test('random frames round-trip through an emulator at 256, 16 and 8 colours', async (t) => {
  await roundTrip(t, 11, { ...FULL, colors: 256 }, 24, 6, 40);
  await roundTrip(t, 12, { ...FULL, colors: 16, bce: false, syncOutput: false }, 24, 6, 40);
  await roundTrip(t, 13, { ...FULL, colors: 8 }, 24, 6, 40);
});

test('random frames round-trip on a Linux-console-like and a VT100-like terminal', async (t) => {
  const linux: Caps = { ...FULL, colors: 8, altScreen: false, cursorStyle: false, italic: false, strike: false, overline: false, invisible: false, syncOutput: false };
  await roundTrip(t, 21, linux, 24, 6, 40);
  const vt100: Caps = { ...linux, dim: false, sgrClear: false, bce: false };
  await roundTrip(t, 22, vt100, 24, 6, 40);
});

test('a one-cell change sends one move, at most one SGR and the character', (t) => {
  const r = new Renderer({ ...FULL, syncOutput: false });
  const g = createGrid(20, 5);
  for (let x = 0; x < 20; x++) setCell(g, x, 2, 'x', 1, 0, 0, 0);
  r.render(frameOf(g, 0, 0));
  const g2 = copyGrid(g);
  setCell(g2, 7, 2, 'Y', 1, COLOR_P16 | 1, 0, 0);
  const out = r.render(frameOf(g2, 0, 0));
  t.is(out, '\x1b[?25l\x1b[3;8H\x1b[31mY\x1b[H\x1b[?25h');
  // Nothing changed: nothing sent.
  t.is(r.render(frameOf(g2, 0, 0)), '');
  // Only the cursor moved: just a CUP, no hiding.
  t.is(r.render(frameOf(g2, 4, 1)), '\x1b[2;5H');
});

test('unchanged attributes are not sent again, and a reset is used when shorter', (t) => {
  const r = new Renderer({ ...FULL, syncOutput: false });
  const g = createGrid(10, 1);
  setCell(g, 0, 0, 'a', 1, COLOR_P16 | 2, 0, ATTR_BOLD | ATTR_UNDERLINE);
  setCell(g, 1, 0, 'b', 1, COLOR_P16 | 2, 0, ATTR_BOLD | ATTR_UNDERLINE);
  setCell(g, 2, 0, 'c', 1, 0, 0, 0);
  setCell(g, 3, 0, 'd', 1, 0, 0, ATTR_ITALIC);
  const out = r.render(frameOf(g, 9, 0));
  t.true(out.includes('\x1b[1;4;32mab\x1b[0mc\x1b[3md'), JSON.stringify(out));
});

test('stop() after any frame leaves default modes, a visible cursor and the default pen', async (t) => {
  for (const caps of [FULL, { ...FULL, altScreen: false, syncOutput: false }]) {
    const rnd = prng(5);
    for (let n = 0; n < 10; n++) {
      const r = new Renderer(caps);
      const m = emulator(20, 5);
      await feed(m, r.start());
      const g = randomGrid(rnd, 20, 5);
      const f = randomFrame(rnd, g, randomModes(rnd));
      f.cursor.style = 'bar';
      const out = r.render(f);
      // Half a frame reached the terminal, cut mid-sequence, then stop().
      const cut = n % 2 === 0 ? out : out.slice(0, out.indexOf('\x1b[', out.length >> 1) + 3);
      const stop = r.stop();
      t.is(parseOutput(stop, true).error, '');
      await feed(m, cut + stop);
      const mm = m.modes();
      t.deepEqual(
        { ...mm },
        {
          appCursor: false,
          appKeypad: false,
          bracketedPaste: false,
          mouseTracking: 'none',
          mouseEncoding: 'default',
          sendFocus: false,
          cursorHidden: false,
          cursorStyle: 'block',
          cursorBlink: false,
          syncOutput: false,
          altScreen: false,
        },
      );
      // The pen is the default and autowrap is back on.
      await feed(m, '\x1b[1;20HAB');
      const s = screen(m);
      t.is(s.chars[19], 'A');
      t.deepEqual([s.fg[19], s.bg[19], s.attrs[19]], [0, 0, 0]);
      t.is(s.chars[20], 'B', 'autowrap restored');
      // Stopping twice is harmless.
      t.is(parseOutput(r.stop(), true).error, '');
      m.dispose();
    }
  }
});

test('start() again after stop() redraws everything', async (t) => {
  const r = new Renderer(FULL);
  const m = emulator(10, 3);
  const g = createGrid(10, 3);
  setCell(g, 2, 1, 'Q', 1, 0, 0, 0);
  await feed(m, r.start() + r.render(frameOf(g)) + r.stop());
  await feed(m, 'junk');
  await feed(m, r.start() + r.render(frameOf(g)));
  t.is(firstDiff(screen(m), g), '');
});

const HOSTILE = [
  '\x1b]52;c;aGVsbG8=\x07', // OSC 52: write the viewer's clipboard
  '\x1b[21t', // report the window title back as input
  '\x1bP$q"p\x1b\\', // DECRQSS: echo a setting back as input
  '\x9b6n', // C1 CSI: cursor position report
  '\x07', // BEL
  '\x1b]8;;http://evil/\x1b\\x\x1b]8;;\x1b\\', // OSC 8 hyperlink
  '\x90q\x9c', // C1 DCS … ST
  '\u009d0;pwned\u009c', // C1 OSC
  '\x7f',
  'a\x1b[2J', // a control after a harmless base
  '\u202eevil', // right-to-left override
  'x\u2066y', // isolate after a base
  '\u2028',
  '\ud800', // lone surrogate
  'e\u0301\x1b', // combining, then ESC
  '\x00',
  '\x1b',
];

test('nothing in a cell becomes an escape sequence or a control', async (t) => {
  for (const caps of [FULL, { ...FULL, unicode: false }]) {
    const r = new Renderer(caps);
    const cols = 12;
    const g = createGrid(cols, HOSTILE.length);
    HOSTILE.forEach((s, y) => {
      setCell(g, 0, y, s, 1, 0, 0, 0);
      setCell(g, 1, y, s, 1, COLOR_RGB | 0x123456, 0, ATTR_BOLD);
      setCell(g, 3, y, s, 2, 0, 0, 0); // claimed wide
      setCell(g, 4, y, '', 0, 0, 0, 0);
      setCell(g, 6, y, 'Z', 1, 0, 0, 0);
    });
    const out = r.start() + r.render(frameOf(g, 0, 0));
    const p = parseOutput(out);
    t.is(p.error, '');
    // Only the renderer's sequences: nothing with OSC/DCS intent survives.
    t.false(out.includes('\x1b]'));
    t.false(out.includes('\x1bP'));
    t.false(out.includes('[21t'));
    t.false(out.includes('\x07'));
    // Widths are kept: each replaced cell takes its own columns, so Z stays at column 6.
    const m = emulator(cols, HOSTILE.length);
    await feed(m, out);
    const s = screen(m);
    for (let y = 0; y < HOSTILE.length; y++) {
      t.is(s.chars[y * cols + 6], 'Z', `row ${y} (${JSON.stringify(HOSTILE[y])})`);
      t.is(s.chars[y * cols + 5], ' ', `row ${y}`);
      const c0 = s.chars[y * cols]!;
      t.false(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/.test(c0), `row ${y}: ${JSON.stringify(c0)}`);
    }
    // Whole hostile strings as a status line: one cell each, still nothing escapes.
    const r2 = new Renderer(caps);
    const g2 = createGrid(HOSTILE.length, 1);
    HOSTILE.forEach((s, x) => {
      setCell(g2, x, 0, s, 1, 0, 0, 0);
    });
    t.is(parseOutput(r2.render(frameOf(g2))).error, '');
  }
});

test('control characters are replaced by ? and keep the cell width', async (t) => {
  const r = new Renderer(FULL);
  const g = createGrid(6, 1);
  setCell(g, 0, 0, '\x1b', 1, 0, 0, 0);
  setCell(g, 1, 0, '\x9b', 2, 0, 0, 0);
  setCell(g, 2, 0, '', 0, 0, 0, 0);
  setCell(g, 3, 0, 'x', 1, 0, 0, 0);
  const m = emulator(6, 1);
  await feed(m, r.render(frameOf(g, 5, 0)));
  t.is(m.lineText(0), '???x');
});

test('a wide character in the last column is drawn as a blank and nothing wraps', async (t) => {
  const r = new Renderer(FULL);
  const g = createGrid(5, 2);
  setCell(g, 4, 0, '日', 2, COLOR_P16 | 3, 0, 0); // no room for it
  setCell(g, 0, 1, 'n', 1, 0, 0, 0);
  const m = emulator(5, 2);
  await feed(m, r.start() + r.render(frameOf(g, 0, 0)));
  const s = screen(m);
  t.is(s.chars[4], ' ');
  t.is(s.widths[4], 1);
  t.is(s.fg[4], COLOR_P16 | 3);
  t.is(m.lineText(1), 'n');
});

test('a wide character overwritten by narrow ones and narrow ones by a wide one', async (t) => {
  const r = new Renderer({ ...FULL, syncOutput: false });
  const m = emulator(8, 1);
  const steps: [string, number][][] = [
    [['a', 1], ['日', 2], ['b', 1]], // a 日 b
    [['a', 1], ['x', 1], ['y', 1], ['b', 1]], // head and tail replaced
    [['a', 1], ['x', 1], ['本', 2]], // wide over y and b
    [['a', 1], ['語', 2], ['本', 2]], // wide shifted left: both redrawn
    [['a', 1], ['z', 1], ['語', 2], ['c', 1]], // wide shifted right, tail cut
    [['a', 1], ['z', 1], ['q', 1], ['語', 2]], // only the tail's old half changes
    [['日', 2], ['本', 2], ['語', 2], ['中', 2]], // a full row of wide
    [[' ', 1], ['日', 2], ['本', 2], ['語', 2], [' ', 1]], // every pair shifted by one
  ];
  await feed(m, r.start());
  for (const step of steps) {
    const g = createGrid(8, 1);
    let x = 0;
    for (const [ch, w] of step) {
      put(g, x, 0, ch, w, 0, 0, 0);
      x += w;
    }
    await feed(m, r.render(frameOf(g, 0, 0)));
    t.is(firstDiff(screen(m), g), '', JSON.stringify(step));
  }
});

test('a wide character whose tail alone changed is redrawn whole', (t) => {
  const r = new Renderer({ ...FULL, syncOutput: false });
  const g = createGrid(6, 1);
  put(g, 2, 0, '日', 2, 0, 0, 0);
  r.render(frameOf(g, 0, 0));
  const g2 = copyGrid(g);
  g2.bg[3] = COLOR_P16 | 4; // only the tail cell differs
  const out = r.render(frameOf(g2, 0, 0));
  t.true(out.includes('日'), JSON.stringify(out));
});

test('combining characters draw in one cell', async (t) => {
  const r = new Renderer(FULL);
  const g = createGrid(6, 1);
  ['e\u0301', 'x', 'a\u0308', 'b'].forEach((c, x) => {
    setCell(g, x, 0, c, 1, 0, 0, 0);
  });
  const m = emulator(6, 1);
  await feed(m, r.render(frameOf(g, 0, 0)));
  t.is(firstDiff(screen(m), g), '');
});

test('after a glyph of uncertain width the next cell is placed with CUP', (t) => {
  const r = new Renderer({ ...FULL, syncOutput: false });
  const g = createGrid(10, 1);
  ['❤', 'a', 'b', 'é', 'ü', 'c', '日', 'd'].forEach((c, x) => {
    setCell(g, x, 0, c, 1, 0, 0, 0);
  });
  setCell(g, 6, 0, '日', 2, 0, 0, 0);
  setCell(g, 7, 0, '', 0, 0, 0, 0);
  setCell(g, 8, 0, 'd', 1, 0, 0, 0);
  setCell(g, 9, 0, ' ', 1, 0, 0, 0);
  const out = r.render(frameOf(g, 0, 0));
  // A symbol: CUP after it. Latin letters run on, then a CUP before ASCII. CJK is exact.
  t.true(out.includes('❤\x1b[1;2Hab\u00e9\u00fc\x1b[1;6Hc日d'), JSON.stringify(out));
});

test('a symbol of uncertain width followed by a blank is drawn over an erased pair of cells', (t) => {
  const r = new Renderer({ ...FULL, syncOutput: false });
  const g = createGrid(6, 1);
  ['❤', ' ', 'o', 'k'].forEach((c, x) => {
    setCell(g, x, 0, c, 1, 0, 0, 0);
  });
  const out = r.render(frameOf(g, 0, 0));
  t.true(out.includes('\x1b[2X❤\x1b[1;3Hok'), JSON.stringify(out));
});

test('blank ends of lines are erased with EL, coloured ones only with bce', async (t) => {
  for (const bce of [true, false]) {
    const r = new Renderer({ ...FULL, bce, syncOutput: false });
    const m = emulator(20, 2);
    const g = createGrid(20, 2);
    for (let x = 0; x < 20; x++) setCell(g, x, 0, x < 3 ? 'abc'[x]! : ' ', 1, 0, COLOR_P16 | 4, 0);
    for (let x = 0; x < 20; x++) setCell(g, x, 1, 'z', 1, 0, 0, 0);
    await feed(m, r.render(frameOf(g)));
    // Row 1 is cleared: EL on the default background.
    const g2 = copyGrid(g);
    for (let x = 2; x < 20; x++) setCell(g2, x, 1, ' ', 1, 0, 0, 0);
    const out = r.render(frameOf(g2));
    t.true(out.includes('\x1b[2;3H\x1b[K'), JSON.stringify(out));
    await feed(m, out);
    t.is(firstDiff(screen(m), g2), '');
    const first = new Renderer({ ...FULL, bce, syncOutput: false }).render(frameOf(g));
    t.is(first.includes('\x1b[44mabc\x1b[K'), bce, JSON.stringify(first));
  }
});

test('input modes are mirrored, and only changes are sent', (t) => {
  const r = new Renderer({ ...FULL, syncOutput: false });
  const g = createGrid(4, 1);
  const f = frameOf(g);
  const first = r.render(f);
  t.true(first.includes('\x1b[?1l\x1b>\x1b[?2004l'));
  t.is(r.render(f), '');
  const f2: Frame = { ...f, modes: { ...DEFAULT_MODES, appCursor: true, mouseTracking: 'drag', mouseEncoding: 'sgr' } };
  t.is(r.render(f2), '\x1b[?1h\x1b[?1002h\x1b[?1006h');
  const f3: Frame = { ...f, modes: { ...f2.modes, mouseTracking: 'any', mouseEncoding: 'urxvt', appKeypad: true, sendFocus: true } };
  t.is(r.render(f3), '\x1b=\x1b[?1002l\x1b[?1003h\x1b[?1006l\x1b[?1015h\x1b[?1004h');
  const f4: Frame = { ...f, modes: { ...DEFAULT_MODES } };
  t.is(r.render(f4), '\x1b[?1l\x1b>\x1b[?1003l\x1b[?1015l\x1b[?1004l');
});

test('cursor shape is sent only when the terminal has DECSCUSR and it changed', (t) => {
  const g = createGrid(4, 1);
  const bar: Frame = { ...frameOf(g), cursor: { x: 0, y: 0, visible: true, style: 'bar', blink: true } };
  const r = new Renderer({ ...FULL, syncOutput: false });
  t.false(r.render(frameOf(g)).includes(' q'), 'the default shape is left alone');
  t.is(r.render(bar), '\x1b[5 q');
  t.is(r.render(frameOf(g)), '\x1b[0 q');
  t.true(r.stop().includes('\x1b[0 q'));
  const plain = new Renderer({ ...FULL, cursorStyle: false });
  plain.render(frameOf(g));
  t.false(plain.render(bar).includes(' q'));
  t.false(plain.stop().includes(' q'));
});

test('frames are wrapped in synchronized output and the cursor is hidden while drawing', (t) => {
  const r = new Renderer(FULL);
  const g = createGrid(4, 1);
  setCell(g, 1, 0, 'x', 1, 0, 0, 0);
  const out = r.render(frameOf(g, 3, 0));
  t.true(out.startsWith('\x1b[?2026h\x1b[?25l'));
  t.true(out.endsWith('\x1b[1;4H\x1b[?25h\x1b[?2026l'));
  const hidden: Frame = { ...frameOf(g, 3, 0), cursor: { x: 3, y: 0, visible: false, style: 'block', blink: false } };
  t.is(r.render(hidden), '\x1b[?25l');
});

test('a resize (new grid size) redraws everything', async (t) => {
  const r = new Renderer(FULL);
  const g = createGrid(6, 2);
  setCell(g, 0, 0, 'a', 1, 0, 0, 0);
  r.render(frameOf(g));
  const g2 = createGrid(8, 3);
  setCell(g2, 0, 0, 'a', 1, 0, 0, 0);
  setCell(g2, 7, 2, 'b', 1, 0, 0, 0);
  const out = r.render(frameOf(g2));
  t.true(out.includes('\x1b[2J'));
  const m = emulator(8, 3);
  await feed(m, out);
  t.is(firstDiff(screen(m), g2), '');
});

test('without UTF-8, only ASCII is drawn: box drawing as ASCII, the rest as ?', async (t) => {
  const r = new Renderer({ ...FULL, unicode: false });
  const g = createGrid(8, 1);
  put(g, 0, 0, '┌', 1, 0, 0, 0);
  put(g, 1, 0, '─', 1, 0, 0, 0);
  put(g, 2, 0, '│', 1, 0, 0, 0);
  put(g, 3, 0, 'é', 1, 0, 0, 0);
  put(g, 4, 0, '日', 2, 0, 0, 0);
  put(g, 6, 0, 'e\u0301', 1, 0, 0, 0);
  const out = r.render(frameOf(g));
  t.false(/[^\x00-\x7f]/.test(out));
  const m = emulator(8, 1);
  await feed(m, out);
  t.is(m.lineText(0), '+-|???e');
});

test('concealed text is drawn as blanks on a terminal without SGR 8', async (t) => {
  const r = new Renderer({ ...FULL, invisible: false });
  const g = createGrid(4, 1);
  setCell(g, 0, 0, 's', 1, 0, 0, ATTR_INVISIBLE);
  setCell(g, 1, 0, 'k', 1, 0, 0, ATTR_INVISIBLE);
  const out = r.render(frameOf(g, 3, 0));
  t.false(out.includes('s'));
  t.false(out.includes('k'));
});

test('colours are down-converted: palette 16 as SGR 30–37/90–97, 256 and RGB by caps', (t) => {
  const cell = (caps: Caps, fg: number, bg = 0): string => {
    const g = createGrid(2, 1);
    setCell(g, 0, 0, 'x', 1, fg, bg, 0);
    return new Renderer({ ...caps, syncOutput: false }).render(frameOf(g, 1, 0));
  };
  t.true(cell(FULL, COLOR_P16 | 1, COLOR_P16 | 12).includes('\x1b[31;104mx'));
  t.true(cell(FULL, COLOR_P256 | 208).includes('38;5;208m'));
  t.true(cell(FULL, COLOR_RGB | 0xff0000).includes('38;2;255;0;0m'));
  t.true(cell({ ...FULL, colors: 256 }, COLOR_RGB | 0xff0000).includes('38;5;196m'));
  t.true(cell({ ...FULL, colors: 16 }, COLOR_RGB | 0xff0000).includes('91m'));
  t.true(cell({ ...FULL, colors: 8 }, COLOR_RGB | 0xff0000).includes('31m'));
  t.true(cell({ ...FULL, colors: 8 }, COLOR_P16 | 9, COLOR_P16 | 12).includes('31;44m'));
});

test('a grid reading the default colour as -1 draws no colour', (t) => {
  const r = new Renderer({ ...FULL, syncOutput: false });
  const g = createGrid(3, 1);
  g.fg.fill(0xffffffff);
  g.bg.fill(0xffffffff);
  setCell(g, 0, 0, 'x', 1, 0xffffffff, 0xffffffff, ATTR_UNDERLINE);
  const out = r.render(frameOf(g, 2, 0));
  t.false(out.includes('38;'));
  t.false(out.includes('48;'));
  // Blank default cells are not drawn after the clear.
  t.is(out.split('x').length, 2);
});
