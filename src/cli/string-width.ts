// The string-width that yargs's help layout uses (yargs, cliui, wrap-ansi),
// put in its place when bundling (package.json: --alias:string-width=…).
// string-width builds an Intl.Segmenter as it loads, and that loads ICU's
// locale data: ~3 MB of resident memory in every shareterm process, all for
// laying out --help. Help text is ours, so the viewer's own cell widths do
// (wcwidth-like: none for marks and zero-width characters, two for wide ones).

import { textWidth } from '../view/text.js';

/** CSI and OSC sequences, and other two-byte escapes (as strip-ansi matches them). */
const ANSI = /[\u001b\u009b][[\]()#;?]*(?:(?:(?:[a-zA-Z\d]*(?:;[-a-zA-Z\d/#&.:=?%@~_]*)*)?\u0007)|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PR-TZcf-ntqry=><~]))/g;
/** Controls take no columns (textWidth would count them as one). */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/** Columns `input` takes on a terminal. */
export default function stringWidth(input: string, options: { countAnsiEscapeCodes?: boolean } = {}): number {
  if (typeof input !== 'string' || input.length === 0) return 0;
  const s = options.countAnsiEscapeCodes ? input : input.replace(ANSI, '');
  if (/^[\x20-\x7e]*$/.test(s)) return s.length;
  return textWidth(s.replace(CONTROLS, ''));
}
