// The fidelity corpus: recorded escape-sequence streams in
// test/fixtures/streams/, each with the terminal size it was recorded at.
// Real programs were recorded once by record.ts; the hand-made streams are
// written by handmade.ts (record.ts writes both). The tests feed each file to
// models and compare screens; nothing here runs a program.

import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/term.js';

export const STREAMS_DIR = path.join(ROOT, 'test', 'fixtures', 'streams');
export const TEXT_DIR = path.join(ROOT, 'test', 'fixtures', 'text');

export interface Stream {
  name: string;
  /** The size of the terminal the bytes were written for. */
  cols: number;
  rows: number;
  /** A real program's output (recorded by record.ts) or bytes written by hand. */
  source: 'recorded' | 'handmade';
  what: string;
  /** Why tmux cannot serve as a reference for this stream; absent when it can. */
  notTmux?: string;
}

/** The session window of an 80x24 terminal: one row goes to the status bar. */
const W = { cols: 80, rows: 23 };

export const CORPUS: Stream[] = [
  { name: 'vim-c', ...W, source: 'recorded', what: 'vim on a C file: syntax colours (256), :set nu, search, C-f/C-b/C-e/C-y scrolling, insert, dd/3dd/P, x, :q!' },
  { name: 'vim-truecolor', ...W, source: 'recorded', what: 'vim with termguicolors: SGR 38;2/48;2 syntax colours, visual selection, scrolling' },
  { name: 'vim-utf8', ...W, source: 'recorded', what: 'vim on UTF-8 text: CJK, emoji, combining marks; wide characters inserted, deleted and wrapped' },
  { name: 'less-search', ...W, source: 'recorded', what: 'less paging a file: space/b, search with highlights, G/g, line scrolling both ways, alternate screen in and out' },
  { name: 'man-ls', ...W, source: 'recorded', what: 'man ls through less: bold and underlined text, paging, search' },
  { name: 'top', ...W, source: 'recorded', what: 'top refreshing its screen twice, then quitting' },
  { name: 'ls-color', ...W, source: 'recorded', what: 'ls --color=always -la of /etc and /usr/bin: colours that scroll by' },
  { name: 'git-log', ...W, source: 'recorded', what: 'git log -p --stat --color: a long colourful output that scrolls, with tabs' },
  { name: 'bash-readline', ...W, source: 'recorded', what: 'bash line editing: insert and delete inside a line (ICH/DCH), a wrapped line, C-r, C-l, scrolling output' },
  {
    name: 'curses-demo', ...W, source: 'recorded',
    what: 'ncurses (Python curses): boxes in DEC line drawing, 256 colours, a scrolling region, IL/DL/ICH/DCH, BCE erases, REP',
  },
  { name: 'sgr', ...W, source: 'handmade', what: '16, 256 and direct colours (; and : forms, with the colour space id), every attribute, partial resets' },
  { name: 'insert-delete', ...W, source: 'handmade', what: 'ICH/DCH/IL/DL/ECH/REP, insert mode (IRM), inside scroll regions, on coloured lines' },
  { name: 'erase', ...W, source: 'handmade', what: 'ED 0/1/2/3, EL 0/1/2, ECH, DECSED-free erases on coloured backgrounds (BCE)' },
  { name: 'erase-wrapped', ...W, source: 'handmade', what: 'rows filled by wrapping, one of them then erased whole (EL 2) with a background' },
  { name: 'scroll-regions', ...W, source: 'handmade', what: 'DECSTBM with IND/RI/NEL/LF/SU/SD, cursor motion clamped by margins, coloured scrolled-in lines' },
  { name: 'cursor-motion', ...W, source: 'handmade', what: 'CUP/HVP/CUU/CUD/CUF/CUB/CNL/CPL/CHA/HPA/VPA, DECSC/DECRC with pen, BS/CR/LF/VT/FF, pending wrap, DECAWM off' },
  { name: 'origin-mode', ...W, source: 'handmade', what: 'DECOM inside DECSTBM: CUP relative to the region, DECSC/DECRC, writing at the margins' },
  { name: 'saved-cursor', ...W, source: 'handmade', what: 'DECSC/DECRC (ESC 7/8, with the pen) and SCOSC/SCORC (CSI s/u) around long stretches of other drawing' },
  { name: 'tabs', ...W, source: 'handmade', what: 'HT with default stops, HTS, TBC (0 and 3), CBT, RIS, tabs over coloured text' },
  { name: 'line-drawing', ...W, source: 'handmade', what: 'DEC special graphics via G0 and G1 (SO/SI), every mapped character, boxes' },
  { name: 'unicode', ...W, source: 'handmade', what: 'CJK, emoji, ZWJ and flag sequences, combining marks, soft hyphen, wide characters at the last column and overwritten by halves' },
  {
    name: 'xterm-extras', ...W, source: 'handmade',
    what: 'HPR/VPR, CHT, BS and LF after a pending wrap, IL/DL outside the margins, ICH/DCH across wide pairs, the UK set, SGR 38:2:r:g:b, OSC 8, lone zero-width characters, malformed SGR colours',
    notTmux: 'tmux 3.3 departs from xterm (which xterm.js follows) on each of these; see handmade.ts',
  },
  { name: 'wide-nowrap', ...W, source: 'handmade', what: 'wide characters with no room at the right margin while DECAWM is off',
    notTmux: 'tmux drops the character that has no room; xterm.js leaves half a pair that the renderer draws as a blank' },
  { name: 'lone-mark', ...W, source: 'handmade', what: 'combining marks at column 0, with nothing to combine with',
    notTmux: 'tmux drops a combining mark with nothing to combine with; xterm.js gives it a column' },
  { name: 'alt-screen', ...W, source: 'handmade', what: 'alternate screen by 47, 1047 and 1049, content on both, cursor save/restore across the switch' },
  { name: 'modes-queries', ...W, source: 'handmade', what: 'queries (DA, DSR, DECRQM, XTVERSION), OSC title/clipboard/colour queries, sixel, input modes and cursor styles between text' },
  { name: 'wrap', ...W, source: 'handmade', what: 'lines wrapping at the exact width, pending wrap then CR/BS/CUP, DECAWM off overwriting the last column' },
  { name: 'flood', ...W, source: 'handmade', what: '1000 coloured lines scrolling by (scrollback), ending with a partial screen' },
];

/** The bytes of a corpus stream. */
export function loadStream(name: string): Buffer {
  return fs.readFileSync(streamPath(name));
}

export function streamPath(name: string): string {
  return path.join(STREAMS_DIR, `${name}.vt`);
}
