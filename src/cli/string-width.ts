// The string-width that yargs's help layout uses (yargs, cliui, wrap-ansi),
// put in its place when bundling (package.json: --alias:string-width=…).
// string-width builds an Intl.Segmenter as it loads, and that loads ICU's
// locale data: ~3 MB of resident memory in every shareterm process, all for
// laying out --help. Help text is ours (ASCII and a few punctuation marks),
// so code points do: none for marks and zero-width characters, two for East
// Asian wide ones, one for the rest.

/** CSI and OSC sequences, and other two-byte escapes (as strip-ansi matches them). */
const ANSI = /[\u001b\u009b][[\]()#;?]*(?:(?:(?:[a-zA-Z\d]*(?:;[-a-zA-Z\d/#&.:=?%@~_]*)*)?\u0007)|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PR-TZcf-ntqry=><~]))/g;
const ZERO_WIDTH = /[\p{Mn}\p{Me}\p{Cf}\p{Cc}]/u;

/** East Asian Wide and Fullwidth blocks (the common ones). */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** Columns `input` takes on a terminal. */
export default function stringWidth(input: string, options: { countAnsiEscapeCodes?: boolean } = {}): number {
  if (typeof input !== 'string' || input.length === 0) return 0;
  const s = options.countAnsiEscapeCodes ? input : input.replace(ANSI, '');
  if (/^[\x20-\x7e]*$/.test(s)) return s.length;
  let width = 0;
  for (const ch of s) {
    if (ZERO_WIDTH.test(ch)) continue;
    width += isWide(ch.codePointAt(0)!) ? 2 : 1;
  }
  return width;
}
