// Opt-in tracing for diagnosing timing (SHARETERM_DEBUG_LOG=FILE): one line
// per event with a millisecond clock. Costs nothing when the variable is unset.
// Lines are kept in memory and written every half second and at exit, so
// tracing barely disturbs the timings it records.

import fs from 'node:fs';

const file = process.env.SHARETERM_DEBUG_LOG;
let lines: string[] = [];

function writeOut(): void {
  if (!file || lines.length === 0) return;
  try {
    fs.appendFileSync(file, lines.join(''));
  } catch {
    // Tracing must never break the program.
  }
  lines = [];
}

if (file) {
  setInterval(writeOut, 500).unref();
  process.on('exit', writeOut);
}

/** Append an event to the trace, when tracing is on. */
export const trace: ((what: string) => void) | undefined = file
  ? (what: string): void => {
      lines.push(`${process.pid} ${((performance.timeOrigin + performance.now()) % 1e6).toFixed(3)} ${what}\n`);
    }
  : undefined;
