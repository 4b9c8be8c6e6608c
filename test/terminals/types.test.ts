// Terminal types end to end (issue 3, item 6): viewers under TERM=xterm-256color,
// tmux-256color, screen-256color, xterm, linux, dumb and none each draw a
// known screen correctly — the text, the colours their terminal can show
// (down-converted where it cannot), the attributes it has — and get only
// sequences that terminal understands. The user's and the helper's TERM
// differ, and the session's programs see xterm-256color either way.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { closeAllTerms, type Term } from '../helpers/term.js';
import { badSequences, cellOf, startBoth, type Allowed, type TermEnv } from './helpers.js';
import {
  ATTR_BOLD, ATTR_DIM, ATTR_INVERSE, ATTR_ITALIC, ATTR_OVERLINE, ATTR_STRIKE, ATTR_UNDERLINE,
  COLOR_P16, COLOR_P256, COLOR_RGB,
} from '../../src/mux/grid.js';

test.afterEach.always(closeAllTerms);

/** What the session prints: text, UTF-8 and CJK, 16/256/direct colour, attributes, then a bar cursor. */
const SCREEN_LINES = [
  'L1 plain ASCII 0123456789',
  'L2 UTF-8 ünïcödé ÅØß ¿¡ 日本語テキスト 한국어 — ok',
  'L3 16: \x1b[31mred\x1b[0m \x1b[91mbright\x1b[0m \x1b[44mbluebg\x1b[0m',
  'L4 256: \x1b[38;5;208mpal208\x1b[0m \x1b[48;5;22mbg22\x1b[0m',
  'L5 rgb: \x1b[38;2;255;128;0mrgbfg\x1b[0m \x1b[48;2;0;0;255mrgbbg\x1b[0m',
  'L6 attrs: \x1b[1mbold\x1b[0m \x1b[4munder\x1b[0m \x1b[7minverse\x1b[0m \x1b[3mitalic\x1b[0m \x1b[9mstrike\x1b[0m \x1b[53mover\x1b[0m \x1b[2mdim\x1b[0m',
];
const SCREEN = SCREEN_LINES.join('\n') + '\n\x1b[5 q'; // DECSCUSR 5: blinking bar
const SCREEN_TEXT = SCREEN_LINES.map((l) => l.replace(/\x1b\[[\d;]*m/g, ''));

/** What each terminal type should get (the caps the viewer should have found). */
const XTERM_256: Allowed = {
  colors: 256, altScreen: true, cursorStyle: true, syncOutput: false,
  dim: true, italic: true, invisible: true, strike: true, overline: false, sgrClear: true, ech: true,
};
const EXPECT: Record<string, Allowed> = {
  'xterm-256color': XTERM_256,
  'xterm-256color+truecolor': { ...XTERM_256, colors: 16777216 },
  // tmux has overline and synchronized output; without COLORTERM no direct
  // colour, although blessed cannot read its terminfo entry.
  'tmux-256color': { ...XTERM_256, overline: true, syncOutput: true },
  'tmux-256color+truecolor': { ...XTERM_256, colors: 16777216, overline: true, syncOutput: true },
  // GNU screen: no italic, strike, conceal or DECSCUSR; blessed cannot compile its entry.
  'screen-256color': { ...XTERM_256, cursorStyle: false, italic: false, invisible: false, strike: false },
  xterm: { ...XTERM_256, colors: 16 },
  // The Linux console: 8 colours, no alternate screen, no DECSCUSR, italic or strike.
  linux: { ...XTERM_256, colors: 8, altScreen: false, cursorStyle: false, italic: false, invisible: false, strike: false },
  // Nothing known: a VT100 (SGR 0 only to clear attributes, 8 colours).
  // ECH (CSI X) is VT220, but the renderer sends it before glyphs whose width
  // terminals disagree on, whatever the caps; a VT100 ignores a CSI it does
  // not know, so it is tolerated here.
  vt100: {
    colors: 8, altScreen: false, cursorStyle: false, syncOutput: false,
    dim: false, italic: false, invisible: false, strike: false, overline: false, sgrClear: false, ech: true,
  },
};

/** A viewer's terminal: its environment and the expectations that go with it. */
interface Kind {
  label: string;
  env: TermEnv;
  expect: Allowed;
}

function kind(term: string | undefined, colorterm?: string): Kind {
  const key = term === undefined || term === 'dumb' ? 'vt100' : colorterm ? `${term}+truecolor` : term;
  return {
    label: `${term === undefined ? 'no TERM' : `TERM=${term}`}${colorterm ? ` COLORTERM=${colorterm}` : ''}`,
    env: { TERM: term, COLORTERM: colorterm },
    expect: EXPECT[key]!,
  };
}

/** Expected packed colour of a source colour on a terminal with `colors`. */
function expectColor(colors: Allowed['colors'], direct: number, c256: number, c16: number): number {
  if (colors === 16777216 && direct !== 0) return direct;
  if (colors >= 256 && c256 >= 0) return COLOR_P256 | c256;
  return COLOR_P16 | (colors === 8 ? c16 & 7 : c16);
}

/** Check what one viewer drew and was sent. */
function checkViewer(t: import('ava').ExecutionContext, who: string, term: Term, k: Kind): void {
  const e = k.expect;
  const lines = term.lines();
  for (const want of SCREEN_TEXT) t.true(lines.includes(want), `${who} (${k.label}) shows ${JSON.stringify(want)}:\n${term.text()}`);
  t.true(lines.includes('session TERM=xterm-256color'), `${who}: the session's programs see xterm-256color`);

  const c = (w: string): ReturnType<typeof cellOf> => cellOf(term, w, /^L\d /);
  const at = `${who} (${k.label})`;
  // 16 colours: bright ones only where the terminal has 16.
  t.is(c('red').fg, COLOR_P16 | 1, `${at}: red`);
  t.is(c('bright').fg, COLOR_P16 | (e.colors >= 16 ? 9 : 1), `${at}: bright red`);
  t.is(c('bluebg').bg, COLOR_P16 | 4, `${at}: blue background`);
  // 256 colours: kept, or the nearest of 16 (208 orange → 9, 22 dark green → 2).
  t.is(c('pal208').fg, expectColor(e.colors, 0, 208, 9), `${at}: palette 208`);
  t.is(c('bg22').bg, expectColor(e.colors, 0, 22, 2), `${at}: palette 22 background`);
  // Direct colour: kept, or the nearest of 256 (255;128;0 → 208; 0;0;255 → 21 → 12).
  t.is(c('rgbfg').fg, expectColor(e.colors, COLOR_RGB | 0xff8000, 208, 9), `${at}: rgb foreground`);
  t.is(c('rgbbg').bg, expectColor(e.colors, COLOR_RGB | 0x0000ff, 21, 12), `${at}: rgb background`);
  // Attributes: bold, underline and inverse everywhere; the others where the terminal has them.
  t.is(c('bold').attrs, ATTR_BOLD, `${at}: bold`);
  t.is(c('under').attrs, ATTR_UNDERLINE, `${at}: underline`);
  t.is(c('inverse').attrs, ATTR_INVERSE, `${at}: inverse`);
  t.is(c('italic').attrs, e.italic ? ATTR_ITALIC : 0, `${at}: italic`);
  t.is(c('strike').attrs, e.strike ? ATTR_STRIKE : 0, `${at}: strike`);
  t.is(c('over').attrs, e.overline ? ATTR_OVERLINE : 0, `${at}: overline`);
  t.is(c('dim').attrs, e.dim ? ATTR_DIM : 0, `${at}: dim`);
  t.is(c('plain').fg, 0, `${at}: default colour`);

  const m = term.model.modes();
  t.is(m.altScreen, e.altScreen, `${at}: alternate screen`);
  t.is(m.cursorStyle, e.cursorStyle ? 'bar' : 'block', `${at}: cursor style mirrored only where DECSCUSR exists`);

  const raw = term.rawText();
  t.deepEqual(badSequences(raw, e), [], `${at}: sequences the terminal should not get`);
  // Nothing from the terminfo reader (blessed prints compile errors for some entries).
  t.notRegex(raw, /Error on|Terminfo|return out|params\[|sprintf|function/i, `${at}: nothing printed by the terminfo reader`);
}

/** One pair: the helper (listen) under `helper`, the user (share) under `user`; both draw SCREEN. */
async function run(t: import('ava').ExecutionContext, helper: Kind, user: Kind): Promise<void> {
  const p = await startBoth({ env: helper.env }, { env: user.env });
  const file = path.join(p.dir, 'screen.txt');
  fs.writeFileSync(file, SCREEN);
  await p.share.waitFor(/^\$$/m, 'the prompt');
  p.share.type(`clear; cat ${file}; echo "session TERM=$TERM"\r`);
  for (const term of [p.share, p.listen]) await term.waitFor(/^session TERM=\S+$/m, 'the screen printed');
  // The bar cursor comes with the next frame; wait for it where it is mirrored.
  for (const [term, k] of [[p.listen, helper], [p.share, user]] as const) {
    if (k.expect.cursorStyle) await term.waitFor(() => term.model.modes().cursorStyle === 'bar', 'the cursor style mirrored');
  }
  checkViewer(t, 'helper', p.listen, helper);
  checkViewer(t, 'user', p.share, user);
}

const cases: [Kind, Kind][] = [
  [kind('xterm-256color'), kind('xterm-256color')],
  [kind('xterm-256color', 'truecolor'), kind('xterm')],
  [kind('tmux-256color'), kind('screen-256color')],
  [kind('screen-256color'), kind('tmux-256color', 'truecolor')],
  [kind('xterm'), kind('linux')],
  [kind('linux'), kind('xterm-256color', 'truecolor')],
  [kind('dumb'), kind(undefined)],
  [kind(undefined), kind('dumb')],
];

for (const [helper, user] of cases) {
  test.serial(`helper under ${helper.label}, user under ${user.label}: both draw the screen their terminal can show`, (t) => run(t, helper, user));
}
