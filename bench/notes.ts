// How the figures were taken: the methods section of BENCHMARKS.md.

import type { Settings } from './report.js';

export function notes(st: Settings): string {
  return `## How the figures are taken

Code: \`bench/\` (workloads in \`bench/workloads.ts\`, the systems in
\`bench/systems.ts\`), the link emulator in \`test/helpers/netem.ts\`.

**The systems.** Each is started fresh for every measurement, bash
(\`--norc\`, prompt \`$ \`) in it, every terminal 120×40, \`TERM=xterm-256color\`.
- *plain pty*: bash in a pty; that pty is both the user's and the helper's terminal.
- *node relay (floor)*: not a product: two node processes relaying raw bytes
  over TLS with TCP_NODELAY (\`bench/relay.ts\`): the helper's in its pty,
  listening; the user's in another, dialling, with bash on a node-pty (keys
  written to it synchronously, as shareterm does, not through node-pty's
  thread pool) and its output going to both. No framing, model, drawing or
  flow control: what node's streams, TLS and two processes cost before any
  of shareterm's own work, the floor for any design made of two node processes. (It writes what
  the peer sends straight to the terminal, which shareterm never does.)
- *tmux socket*: a tmux server on a private socket (\`-S\`, \`-f /dev/null\`), session
  120×40, two clients attached each in its own pty: the user's and the helper's.
- *seed*: the 2010 scripts. User: the tmux session with its own client, plus
  \`socat SYSTEM:'stty rows 40 cols 120; exec tmux attach',pty,raw,echo=0,setsid,ctty
  OPENSSL-CONNECT:127.0.0.1:PORT,verify=0\` (the \`stty\` because socat's pty
  starts at 0×0). Helper: \`socat OPENSSL-LISTEN:PORT,cert=…,key=…,verify=0,reuseaddr
  STDIO,raw,echo=0\` in a pty, which is the helper's terminal.
- *shareterm*: the real CLI, \`listen -p 0 --host 127.0.0.1\` in one pty (the
  helper's terminal) and \`share 127.0.0.1 PORT --fingerprint FP -- bash\` in
  another (the user's). It runs \`dist/\` as built at the time of the run.

**The terminals.** Every terminal is a real pty read by the benchmark process
and emulated there with shareterm's own \`TermModel\` (xterm headless, as in
the e2e harness), which also answers terminal queries. A terminal stops
reading its pty while 4 MiB wait to be parsed, as a real one falls behind.
Times are \`performance.now()\` in that process, from the write of a key to
the pty to the moment the screen shows the effect, checked after every chunk
is parsed (no polling). Latencies count to the arrival of the bytes that
completed the change, as a terminal that parses on read would show them (a
model that defers parsing to a timer tick is not charged for it); throughput
counts to the end of their parse, since a terminal must parse all it is sent.

**Throughput.** A ${st.sizeMiB} MiB file of generated coloured text (log lines with
dim times and coloured levels, \`ls --color\` columns, 256-colour words, prose;
deterministic, \`bench/data.ts\`), \`cat FILE; echo END…\` typed on the user's
side; the clock runs from Enter to the end marker on the helper's emulated
screen. While it runs the user's terminal reads and discards what it gets (an
infinitely fast terminal), so the one emulating process spends its time on
the helper's screen, the one timed. tmux and shareterm draw screens rather
than forward the stream: "bytes drawn per output byte" shows how much reached
the helper's terminal. CPU per process comes from \`/proc/PID/stat\` over the
same interval, and its main thread's from \`/proc/PID/task/PID/stat\` (for
node, the rest is V8's optimizing compiler and concurrent GC on other threads,
which compete for the two cores with \`cat\` and the kernel's tty work). The plain pty column is the speed at which the emulator here
(xterm headless) parses this text: a ceiling for any program that must parse
every byte into one such model. shareterm's \`share\` parses only what is not
pushed out of its history (\`--scrollback\`, 2000 lines) by what follows before
anyone could see it (the rest is skipped, ending in the same state; in a flood
it waits up to 50 ms to find out), and \`listen\` parses the frames it is sent.
Each system's figure is its first flood after start-up, the idle seconds and
the echo test. For shareterm that flood runs code V8 has not optimised yet: it
compiles the flood path while the flood runs, on the same two cores (most of
share's CPU on threads other than its main one is that). A second flood right
after the first ran at 30–40 MiB/s in probes on this machine, against 18–25 for
the first. Warming the path up at start-up does not carry over to a flood that
comes later: V8 lets unused code go in the idle collections before it.

**Echo.** ${st.keys} keys at the bash prompt, one at a time, the next 20–40 ms
after the echo of the last (a fast typist; longer than a 16 ms frame), the line
cleared with C-u every 80 keys. Each sample: from the write of the key on one
side to its echo on that side's cursor line. The table gives the median over
rounds of each round's p50/p95/p99. The node relay's echo is the floor for
any design made of two node processes talking TLS (the SPEC's stack): where
it is above tmux's, as on this machine, no such design can bring the echo
below tmux's. Both pass the key through the same four turns of a process
(in and out of each of two processes): the relay's column against tmux's
is what those turns cost in node and TLS rather than in C over a Unix socket.

**Ctrl-C on a slow link.** The link emulator (a TCP proxy, 50 ms one-way delay,
125 000 bytes/s = 1 Mbit/s of payload, 64 KiB bottleneck queue, each direction)
sits between the sides: between the two socats, between share and listen.
tmux and the plain pty have no network (n/a). \`PS1=<fresh>; while :; do cat
FILE; done\` runs for ${st.floodSeconds} s, then the helper types C-c; the clock runs until
the fresh prompt is a line of the helper's screen, or gives up after ${st.capSeconds} s
("did not recover"). A proxy cannot drop bytes of a TCP stream, so a full queue
stops it reading from the sender instead (TCP backpressure). The sender's
kernel then holds what it has accepted: on loopback Linux lets a send buffer
grow to \`tcp_wmem\` max (4 MiB here; measured: a raw sender gets ~4 MB ahead of a
1 Mbit/s reader), where a real 1 Mbit/s path would hold about a congestion
window (~100–300 KiB). So a pipeline that writes as fast as its socket takes
it — the seed — sees a far longer backlog here than on a real slow link (the
SPEC's anchor of 1.2 s for the seed was not reproduced this way). A sender
that bounds its unacknowledged bytes near one round trip (SPEC §3) is not
affected: its backlog is its window, not the kernel's buffers.

**Wire bytes.** The same proxy without limits counts payload bytes both ways
(TLS records included, TCP/IP headers not) from Enter until 1 s after the
end marker, divided by the bytes the program wrote. Two floods: a steady one
(${st.pacedMiB} MiB of the text at ${st.pacedRate} MiB/s, from a small node script in the
session), which the link could carry whole; and the \`cat\` of ${st.sizeMiB} MiB as fast
as it goes. Both are floods to shareterm (over 64 KiB at once, then over
256 KiB/s): the helper is sent the current screen 30 times a second, not the
bytes (as tmux sends its clients redraws), and the whole history only when it
scrolls back (\`C-b [\`, not measured here). For reference, the
steady flood's own bytes deflate (zlib, one stream) to ${st.deflated.best.toFixed(3)} of their size at
level 9 and ${st.deflated.fast.toFixed(3)} at level 1: compressing the stream alone cannot go
much below that on this text.

**Idle.** Both networked systems at once, each through a counting proxy, 3 s
after they are up, then ${st.idleSeconds} s with nothing typed or printed: bytes both ways
per second (keepalives, status-bar clocks).

**Memory.** \`VmRSS\` from \`/proc/PID/status\` of every process of a system, 1 s
after the session is up (start-up), then after ${st.settleSeconds} s more with nothing typed
or printed (idle, one window: the target); \`VmHWM\` (peak) after the echo and
the throughput flood, and \`VmRSS\` again ${st.settleSeconds} s after them (idle after use).
A node process is not idle 1 s after start-up: V8 still holds start-up garbage
and a young generation grown for it, and gives them back once the process is
quiet (V8's own memory reducer ~8 s after start-up; after a burst, shareterm
asks for V8's memory-pressure collections, which also let go of code that
no longer runs, then trims the C heap with \`malloc_trim\`, src/lib/idle-gc.ts).
After a flood, share keeps its history as the output that rebuilds it
(~250 KB here, held deflated: ~70 KB) instead of as xterm.js's lines (12 bytes a cell and a few
objects a line: ~3.7 MB for 2000 lines of 120), until someone reads it
(src/mux/term.ts, shedHistory and freezeRun).
The CLI caps glibc's C heap arenas as it starts, so V8's helper threads
share the existing ones instead of keeping one each (src/lib/native-memory.ts);
it is a CommonJS bundle, so Node's ES module loader is never loaded
(bin/shareterm.cjs).
MB are 10^6 bytes.

**Start-up.** Wall time of \`node bin/shareterm.cjs --help\` and of \`node -e 0\`,
interleaved, after one warm-up each; the difference of the medians.

**Noise.** The machine has 2 cores and was shared with other work (see the
load averages above): systems are interleaved within each round and the
table gives medians over rounds. "Every round" shows the spread. When the
load drifts during a run, the ratio of two medians can come from rounds
taken under different loads; the row under the throughput pairs each
round's shareterm figure with the other system's in the same round
instead, and gives the median of those ratios.
`;
}
