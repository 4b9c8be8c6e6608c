// The string-width bundled in for yargs's help layout (src/cli/string-width.ts).
import test from 'ava';
import stringWidth from '../../src/cli/string-width.js';

test('columns of help-like text', (t) => {
  t.is(stringWidth(''), 0);
  t.is(stringWidth('--fingerprint FP'), 16);
  t.is(stringWidth('[-- COMMAND [ARG…]] — see'), 25);
  t.is(stringWidth('\x1b[1mbold\x1b[22m and \x1b]8;;http://x\x07link\x1b]8;;\x07'), 13, 'escape sequences take no columns');
  t.is(stringWidth('\x1b[1mab', { countAnsiEscapeCodes: true }), 5, 'kept, but ESC itself takes none');
  t.is(stringWidth('日本語'), 6, 'East Asian wide');
  t.is(stringWidth('ｈｉ'), 4, 'fullwidth forms');
  t.is(stringWidth('e\u0301a\u200b'), 2, 'combining and zero-width characters take none');
  t.is(stringWidth('a\tb'), 2, 'controls take none');
});
