// One rule for text that came from a peer or a person and is about to be
// printed on a terminal (certificate names, session and window names, a
// peer's reasons): it must not carry escapes, must stay on one line, and
// must not reorder what surrounds it.

/** C0 and C1 controls, DEL, and bidirectional embeddings, overrides and isolates. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every unsafe character replaced by '?', cut to `max` code points when given. */
export function printable(text: string, max?: number): string {
  const out = text.replace(UNSAFE, '?');
  if (max === undefined || out.length <= max) return out;
  return [...out].slice(0, max).join('');
}
