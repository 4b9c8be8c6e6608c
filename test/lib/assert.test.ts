// The stand-in for node:assert that yargs and blessed's terminfo reader get
// (src/lib/assert.ts): it must pass what node:assert passes and throw where
// it throws, for the calls they make.
import test from 'ava';
import * as real from 'node:assert';
import assert, { AssertionError, equal, notStrictEqual, ok, strictEqual } from '../../src/lib/assert.js';

/** Whether `f` throws. */
const throws = (f: () => void): boolean => {
  try {
    f();
    return false;
  } catch {
    return true;
  }
};

test('each check passes and throws where node:assert does', (t) => {
  const values: unknown[] = [0, 1, -0, NaN, '', '0', '1', 'a', null, undefined, true, false, [], {}];
  for (const a of values) {
    t.is(throws(() => ok(a)), throws(() => real.ok(a)), `ok(${String(a)})`);
    t.is(throws(() => assert(a)), throws(() => real.default(a)), `assert(${String(a)})`);
    for (const b of values) {
      const what = `(${typeof a} ${String(a)}, ${typeof b} ${String(b)})`;
      t.is(throws(() => equal(a, b)), throws(() => real.equal(a, b)), `equal${what}`);
      t.is(throws(() => strictEqual(a, b)), throws(() => real.strictEqual(a, b)), `strictEqual${what}`);
      t.is(throws(() => notStrictEqual(a, b)), throws(() => real.notStrictEqual(a, b)), `notStrictEqual${what}`);
    }
  }
});

test('a failed check throws an AssertionError with the message given, or the Error given', (t) => {
  const e = t.throws(() => strictEqual(1, 2, 'one is not two'), { instanceOf: AssertionError });
  t.is(e?.message, 'one is not two');
  t.is(e?.name, 'AssertionError');
  t.is((e as AssertionError | undefined)?.code, 'ERR_ASSERTION');
  t.is((e as AssertionError | undefined)?.actual, 1);
  t.is((e as AssertionError | undefined)?.expected, 2);
  t.regex(t.throws(() => assert.equal(3, '4'))?.message ?? '', /3 == "4"/, 'a message naming both values by default');
  const mine = new RangeError('mine');
  t.is(t.throws(() => notStrictEqual('x', 'x', mine)), mine);
  t.notThrows(() => assert.equal(1, '1'), 'loose, as node:assert.equal is');
});
