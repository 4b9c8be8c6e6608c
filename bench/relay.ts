// The benchmark's "node relay": the least any design of two node processes
// over TLS can do, as a floor to read shareterm's figures against. It is not
// a product and never ships (dist/bench is left out of the package): it
// writes what the peer sends straight to its terminal, which shareterm must
// never do, and it does not verify the certificate.
//
//   node relay.js helper CERT KEY   listen on 127.0.0.1 (port printed), then
//                                   relay the terminal's keys to the socket and
//                                   the socket's bytes to the terminal.
//   node relay.js user PORT CMD…    dial, run CMD on a pty, and relay: keys
//                                   from the terminal and from the socket to the
//                                   pty, the pty's output to both.
//
// No framing, no terminal model, no drawing, no flow control: raw bytes both
// ways, TCP_NODELAY, what node's streams and TLS cost and nothing else. Keys
// go to the pty with a synchronous write on the main thread, as shareterm's
// own pty does (node-pty's write() goes through the thread pool: a worker's
// wake-up and one back per key).

import fs from 'node:fs';
import tls from 'node:tls';
import { createRequire } from 'node:module';

const pty = createRequire(import.meta.url)('node-pty') as typeof import('node-pty');

const [mode, ...args] = process.argv.slice(2);

if (mode === 'helper') {
  const [cert, key] = args as [string, string];
  const server = tls.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, (sock) => {
    server.close();
    sock.setNoDelay(true);
    process.stdin.setRawMode(true);
    process.stdin.on('data', (d: Buffer) => sock.write(d));
    sock.on('data', (d: Buffer) => process.stdout.write(d));
    sock.on('close', () => process.exit(0));
    sock.on('error', () => process.exit(1));
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    process.stdout.write(`relay listening on ${port}\r\n`);
  });
} else if (mode === 'user') {
  const [port, file, ...cmd] = args as [string, string, ...string[]];
  const sock = tls.connect({ host: '127.0.0.1', port: Number(port), rejectUnauthorized: false }, () => {
    sock.setNoDelay(true);
    const p = pty.spawn(file, cmd, {
      cols: process.stdout.columns || 80,
      rows: process.stdout.rows || 24,
      env: process.env as Record<string, string>,
    });
    // The master side's fd (node-pty's own, non-blocking). A key is a few
    // bytes and the pty's input queue is 4 KiB: a short write would be a
    // paste into a program that reads nothing, which this relay never gets.
    const fd = (p as unknown as { fd: number }).fd;
    const toPty = (d: Buffer): void => {
      try {
        fs.writeSync(fd, d);
      } catch {
        // EAGAIN (that paste), EIO (the program is gone): dropped; a floor, not a product.
      }
    };
    process.stdin.setRawMode(true);
    process.stdin.on('data', toPty);
    sock.on('data', toPty);
    p.onData((d) => {
      process.stdout.write(d);
      sock.write(d);
    });
    p.onExit(() => process.exit(0));
    sock.on('close', () => p.kill());
  });
  sock.on('error', () => process.exit(1));
} else {
  process.stderr.write('usage: relay.js helper CERT KEY | user PORT CMD…\n');
  process.exit(2);
}
