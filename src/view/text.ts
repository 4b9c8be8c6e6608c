// Text for the viewer's own chrome (status bar, prompts, help): display
// widths and writing strings into a grid. Program output never comes through
// here; names from the peer do, so everything is stripped of controls.

import { printable } from '../lib/printable.js';
import { type Grid, setCell } from '../mux/grid.js';

/** East Asian Wide/Fullwidth and emoji ranges: two cells (as wcwidth). */
const WIDE: [number, number][] = [
  [0x1100, 0x115f], [0x231a, 0x231b], [0x2329, 0x232a], [0x23e9, 0x23ec], [0x23f0, 0x23f0], [0x23f3, 0x23f3],
  [0x25fd, 0x25fe], [0x2614, 0x2615], [0x2648, 0x2653], [0x267f, 0x267f], [0x2693, 0x2693], [0x26a1, 0x26a1],
  [0x26aa, 0x26ab], [0x26bd, 0x26be], [0x26c4, 0x26c5], [0x26ce, 0x26ce], [0x26d4, 0x26d4], [0x26ea, 0x26ea],
  [0x26f2, 0x26f3], [0x26f5, 0x26f5], [0x26fa, 0x26fa], [0x26fd, 0x26fd], [0x2705, 0x2705], [0x270a, 0x270b],
  [0x2728, 0x2728], [0x274c, 0x274c], [0x274e, 0x274e], [0x2753, 0x2755], [0x2757, 0x2757], [0x2795, 0x2797],
  [0x27b0, 0x27b0], [0x27bf, 0x27bf], [0x2b1b, 0x2b1c], [0x2b50, 0x2b50], [0x2b55, 0x2b55], [0x2e80, 0x303e],
  [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa000, 0xa4cf], [0xa960, 0xa97f], [0xac00, 0xd7a3],
  [0xf900, 0xfaff], [0xfe10, 0xfe19], [0xfe30, 0xfe6f], [0xff00, 0xff60], [0xffe0, 0xffe6], [0x16fe0, 0x16fe4],
  [0x17000, 0x18cff], [0x1b000, 0x1b2ff], [0x1f004, 0x1f004], [0x1f0cf, 0x1f0cf], [0x1f18e, 0x1f18e],
  [0x1f191, 0x1f19a], [0x1f200, 0x1f251], [0x1f300, 0x1f64f], [0x1f680, 0x1f6ff], [0x1f7e0, 0x1f7eb],
  [0x1f90c, 0x1f9ff], [0x1fa70, 0x1faff], [0x20000, 0x2fffd], [0x30000, 0x3fffd],
];

/** Cells a code point takes: 0 for combining marks and zero-width, 2 for wide, else 1. */
export function codePointWidth(cp: number): number {
  if (cp < 0x300) return 1;
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f) || cp === 0x20e3) return 0;
  let lo = 0;
  let hi = WIDE.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = WIDE[mid]!;
    if (cp < a) hi = mid - 1;
    else if (cp > b) lo = mid + 1;
    else return 2;
  }
  return 1;
}

/**
 * Make a string from the network or the user safe and single-line for our
 * chrome (see lib/printable.ts), at most `max` code points.
 */
export function cleanLabel(s: string, max = 64): string {
  return printable(s, max);
}

/** Display width of a string in cells. */
export function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += codePointWidth(ch.codePointAt(0)!);
  return w;
}

/** Cut a string to at most `max` cells, ending in '…' when cut. */
export function truncate(s: string, max: number): string {
  if (textWidth(s) <= max) return s;
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = codePointWidth(ch.codePointAt(0)!);
    if (w + cw > max - 1) break;
    out += ch;
    w += cw;
  }
  return out + '…';
}

export interface Pen {
  fg: number;
  bg: number;
  attrs: number;
}

/** Write `s` into row y from column x, not past column `end`; returns the column after it. */
export function putText(g: Grid, x: number, y: number, s: string, pen: Pen, end = g.cols): number {
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const w = codePointWidth(cp);
    if (w === 0) {
      // Combine with the previous cell, as a terminal would.
      if (x > 0) {
        g.chars[y * g.cols + x - 1] += ch;
        if (g.damage) {
          g.damage[y] = 1;
          g.sources![y] = undefined;
        }
      }
      continue;
    }
    if (x + w > end) break;
    setCell(g, x, y, ch, w, pen.fg, pen.bg, pen.attrs);
    if (w === 2) setCell(g, x + 1, y, '', 0, pen.fg, pen.bg, pen.attrs);
    x += w;
  }
  return x;
}

/** Fill cells [x0, x1) of row y with `ch` in `pen`. */
export function fillRow(g: Grid, y: number, x0: number, x1: number, ch: string, pen: Pen): void {
  for (let x = x0; x < x1; x++) setCell(g, x, y, ch, 1, pen.fg, pen.bg, pen.attrs);
}
