// The model wrapper: snapshots rebuild every cell, cursor and mode, and a
// replica fed a snapshot and then the rest of the stream stays identical.
import test from 'ava';
import { TermModel } from '../src/mux/term.js';
import { createGrid, type Grid } from '../src/mux/grid.js';
import { prng, pick } from './view/helpers.js';
import type { Terminal as XTerminal } from '@xterm/headless';

function flushed(m: TermModel): Promise<void> {
  return new Promise((resolve) => m.flush(resolve));
}

function grid(m: TermModel): Grid {
  const g = createGrid(m.cols, m.rows);
  m.readGrid(g);
  return g;
}

/** The first difference between two models (cells, cursor, modes), or '' when equal. */
function diff(a: TermModel, b: TermModel): string {
  if (a.cols !== b.cols || a.rows !== b.rows) return `size ${a.cols}x${a.rows} vs ${b.cols}x${b.rows}`;
  const ga = grid(a);
  const gb = grid(b);
  for (let i = 0; i < ga.chars.length; i++) {
    const ca = [ga.chars[i], ga.widths[i], ga.fg[i], ga.bg[i], ga.attrs[i]];
    const cb = [gb.chars[i], gb.widths[i], gb.fg[i], gb.bg[i], gb.attrs[i]];
    if (JSON.stringify(ca) !== JSON.stringify(cb)) {
      return `cell ${i % ga.cols},${Math.floor(i / ga.cols)}: ${JSON.stringify(ca)} vs ${JSON.stringify(cb)}`;
    }
  }
  const ka = JSON.stringify({ cursor: a.cursor(), modes: a.modes() });
  const kb = JSON.stringify({ cursor: b.cursor(), modes: b.modes() });
  return ka === kb ? '' : `${ka} vs ${kb}`;
}

async function snapshotOf(m: TermModel, scrollback?: number): Promise<string> {
  await flushed(m);
  return m.snapshot(scrollback);
}

async function replay(snap: string, cols: number, rows: number): Promise<TermModel> {
  const b = new TermModel({ cols, rows, scrollback: 1000 });
  b.write(snap);
  await flushed(b);
  return b;
}

const ESC = '\x1b';
// Streams a terminal sees from real programs: each named for what it exercises.
const CORPUS: Record<string, string> = {
  plain: 'hello world\r\nsecond line\r\n$ ',
  colours16: `${ESC}[31mred ${ESC}[1;42mbold-on-green${ESC}[0m ${ESC}[93;104mbright${ESC}[m\r\n`,
  colours256: `${ESC}[38;5;208morange ${ESC}[48;5;22mdarkbg${ESC}[m\r\n`,
  truecolour: `${ESC}[38;2;255;100;0mrgb ${ESC}[48;2;0;0;128mnavy${ESC}[m done\r\n`,
  attributes: `${ESC}[1mB${ESC}[2mD${ESC}[3mI${ESC}[4mU${ESC}[5mK${ESC}[7mR${ESC}[8mH${ESC}[9mS${ESC}[53mO${ESC}[m\r\n`,
  wide: '日本語テキスト 😀 emoji\r\nmixed a中b文c\r\n',
  combining: 'e\u0301 a\u0308 n\u0303\r\n',
  cursorMotion: `${ESC}[2J${ESC}[5;10Hat5,10${ESC}[2;3Hat2,3${ESC}[A${ESC}[2C*${ESC}[10;1H`,
  eraseInsertDelete: `line1\r\nline2\r\nline3\r\n${ESC}[2A${ESC}[2L${ESC}[1P${ESC}[3@XYZ${ESC}[K${ESC}[1M`,
  scrollRegion: `${ESC}[2J${ESC}[H${ESC}[3;8r${ESC}[8;1Hscrolled1\n\n\nscrolled2${ESC}[3;1H${ESC}M${ESC}Mrev`,
  altScreen: `normal text\r\n${ESC}[?1049h${ESC}[H${ESC}[2Jfull screen app${ESC}[10;5H`,
  modes: `${ESC}[?1h${ESC}=${ESC}[?2004h${ESC}[?1002h${ESC}[?1006h${ESC}[?1004h${ESC}[?25l${ESC}[5 q`,
  lineDrawing: `${ESC}(0lqqk\r\nx  x\r\nmqqj${ESC}(B plain\r\n${ESC}(0`,
  wrapAndLong: 'x'.repeat(200) + '\r\n' + 'y'.repeat(79) + 'z',
  tabs: 'a\tb\tc\r\n\t\tindent\r\n',
  originMode: `${ESC}[5;15r${ESC}[?6h${ESC}[3;4Hin-region`,
  manyLines: Array.from({ length: 60 }, (_, i) => `line ${i}\r\n`).join(''),
  pen: `${ESC}[1;35;44mpen stays set`,
};

