// Escape-sequence injection: a program in the session prints sequences that
// would attack a terminal (clipboard writes, title reports, DECRQSS echo,
// hyperlinks, colour queries, cursor reports). The viewers draw from models,
// so the bytes written to either real terminal contain none of them, while
// the visible text arrives.
import test from 'ava';
import { startPair } from '../helpers/pair.js';
import { closeAllTerms } from '../helpers/term.js';

test.afterEach.always(closeAllTerms);

const ATTACKS: Record<string, string> = {
  'OSC 52 clipboard write': '\\033]52;c;ZWNobyBwd25lZAo=\\a',
  'CSI 21 t title report': '\\033[21t',
  'DECRQSS': '\\033P$qm\\033\\\\',
  // The target is spelled with an octal escape so the typed command line
  // (which the shell echoes, legitimately) does not contain it.
  'OSC 8 hyperlink': '\\033]8;;https://\\145vil.example/\\033\\\\click me\\033]8;;\\033\\\\',
  'OSC 10 colour query': '\\033]10;?\\a',
  'CSI 6 n cursor report': '\\033[6n',
  'OSC 0 title set': '\\033]0;pwned-title\\a',
  'C1 CSI': '\\302\\2336n',
};

/** Byte patterns that must never reach a viewer's real terminal. */
const FORBIDDEN: [string, RegExp][] = [
  ['OSC (any)', /\x1b\]/],
  ['DCS (any)', /\x1bP/],
  ['CSI 21 t', /\x1b\[21t/],
  ['CSI 6 n', /\x1b\[6n/],
  ['C1 CSI', /\xc2\x9b|\x9b/],
  ['APC/PM/SOS', /\x1b[_^X]/],
  ['the hyperlink target', /evil\.example/],
];

test.serial('hostile output reaches neither real terminal; the text does', async (t) => {
  const p = await startPair();
  try {
    await p.share.waitFor(/^\$$/m, 'prompt');
    const before = { listen: p.listen.raw.length, share: p.share.raw.length };
    // Printed by the program: every attack, then text that must be seen. The
    // session's own model answers the queries (as a real terminal would), so
    // the program reads those answers back before printing on.
    const payload = Object.values(ATTACKS).join('');
    p.share.type(`clear; printf '${payload}'; read -rs -t 1 -d '' answers; printf 'VISIBLE-%s\\n' "$((7*6))"\r`);
    await p.listen.waitFor(/VISIBLE-42/, 'the visible text on the helper side');
    await p.share.waitFor(/VISIBLE-42/, 'the visible text on the user side');
    await p.listen.waitFor(/click me/, 'the hyperlink text, as plain text');
    // Let a few more frames go out, so late writes would be caught too.
    p.share.type('echo after-$((1+1))\r');
    await p.listen.waitFor(/^after-2$/m, 'a later line');
    const seen = {
      listen: Buffer.concat(p.listen.raw.slice(before.listen)).toString('latin1'),
      share: Buffer.concat(p.share.raw.slice(before.share)).toString('latin1'),
    };
    for (const [side, bytes] of Object.entries(seen)) {
      for (const [what, re] of FORBIDDEN) t.false(re.test(bytes), `${what} reached the ${side} terminal`);
    }
    // The helper's terminal answered no query, so nothing it sent reached the shell.
    t.notRegex(p.share.text(), /\[\?1;2c|;\d+R/);
    // The title stayed ours: nobody set it.
    t.false(/pwned-title/.test(seen.listen));
  } finally {
    await p.close();
  }
});
