// A grid of cells: what a terminal model shows, copied out in plain typed
// arrays so renderers never touch the emulator (STYLE §1, §2).

/** Colour packing: the top byte is the mode, the low 24 bits the value. */
export const COLOR_DEFAULT = 0;
/** Palette colour 0–15 chosen by SGR 30–37/40–47/90–97/100–107. */
export const COLOR_P16 = 0x1000000;
/** Palette colour 0–255 chosen by SGR 38;5;n / 48;5;n. */
export const COLOR_P256 = 0x2000000;
/** Direct colour 0xRRGGBB chosen by SGR 38;2;r;g;b / 48;2;r;g;b. */
export const COLOR_RGB = 0x3000000;
export const COLOR_MODE_MASK = 0x3000000;
export const COLOR_VALUE_MASK = 0xffffff;

/** Attribute bits of a cell (SGR 1, 2, 3, 4, 5, 7, 8, 9, 53). */
export const ATTR_BOLD = 1;
export const ATTR_DIM = 2;
export const ATTR_ITALIC = 4;
export const ATTR_UNDERLINE = 8;
export const ATTR_BLINK = 16;
export const ATTR_INVERSE = 32;
export const ATTR_INVISIBLE = 64;
export const ATTR_STRIKE = 128;
export const ATTR_OVERLINE = 256;

/**
 * Cells in row-major order. A wide character occupies two cells: the first
 * holds the text with width 2, the second holds '' with width 0. An empty cell
 * holds ' ' with width 1.
 */
export interface Grid {
  cols: number;
  rows: number;
  chars: string[];
  widths: Uint8Array;
  fg: Uint32Array;
  bg: Uint32Array;
  attrs: Uint16Array;
  /**
   * Damage tracking (grids made with `tracked`): 1 for each row whose cells
   * changed since a renderer last drew the grid, which then clears it. Every
   * write must go through setCell or TermModel.readGrid to keep it true.
   */
  damage?: Uint8Array;
  /**
   * For TermModel.readGrid on tracked grids: the emulator's raw cells each row
   * was last read from, so an unchanged row is not read again. Dropped for a
   * row when anything else writes to it.
   */
  sources?: (Uint32Array | undefined)[];
  /**
   * For TermModel.readGrid on tracked grids: which model, screen and view
   * the grid was last read from, and when, so that rows the model has not
   * touched since are not even compared. Opaque to everyone else.
   */
  seen?: object;
}

/** A blank grid of the given size (every cell a default-coloured space); `tracked` keeps damage (see Grid). */
export function createGrid(cols: number, rows: number, tracked = false): Grid {
  const n = cols * rows;
  const g: Grid = {
    cols,
    rows,
    chars: new Array<string>(n).fill(' '),
    widths: new Uint8Array(n).fill(1),
    fg: new Uint32Array(n),
    bg: new Uint32Array(n),
    attrs: new Uint16Array(n),
  };
  if (tracked) {
    g.damage = new Uint8Array(rows).fill(1);
    g.sources = new Array<Uint32Array | undefined>(rows).fill(undefined);
  }
  return g;
}

/** Set one cell; callers keep wide characters paired with their width-0 tail. */
export function setCell(g: Grid, x: number, y: number, ch: string, width: number, fg: number, bg: number, attrs: number): void {
  const i = y * g.cols + x;
  if (g.damage) {
    if (g.chars[i] === ch && g.widths[i] === width && g.fg[i] === fg && g.bg[i] === bg && g.attrs[i] === attrs) return;
    g.damage[y] = 1;
    g.sources![y] = undefined;
  }
  g.chars[i] = ch;
  g.widths[i] = width;
  g.fg[i] = fg;
  g.bg[i] = bg;
  g.attrs[i] = attrs;
}

/** The text of one row, wide-character tails skipped, trailing spaces kept. */
export function rowText(g: Grid, y: number): string {
  let s = '';
  for (let x = 0; x < g.cols; x++) {
    const i = y * g.cols + x;
    if (g.widths[i] !== 0) s += g.chars[i];
  }
  return s;
}
