// Flow control on a fake clock: the window follows rate × RTT, stale acks
// are ignored, and a slow link keeps the window small.
import test from 'ava';
import { FlowControl, INITIAL_WINDOW, MIN_WINDOW, MAX_WINDOW } from '../../src/mux/flow.js';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

test('before any acknowledgement the initial window applies', (t) => {
  const f = new FlowControl(clock().now);
  t.is(f.window, INITIAL_WINDOW);
  f.onSend(INITIAL_WINDOW);
  t.false(f.canSend(1));
  t.is(f.inFlight, INITIAL_WINDOW);
});

test('a slow link (1 Mbit/s, 100 ms RTT) gets a window near its bandwidth-delay product', (t) => {
  const c = clock();
  const f = new FlowControl(c.now);
  const rate = 125; // bytes per ms = 1 Mbit/s
  const rtt = 100; // ms
  // Send in 4 KiB pieces as the window allows; each piece is acked one RTT
  // plus its transmission time later (a link that serialises at `rate`).
  const pending: { end: number; at: number }[] = [];
  let linkFree = c.now();
  let sent = 0;
  for (let step = 0; step < 4000; step++) {
    while (f.canSend(4096)) {
      sent += 4096;
      f.onSend(4096);
      linkFree = Math.max(linkFree, c.now()) + 4096 / rate;
      pending.push({ end: sent, at: linkFree + rtt });
    }
    c.advance(1);
    while (pending.length && pending[0]!.at <= c.now()) f.onAck(pending.shift()!.end);
  }
  const bdp = rate * rtt;
  t.true(f.window >= bdp, `window ${f.window} ≥ BDP ${bdp}`);
  t.true(f.window <= 3 * bdp + MIN_WINDOW, `window ${f.window} stays near 2×BDP`);
  t.true(f.rtt >= rtt && f.rtt < rtt * 2, `rtt ${f.rtt}`);
});

test('a fast link opens the window wide, up to the maximum', (t) => {
  const c = clock();
  const f = new FlowControl(c.now);
  for (let i = 0; i < 200; i++) {
    f.onSend(1 << 20);
    c.advance(1);
    f.onAck((i + 1) * (1 << 20));
  }
  t.is(f.window, 2 << 20); // 1 MiB/ms × 1 ms × 2
  for (let i = 200; i < 400; i++) {
    f.onSend(4 << 20);
    c.advance(1);
    f.onAck(200 * (1 << 20) + (i - 199) * (4 << 20));
  }
  t.is(f.window, MAX_WINDOW);
});

test('stale, duplicate and impossible acknowledgements are ignored', (t) => {
  const c = clock();
  const f = new FlowControl(c.now);
  f.onSend(1000);
  c.advance(10);
  f.onAck(500);
  f.onAck(400);
  f.onAck(500);
  f.onAck(5000);
  t.is(f.inFlight, 500);
  f.onAck(1000);
  t.is(f.inFlight, 0);
  t.true(f.canSend(10 * MAX_WINDOW)); // nothing in flight: anything may go
});

test('after idle the rate is measured from when the bytes were sent', (t) => {
  const c = clock();
  const f = new FlowControl(c.now);
  f.onSend(10000);
  c.advance(50);
  f.onAck(10000);
  c.advance(60000); // a minute of nothing
  f.onSend(20000);
  c.advance(50);
  f.onAck(30000);
  t.true(f.window >= 20000, `window ${f.window} reflects 400 B/ms over a 50 ms RTT`);
});
