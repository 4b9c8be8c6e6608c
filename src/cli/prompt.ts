// Asking the person a yes/no question on the terminal (TOFU, listen --ask).

import type { ReadStream, WriteStream } from 'node:tty';

/**
 * Ask `question` and wait for a line; true only for an answer starting with
 * y or Y (the default is no). Resolves false when `signal` aborts.
 */
export function askYesNo(question: string, signal?: AbortSignal, input: ReadStream = process.stdin, output: WriteStream = process.stderr): Promise<boolean> {
  return new Promise((resolve) => {
    output.write(`${question} [y/N] `);
    let line = '';
    const done = (answer: boolean): void => {
      input.off('data', onData);
      signal?.removeEventListener('abort', onAbort);
      if (input.isTTY) input.setRawMode(false);
      input.pause();
      resolve(answer);
    };
    const onAbort = (): void => {
      output.write('\n');
      done(false);
    };
    const onData = (d: Buffer): void => {
      for (const ch of d.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          output.write('\n');
          done(/^\s*y/i.test(line));
          return;
        }
        if (ch === '\x03' || ch === '\x04') {
          output.write('\n');
          done(false);
          return;
        }
        if (ch === '\x7f' || ch === '\b') {
          if (line.length > 0) {
            line = line.slice(0, -1);
            output.write('\b \b');
          }
          continue;
        }
        if (ch >= ' ' && line.length < 16) {
          line += ch;
          output.write(ch);
        }
      }
    };
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort);
    // Raw mode so Ctrl-C answers "no" instead of killing the process mid-question.
    if (input.isTTY) input.setRawMode(true);
    input.on('data', onData);
    input.resume();
  });
}
