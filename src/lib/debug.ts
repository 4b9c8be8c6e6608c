// Opt-in tracing for diagnosing timing (SHARETERM_DEBUG_LOG=FILE): one line
// per event with a millisecond clock. Costs nothing when the variable is unset.

import fs from 'node:fs';

const file = process.env.SHARETERM_DEBUG_LOG;

/** Append an event to the trace, when tracing is on. */
export const trace: ((what: string) => void) | undefined = file
  ? (what: string): void => {
      try {
        fs.appendFileSync(file, `${process.pid} ${((performance.timeOrigin + performance.now()) % 1e6).toFixed(1)} ${what}\n`);
      } catch {
        // Tracing must never break the program.
      }
    }
  : undefined;
