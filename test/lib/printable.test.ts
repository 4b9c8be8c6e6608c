import test from 'ava';
import { printable } from '../../src/lib/printable.js';
import { cleanLabel } from '../../src/view/text.js';

test('escapes, line breaks and bidirectional overrides from a peer never reach the terminal', (t) => {
  t.is(printable('a\x1b]52;c;aGk=\x07b'), 'a?]52;c;aGk=?b');
  t.is(printable('one\r\ntwo\ttab'), 'one??two?tab');
  t.is(printable('\x9b31m\x7f'), '?31m?', 'C1 CSI and DEL');
  t.is(printable('user\u202egpj.exe'), 'user?gpj.exe', 'right-to-left override');
  t.is(printable('\u2066isolate\u2069'), '?isolate?');
  t.is(printable('café 日本 😀'), 'café 日本 😀', 'ordinary text is left alone');
});

test('a bound counts code points, never splitting a character', (t) => {
  t.is(printable('😀😀😀', 2), '😀😀');
  t.is(printable('abc', 5), 'abc');
  t.is(cleanLabel('x'.repeat(100)).length, 64);
  t.is(cleanLabel('a\x1bb', 2), 'a?');
});
