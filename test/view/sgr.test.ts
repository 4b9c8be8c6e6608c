// Colour down-conversion (tmux's tables) and minimal SGR changes.
import test from 'ava';
import { c256To16, convertColor, rgbTo256, sgrChange } from '../../src/view/sgr.js';
import { ATTR_BOLD, ATTR_DIM, ATTR_ITALIC, ATTR_UNDERLINE, COLOR_P16, COLOR_P256, COLOR_RGB } from '../../src/mux/grid.js';

test('RGB to the 256 palette: exact cube hits, nearest cube colour or grey', (t) => {
  t.is(rgbTo256(255, 0, 0), 196);
  t.is(rgbTo256(0, 0, 0), 16);
  t.is(rgbTo256(255, 255, 255), 231);
  t.is(rgbTo256(0x5f, 0x87, 0xaf), 16 + 36 * 1 + 6 * 2 + 3);
  t.is(rgbTo256(128, 128, 128), 244); // grey 128 exactly
  t.is(rgbTo256(240, 240, 240), 255); // the lightest grey, nearer than cube white
  t.is(rgbTo256(10, 10, 10), 232);
  t.is(rgbTo256(250, 10, 10), 196);
});

test('256 to 16 uses tmux colour_256to16', (t) => {
  t.is(c256To16(196), 9);
  t.is(c256To16(21), 12);
  t.is(c256To16(244), 7);
  t.is(c256To16(232), 0);
  t.is(c256To16(5), 5);
});

test('convertColor: RGB(255,0,0) is 196 at 256 colours, 9 at 16, 1 at 8', (t) => {
  const red = COLOR_RGB | 0xff0000;
  t.is(convertColor(red, 16777216), red);
  t.is(convertColor(red, 256), COLOR_P256 | 196);
  t.is(convertColor(red, 16), COLOR_P16 | 9);
  t.is(convertColor(red, 8), COLOR_P16 | 1);
});

test('convertColor: palette colours keep their mode where the terminal has them, brights go to base at 8', (t) => {
  t.is(convertColor(COLOR_P256 | 5, 256), COLOR_P256 | 5);
  t.is(convertColor(COLOR_P256 | 5, 16), COLOR_P16 | 5);
  t.is(convertColor(COLOR_P256 | 208, 16), COLOR_P16 | c256To16(208));
  t.is(convertColor(COLOR_P16 | 12, 16), COLOR_P16 | 12);
  t.is(convertColor(COLOR_P16 | 12, 8), COLOR_P16 | 4);
  t.is(convertColor(COLOR_P16 | 12, 256), COLOR_P16 | 12);
});

test('convertColor: the default, and values outside the packing (-1), are the default', (t) => {
  for (const colors of [8, 16, 256, 16777216] as const) {
    t.is(convertColor(0, colors), 0);
    t.is(convertColor(0xffffffff, colors), 0);
    t.is(convertColor(-1, colors), 0);
  }
});

test('sgrChange: nothing when equal, only what changed, and a reset when that is shorter', (t) => {
  const P = (n: number): number => COLOR_P16 | n;
  t.is(sgrChange(true, P(1), 0, ATTR_BOLD, P(1), 0, ATTR_BOLD, true), '');
  t.is(sgrChange(true, P(1), 0, ATTR_BOLD, P(2), 0, ATTR_BOLD, true), '\x1b[32m');
  t.is(sgrChange(true, 0, 0, 0, 0, 0, ATTR_ITALIC | ATTR_UNDERLINE, true), '\x1b[3;4m');
  // Bold off, dim stays: SGR 22 clears both, so dim is set again.
  t.is(sgrChange(true, 0, 0, ATTR_BOLD | ATTR_DIM | ATTR_ITALIC, 0, 0, ATTR_DIM | ATTR_ITALIC, true), '\x1b[22;2m');
  t.is(sgrChange(true, 0, 0, ATTR_BOLD | ATTR_DIM, 0, 0, ATTR_DIM, true), '\x1b[0;2m'); // the reset is shorter
  // Everything off: the reset is shorter than 22;23;24;39;49.
  t.is(sgrChange(true, P(1), P(4), ATTR_BOLD | ATTR_ITALIC | ATTR_UNDERLINE, 0, 0, 0, true), '\x1b[0m');
  // Unknown pen: always from a reset.
  t.is(sgrChange(false, 0, 0, 0, COLOR_P256 | 208, COLOR_RGB | 0x010203, ATTR_BOLD, true), '\x1b[0;1;38;5;208;48;2;1;2;3m');
  // A VT100 cannot clear one attribute: reset and set the rest.
  t.is(sgrChange(true, 0, 0, ATTR_BOLD | ATTR_UNDERLINE, 0, 0, ATTR_UNDERLINE, false), '\x1b[0;4m');
  t.is(sgrChange(true, 0, 0, ATTR_UNDERLINE, 0, 0, ATTR_BOLD | ATTR_UNDERLINE, false), '\x1b[1m');
});