for (const [name, bytes] of Object.entries(CORPUS)) {
  test(`snapshot rebuilds every cell, cursor and mode: ${name}`, async (t) => {
    const a = new TermModel({ cols: 80, rows: 24, scrollback: 1000 });
    a.write(bytes);
    const snap = await snapshotOf(a);
    const b = await replay(snap, 80, 24);
    t.is(diff(a, b), '');
    a.dispose();
    b.dispose();
  });

  test(`replica fed a snapshot mid-stream then the rest stays identical: ${name}`, async (t) => {
    // Cut the stream anywhere (inside sequences and UTF-8 characters too),
    // ask for a snapshot there, keep writing, and follow the contract: the
    // replica gets the snapshot, then the chunks queued after it, then the
    // rest. The tail depends on state the snapshot had to carry.
    const enc = new TextEncoder();
    const all = enc.encode(bytes);
    const tail = enc.encode(`more ${ESC}[1Aup${ESC}[Bdown\r\nafter\n${ESC}Mx${ESC}(0q${ESC}(B`);
    for (let cut = 0; cut <= all.length; cut += Math.max(1, Math.floor(all.length / 9))) {
      const a = new TermModel({ cols: 80, rows: 24, scrollback: 1000 });
      const b = new TermModel({ cols: 80, rows: 24, scrollback: 1000 });
      let live = false;
      const send = (chunk: Uint8Array | string): void => {
        if (live) b.write(chunk);
        a.write(chunk);
      };
      send(all.slice(0, cut));
      a.requestSnapshot((snap, following) => {
        b.write(snap);
        for (const c of following) {
          if (c instanceof Uint8Array || typeof c === 'string') b.write(c);
          else b.resize(c.cols, c.rows);
        }
        live = true;
      });
      send(all.slice(cut, cut + 3));
      send(all.slice(cut + 3));
      send(tail);
      await flushed(a);
      await flushed(b);
      t.true(live, `snapshot taken for cut at ${cut}`);
      t.is(diff(a, b), '', `cut at ${cut}`);
      a.dispose();
      b.dispose();
    }
  });
}

test('queries are answered by the model (DA, CPR, DECRQSS) and reported as replies', async (t) => {
  const m = new TermModel({ cols: 80, rows: 24, scrollback: 100 });
  const replies: string[] = [];
  m.onReply.on((r) => replies.push(r));
  m.write(`${ESC}[3;7H${ESC}[c${ESC}[6n${ESC}P$qm${ESC}\\`);
  await flushed(m);
  t.is(replies[0], `${ESC}[?1;2c`);
  t.is(replies[1], `${ESC}[3;7R`);
  t.regex(replies[2] ?? '', /^\x1bP1\$r.*m\x1b\\$/);
  m.dispose();
});

test('resize is ordered after bytes already written', async (t) => {
  const a = new TermModel({ cols: 20, rows: 5, scrollback: 100 });
  a.write('x'.repeat(30) + '\r\n'); // wraps at 20 columns
  a.resize(40, 5);
  a.write('next');
  await flushed(a);
  t.is(a.cols, 40);
  t.is(a.lineText(0), 'x'.repeat(30)); // reflowed onto one line at 40 columns
  t.is(a.lineText(1), 'next');
  a.dispose();
});

test('scrollback is readable and bounded', async (t) => {
  const m = new TermModel({ cols: 20, rows: 5, scrollback: 50 });
  m.write(Array.from({ length: 200 }, (_, i) => `L${i}`).join('\r\n'));
  await flushed(m);
  t.is(m.scrollbackLength, 50);
  const g = createGrid(20, 5);
  m.readGrid(g, { scrollUp: 50 });
  t.true(g.chars.slice(0, 4).join('').startsWith('L145'));
  m.dispose();
});

/**
 * readGrid as xterm.js's public cell API reads a cell (what readGrid did
 * before it read the emulator's words): the reference the words must match.
 */
function readGridByApi(m: TermModel, grid: Grid, view: { scrollUp?: number; left?: number; top?: number; rows?: number }): void {
  const term = (m as unknown as { term: XTerminal }).term;
  const b = term.buffer.active;
  const left = view.left ?? 0;
  const top = view.top ?? 0;
  const cols = Math.max(0, Math.min(grid.cols, term.cols - left));
  const rows = Math.max(0, Math.min(view.rows ?? grid.rows, grid.rows, term.rows - top));
  const base = Math.max(0, b.baseY - (view.scrollUp ?? 0)) + top;
  const cell = b.getNullCell();
  for (let y = 0; y < rows; y++) {
    const line = b.getLine(base + y);
    for (let x = 0; x < cols; x++) {
      const i = y * grid.cols + x;
      let c = ' ';
      let w = 1;
      let f = 0;
      let k = 0;
      let a = 0;
      if (line?.getCell(left + x, cell)) {
        w = cell.getWidth();
        const ch = cell.getChars();
        c = w === 0 ? '' : ch === '' ? ' ' : ch;
        f = cell.isFgDefault() ? 0 : cell.getFgColorMode() | cell.getFgColor();
        k = cell.isBgDefault() ? 0 : cell.getBgColorMode() | cell.getBgColor();
        a = cell.isAttributeDefault()
          ? 0
          : (cell.isBold() ? 1 : 0) |
            (cell.isDim() ? 2 : 0) |
            (cell.isItalic() ? 4 : 0) |
            (cell.isUnderline() ? 8 : 0) |
            (cell.isBlink() ? 16 : 0) |
            (cell.isInverse() ? 32 : 0) |
            (cell.isInvisible() ? 64 : 0) |
            (cell.isStrikethrough() ? 128 : 0) |
            (cell.isOverline() ? 256 : 0);
      }
      if ((x === 0 && w === 0) || (x === cols - 1 && w === 2)) {
        c = ' ';
        w = 1;
      }
      grid.chars[i] = c;
      grid.widths[i] = w;
      grid.fg[i] = f;
      grid.bg[i] = k;
      grid.attrs[i] = a;
    }
  }
}

