// The link emulator: delay and rate roughly as asked (generous bounds, the
// machine is shared), a bounded queue that pushes back on the sender, exact
// byte counts, and cut / freeze / stop and start accepting.
import test from 'ava';
import net from 'node:net';
import { once } from 'node:events';
import { Netem } from './netem.js';

/** A server on port 0 that echoes, or counts what it gets. */
async function server(mode: 'echo' | 'sink'): Promise<{ port: number; got: () => number; close: () => void }> {
  let got = 0;
  const socks = new Set<net.Socket>();
  const s = net.createServer((c) => {
    socks.add(c);
    c.on('error', () => {});
    c.on('close', () => socks.delete(c));
    c.on('data', (d: Buffer) => {
      got += d.length;
      if (mode === 'echo') c.write(d);
    });
  });
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return {
    port: (s.address() as net.AddressInfo).port,
    got: () => got,
    close: () => {
      for (const c of socks) c.destroy();
      s.close();
    },
  };
}

async function dial(port: number): Promise<net.Socket> {
  const c = net.connect({ port, host: '127.0.0.1', noDelay: true });
  c.on('error', () => {});
  await once(c, 'connect');
  return c;
}

async function waitUntil(cond: () => boolean, timeout = 10000): Promise<void> {
  const end = Date.now() + timeout;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('a round trip takes both one-way delays', async (t) => {
  const echo = await server('echo');
  const link = await Netem.start({ target: { port: echo.port }, link: { delayMs: 50 } });
  const c = await dial(link.port);
  try {
    const rtts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      c.write('x');
      await once(c, 'data');
      rtts.push(performance.now() - t0);
    }
    const best = Math.min(...rtts);
    t.true(best >= 98, `round trip ${best.toFixed(1)} ms, expected about 100`);
    t.true(best < 1000, `round trip ${best.toFixed(1)} ms, expected about 100`);
  } finally {
    c.destroy();
    await link.close();
    echo.close();
  }
});

test('the rate limit serialises bytes at about the rate asked', async (t) => {
  const sink = await server('sink');
  const link = await Netem.start({ target: { port: sink.port }, forward: { rate: 100_000, queue: 16 << 10 } });
  const c = await dial(link.port);
  try {
    const n = 100_000; // one second's worth
    const t0 = performance.now();
    c.write(Buffer.alloc(n, 0x61));
    await waitUntil(() => sink.got() >= n);
    const s = (performance.now() - t0) / 1000;
    t.true(s >= 0.8, `${n} bytes at 100 kB/s took ${s.toFixed(2)} s, expected about 1`);
    t.true(s < 5, `${n} bytes at 100 kB/s took ${s.toFixed(2)} s, expected about 1`);
    t.is(link.stats().forward.delivered, n);
  } finally {
    c.destroy();
    await link.close();
    sink.close();
  }
});

test('a full queue stops reading from the sender instead of growing', async (t) => {
  const sink = await server('sink');
  const queue = 16 << 10;
  const link = await Netem.start({ target: { port: sink.port }, forward: { rate: 10_000, queue } });
  const c = await dial(link.port);
  try {
    c.write(Buffer.alloc(8 << 20, 0x62)); // far more than the kernel buffers hold
    await new Promise((r) => setTimeout(r, 500));
    const st = link.stats().forward;
    // At most the queue plus the one read that crossed it, plus what the link sent meanwhile.
    t.true(st.maxQueued >= queue, `the queue filled (${st.maxQueued})`);
    t.true(st.maxQueued <= queue + (64 << 10), `queue ${st.maxQueued} bytes, limit ${queue}`);
    t.true(st.received <= queue + (64 << 10) + 20_000, `read ${st.received} bytes from the sender`);
    t.true(c.writableLength > 0, 'the sender is pushed back');
  } finally {
    c.destroy();
    await link.close();
    sink.close();
  }
});

test('counts every byte both ways on an unlimited link', async (t) => {
  const echo = await server('echo');
  const link = await Netem.start({ target: { port: echo.port } });
  const c = await dial(link.port);
  try {
    let back = 0;
    c.on('data', (d: Buffer) => (back += d.length));
    c.write(Buffer.alloc(1 << 20, 0x63));
    await waitUntil(() => back >= 1 << 20);
    const st = link.stats();
    t.is(st.forward.received, 1 << 20);
    t.is(st.forward.delivered, 1 << 20);
    t.is(st.reverse.delivered, 1 << 20);
    link.resetCounters();
    t.is(link.stats().forward.received, 0);
  } finally {
    c.destroy();
    await link.close();
    echo.close();
  }
});

test('cut resets connections; stopped, it refuses; started again, it accepts on the same port', async (t) => {
  const echo = await server('echo');
  const link = await Netem.start({ target: { port: echo.port } });
  try {
    const port = link.port;
    const c = await dial(port);
    c.write('a');
    await once(c, 'data');
    const closed = new Promise<NodeJS.ErrnoException | undefined>((r) => {
      let err: NodeJS.ErrnoException | undefined;
      c.on('error', (e) => (err = e));
      c.on('close', () => r(err));
    });
    link.cut();
    t.is((await closed)?.code, 'ECONNRESET');
    t.is(link.stats().open, 0);

    await link.stopAccepting();
    const refused = net.connect({ port, host: '127.0.0.1' });
    const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    t.is(err.code, 'ECONNREFUSED');

    await link.startAccepting();
    t.is(link.port, port);
    const d = await dial(port);
    d.write('b');
    const [back] = (await once(d, 'data')) as [Buffer];
    t.is(back.toString(), 'b');
    d.destroy();
  } finally {
    await link.close();
    echo.close();
  }
});

test('a frozen path holds every byte until thawed', async (t) => {
  const echo = await server('echo');
  const link = await Netem.start({ target: { port: echo.port } });
  const c = await dial(link.port);
  try {
    let back = '';
    c.on('data', (d: Buffer) => (back += d.toString()));
    link.freeze();
    c.write('held');
    await new Promise((r) => setTimeout(r, 200));
    t.is(back, '');
    t.is(echo.got(), 0);
    link.thaw();
    await waitUntil(() => back === 'held');
    t.pass();
  } finally {
    c.destroy();
    await link.close();
    echo.close();
  }
});
