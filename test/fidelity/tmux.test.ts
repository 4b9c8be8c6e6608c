// Fidelity against a second, independent emulator (issue 3): tmux, as mosh's
// tests use it. For each corpus stream tmux runs `cat` of the bytes in a
// detached 80x23 pane; `capture-pane -e` gives its screen with attributes,
// which is parsed into a model and compared with our helper's screen for the
// same bytes (the in-process pipeline of model.test.ts: window, snapshot,
// replica, Viewer, Renderer, emulated terminal). Text is compared on every
// cell, colours and attributes on cells that hold a character (tmux's
// capture leaves out the blanks at the end of a row, and their background
// with them). Streams on which tmux and xterm.js disagree by design say why
// in the corpus (notTmux) and are skipped here only.
import test from 'ava';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/term.js';
import { TermModel } from '../../src/mux/term.js';
import { ATTR_BLINK, ATTR_BOLD, ATTR_DIM, ATTR_INVERSE, ATTR_INVISIBLE, ATTR_ITALIC, ATTR_STRIKE, ATTR_UNDERLINE, type Grid } from '../../src/mux/grid.js';
import { detectCaps, type Caps } from '../../src/view/caps.js';
import { CORPUS, loadStream } from './corpus.js';
import { HelperView, flushed, gridOf, lastAltExit } from './pipeline.js';

const SOCKET = `shareterm-fidelity-${process.pid}`;
const DEADLINE = 15000; // ms
const XTERM: Caps = detectCaps({ TERM: 'xterm-256color', COLORTERM: 'truecolor', LANG: 'C.UTF-8' });
/** Attributes tmux keeps and reports with capture-pane -e (overline: our helper's xterm-256color terminal lacks it). */
const COMPARED_ATTRS = ATTR_BOLD | ATTR_DIM | ATTR_ITALIC | ATTR_UNDERLINE | ATTR_BLINK | ATTR_INVERSE | ATTR_INVISIBLE | ATTR_STRIKE;


const dir = tempDir('shareterm-tmux-');
/** A private socket directory (TMUX_TMPDIR) as well as a private socket name; no TMUX from a surrounding session. */
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? dir, TMUX_TMPDIR: dir,
  LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TERM: 'xterm-256color',
};

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-u', '-f', '/dev/null', '-L', SOCKET, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `tmux wait-for CHANNEL` with a deadline. */
function waitFor(channel: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('tmux', ['-L', SOCKET, 'wait-for', channel], { env, timeout: DEADLINE }, (err) => {
      if (err) reject(new Error(`tmux wait-for ${channel}: ${err.message}`));
      else resolve();
    });
  });
}

test.after.always(() => {
  try {
    tmux('kill-server');
  } catch {
    // no server left: it exits with its last session
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

/** tmux's screen for `bytes`, parsed from capture-pane -e into a model of the same size. */
async function tmuxScreen(name: string, bytes: Uint8Array, cols: number, rows: number): Promise<TermModel> {
  const file = path.join(dir, `${name}.vt`);
  fs.writeFileSync(file, bytes);
  // Raw mode: the bytes reach tmux as recorded; the channel says cat is done.
  tmux('new-session', '-d', '-s', name, '-x', String(cols), '-y', String(rows), `stty raw -echo; cat '${file}'; tmux wait-for -S ${name}-done; exec sleep 600`);
  await waitFor(`${name}-done`);
  const size = tmux('display-message', '-p', '-t', name, '#{pane_width}x#{pane_height}').trim();
  if (size !== `${cols}x${rows}`) throw new Error(`tmux pane is ${size}, not ${cols}x${rows}`);
  const lines = tmux('capture-pane', '-p', '-e', '-N', '-t', name)
    .replace(/\n$/, '')
    // tmux 3.3a writes overline as the parameter 5:3 (SGR 5, blink, with a sub-parameter): read it as 53.
    .replace(/(?<=\x1b\[(?:[0-9:]*;)*)5:3(?=[;m])/g, '53')
    .split('\n');
  tmux('kill-session', '-t', name);
  // capture-pane -e shifts to G1 (SO/SI) for line drawing, as tmux sets its clients up: G1 is DEC graphics.
  const m = new TermModel({ cols, rows, scrollback: 0 });
  m.write('\x1b)0' + lines.map((l, y) => `\x1b[${y + 1};1H${l}`).join(''));
  await flushed(m);
  return m;
}

/** Our helper's screen for `bytes`: the in-process pipeline, drawn at the window's size. */
async function helperScreen(bytes: Uint8Array, cols: number, rows: number): Promise<{ view: HelperView; window: TermModel }> {
  const window = new TermModel({ cols, rows, scrollback: 5000 });
  const view = new HelperView('helper', window, XTERM, cols, rows + 1);
  await view.ready; // the snapshot of the blank window (taken after a flush, so not before it)
  window.write(bytes);
  view.forward(bytes);
  await flushed(window);
  await view.draw();
  return { view, window };
}

function rowText(g: Grid, y: number): string {
  let s = '';
  for (let x = 0; x < g.cols; x++) {
    const i = y * g.cols + x;
    if (g.widths[i] !== 0) s += g.chars[i];
  }
  return s.replace(/ +$/, '');
}

/** The first row whose text differs, then the first character cell whose colours or attributes differ; '' when none. */
function compare(ours: Grid, theirs: Grid, cols: number, rows: number): string {
  for (let y = 0; y < rows; y++) {
    const a = rowText(ours, y);
    const b = rowText(theirs, y);
    if (a !== b) return `row ${y}: ours ${JSON.stringify(a)}, tmux ${JSON.stringify(b)}`;
  }
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const io = y * ours.cols + x;
      const it = y * theirs.cols + x;
      if (ours.chars[io] === ' ' || ours.widths[io] === 0) continue;
      const o = [ours.fg[io], ours.bg[io], ours.attrs[io]! & COMPARED_ATTRS];
      const t = [theirs.fg[it], theirs.bg[it], theirs.attrs[it]! & COMPARED_ATTRS];
      if (o.some((v, k) => v !== t[k])) {
        const hex = (v: number[]): string => v.map((n) => `0x${n!.toString(16)}`).join('/');
        return `cell ${x},${y} ${JSON.stringify(ours.chars[io])}: ours fg/bg/attrs ${hex(o as number[])}, tmux ${hex(t as number[])}`;
      }
    }
  }
  return '';
}

for (const s of CORPUS) {
  const declare = s.notTmux ? test.skip : test;
  declare(`${s.name}: our helper's screen shows what tmux shows for the same bytes`, async (t) => {
    let bytes = loadStream(s.name);
    // A program that ends by leaving the alternate screen is compared on its last full screen.
    const cut = lastAltExit(bytes);
    if (cut > 0) bytes = bytes.subarray(0, cut);
    const name = `fid-${s.name}`;
    const theirs = await tmuxScreen(name, bytes, s.cols, s.rows);
    const { view, window } = await helperScreen(bytes, s.cols, s.rows);
    try {
      t.is(compare(gridOf(view.screen), gridOf(theirs), s.cols, s.rows), '', s.what);
    } finally {
      view.dispose();
      window.dispose();
      theirs.dispose();
    }
  });
}
