// The few checks of node:assert that our dependencies make, for the places
// they are put in its place: yargs (bundled; package.json's
// --alias:assert=…) checks its own arguments with strictEqual and
// notStrictEqual, and blessed's terminfo reader (src/view/caps.ts) checks the
// entry's layout with assert() and assert.equal(). node:assert itself loads
// ~20 internal modules (its error formatting, call tracking, diffing) for
// ~0.2 MB of resident memory in every shareterm process, for checks that pass.

/** What a failed check throws, named as node:assert's is. */
export class AssertionError extends Error {
  override name = 'AssertionError';
  readonly code = 'ERR_ASSERTION';
  constructor(
    message: string,
    readonly actual: unknown,
    readonly expected: unknown,
    readonly operator: string,
  ) {
    super(message);
  }
}

type Message = string | Error | undefined;

function fail(message: Message, actual: unknown, expected: unknown, operator: string, what: string): never {
  if (message instanceof Error) throw message;
  throw new AssertionError(message ?? what, actual, expected, operator);
}

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** Throws unless `value` is truthy. */
export function ok(value: unknown, message?: Message): asserts value {
  if (!value) fail(message, value, true, '==', `The expression evaluated to a falsy value: ${show(value)}`);
}

/** Throws unless `actual == expected`. */
export function equal(actual: unknown, expected: unknown, message?: Message): void {
  // Loose, as node:assert's equal is (blessed compares numbers read from a buffer).
  if (!(actual == expected || (Number.isNaN(actual) && Number.isNaN(expected)))) {
    fail(message, actual, expected, '==', `${show(actual)} == ${show(expected)}`);
  }
}

/** Throws unless `actual` and `expected` are the same value (Object.is). */
export function strictEqual(actual: unknown, expected: unknown, message?: Message): void {
  if (!Object.is(actual, expected)) fail(message, actual, expected, 'strictEqual', `Expected values to be strictly equal: ${show(actual)} !== ${show(expected)}`);
}

/** Throws when `actual` and `expected` are the same value (Object.is). */
export function notStrictEqual(actual: unknown, expected: unknown, message?: Message): void {
  if (Object.is(actual, expected)) fail(message, actual, expected, 'notStrictEqual', `Expected "actual" to be strictly unequal to: ${show(expected)}`);
}

/** `assert(value)`, with the checks above as its properties, as node:assert's default export. */
const assert = Object.assign((value: unknown, message?: Message): void => ok(value, message), {
  ok,
  equal,
  strictEqual,
  notStrictEqual,
  AssertionError,
});

export default assert;