test("readGrid reads every kind of cell as xterm.js's own cell API does: text, widths, colours, attributes, underline styles, views", async (t) => {
  // Pens: every attribute alone and together, underline styles (curly, none
  // after an underline), underline colour, colours of every mode, defaults.
  const pens = [
    '0', '1', '2', '3', '4', '5', '7', '8', '9', '53', '1;2;3;4;5;7;8;9;53', '4:3', '4:0', '4;4:0', '21', '4:2;58;5;9',
    '31', '97;41', '38;5;208', '48;5;16', '38;2;255;100;0', '48;2;0;0;128', '38;2;0;0;0', '7;39;49', '22;23;24;25;27;28;29;55',
  ];
  const texts = ['plain', '日本語', 'a中b', '😀x', 'e\u0301a\u0308', 'x\u200d', '  ', '\u00e9\u00df', '\u2500\u2502', 'ﾊﾝｶｸ'];
  const rnd = prng(41);
  let text = '';
  for (let n = 0; n < 400; n++) {
    text += `${ESC}[${pick(rnd, pens)}m${pick(rnd, texts)}`;
    if (rnd() < 0.15) text += `${ESC}[m\r\n`;
    if (rnd() < 0.05) text += `${ESC}[${1 + Math.floor(rnd() * 30)}G${ESC}[K`;
  }
  // A hyperlink (OSC 8) reads as underlined, though its pen has no underline.
  text += `${ESC}[m${ESC}]8;;https://example.com/${ESC}\\link${ESC}]8;;${ESC}\\ after\r\n`;
  const m = new TermModel({ cols: 30, rows: 8, scrollback: 40 });
  const cases: { view: { scrollUp?: number; left?: number; top?: number; rows?: number }; cols: number; rows: number; got: Grid }[] = [];
  for (const view of [{}, { scrollUp: 10 }, { scrollUp: 40 }, { left: 1 }, { left: 7, top: 2 }, { left: 3, rows: 4 }, { top: 5, scrollUp: 3 }]) {
    for (const [cols, rows] of [[30, 8], [12, 5], [40, 10]] as const) cases.push({ view, cols, rows, got: createGrid(cols, rows, true) });
  }
  // Tracked grids (rows whose words are unchanged are skipped) read halfway
  // through the stream, then again at its end.
  const half = Math.floor(text.length / 2);
  m.write(text.slice(0, half));
  await flushed(m);
  for (const c of cases) m.readGrid(c.got, c.view);
  m.write(text.slice(half) + `${ESC}[m`);
  await flushed(m);
  const read: Grid[] = [];
  for (const { view, cols, rows, got } of cases) {
    const want = createGrid(cols, rows);
    readGridByApi(m, want, view);
    read.push(want);
    m.readGrid(got, view);
    for (let i = 0; i < want.chars.length; i++) {
      const a = [got.chars[i], got.widths[i], got.fg[i], got.bg[i], got.attrs[i]];
      const b = [want.chars[i], want.widths[i], want.fg[i], want.bg[i], want.attrs[i]];
      if (JSON.stringify(a) !== JSON.stringify(b)) {
        t.fail(`view ${JSON.stringify(view)} ${cols}x${rows}, cell ${i % cols},${Math.floor(i / cols)}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
        return;
      }
    }
  }
  // The stream made every kind of cell the words can hold, and the views saw them.
  const seen = (p: (g: Grid, i: number) => boolean): boolean => read.some((g) => g.chars.some((_, i) => p(g, i)));
  t.true(seen((g, i) => g.widths[i] === 2) && seen((g, i) => g.widths[i] === 0), 'wide characters');
  t.true(seen((g, i) => g.chars[i]!.length > 1 && g.widths[i] === 1), 'combining characters');
  t.true(seen((g, i) => (g.fg[i]! & 0x3000000) === 0x3000000) && seen((g, i) => (g.bg[i]! & 0x3000000) === 0x2000000), 'RGB and 256 colours');
  for (let bit = 1; bit <= 256; bit <<= 1) t.true(seen((g, i) => (g.attrs[i]! & bit) !== 0), `attribute bit ${bit}`);
  t.is(cases.length, 21);
  m.dispose();
});
