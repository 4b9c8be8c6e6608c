// Errors a person can fix: one line that names the problem and what to do.
// The CLI prints `shareterm: <message>` and exits non-zero, never a stack trace.

/** A mistake or condition the person at the keyboard can fix (SPEC §4). */
export class UserError extends Error {
  /** Process exit status for this failure (1 unless a command says otherwise). */
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}

/** True for errors that should be shown as one line rather than a stack trace. */
export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}
