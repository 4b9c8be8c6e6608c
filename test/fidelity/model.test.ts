// Fidelity, in one process (issue 3): for every stream of the corpus, what a
// helper's terminal shows equals, cell for cell, a model fed the same bytes
// directly. The stream is fed in pty-like chunks to the window's model;
// helpers join at several points (a snapshot at the start, a third of the
// way, two thirds, the end), each following the snapshot/stream contract,
// drawing through our Viewer and Renderer onto an emulated terminal of the
// same size or larger, with every capability or with what xterm-256color +
// COLORTERM=truecolor gets. At checkpoints through the stream (so frames are
// diffs from the last) each helper is checked three ways, reported apart so
// that one broken link does not hide another (and more replicas, not drawn,
// join at REPLICAS further points for the snapshot check alone):
//   screen    its terminal's window area equals the replica it draws from
//             (Viewer + Renderer)
//   cursor    its terminal's cursor and mirrored modes equal the replica's
//   snapshot  the replica equals the directly-fed window (TermModel's
//             snapshot and the stream after it)
// Together: the helper's screen equals the directly-fed window.
import test from 'ava';
import { TermModel } from '../../src/mux/term.js';
import { detectCaps, type Caps } from '../../src/view/caps.js';
import { FULL } from '../view/helpers.js';
import { CORPUS, loadStream, type Stream } from './corpus.js';
import { HelperView, Replica, chunk, cursorAndModesDiff, flushed, gridOf, lastAltExit, replicaDiff, screenDiff } from './pipeline.js';

/** What the e2e helper's terminal (xterm-256color, COLORTERM=truecolor, UTF-8) is drawn with. */
const XTERM: Caps = detectCaps({ TERM: 'xterm-256color', COLORTERM: 'truecolor', LANG: 'C.UTF-8' });
/** About this many checkpoints per stream. */
const CHECKPOINTS = 40;
/** Replicas (snapshot check only, not drawn) joining at evenly spaced points. */
const REPLICAS = 16;

interface Join {
  /** Where in the stream the helper joins, as a fraction of the chunks (1: after the last). */
  at: number;
  caps: Caps;
  capsName: string;
  /** Columns and rows of the helper's terminal beyond the window and its status bar. */
  extra: [number, number];
}

const JOINS: Join[] = [
  { at: 0, caps: FULL, capsName: 'full caps', extra: [0, 0] },
  { at: 1 / 3, caps: XTERM, capsName: 'xterm-256color', extra: [17, 6] },
  { at: 2 / 3, caps: FULL, capsName: 'full caps', extra: [3, 0] },
  { at: 1, caps: XTERM, capsName: 'xterm-256color', extra: [0, 0] },
];

type Check = 'screen' | 'cursor' | 'snapshot';

const TITLES: Record<Check, string> = {
  screen: "each helper's screen equals, cell for cell, the replica it draws from",
  cursor: "each helper's cursor and mirrored modes equal the replica's",
  snapshot: 'each replica equals the directly-fed window',
};

/*
 * Known discrepancies, each a limit outside the test. A check listed here is
 * expected to fail (ava's test.failing): when it is fixed it passes, and ava
 * asks for the entry to be removed. (The eight snapshot and viewer bugs this
 * table first held were fixed by serializing snapshots ourselves.)
 */
const WIDE_NOWRAP = 'xterm.js: a wide character with no room at the right margin under DECAWM off leaves the previous wide character\'s head before a width-1 blank, a half pair that no byte stream rebuilds (snapshot) and that the renderer draws as a blank, as it draws every half pair';

const KNOWN: Record<string, Partial<Record<Check, string>>> = {
  'wide-nowrap': { snapshot: WIDE_NOWRAP },
};

function seedOf(name: string): number {
  let h = 2166136261;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** The first failure of each check for each helper, over the whole stream. */
type Result = Record<Check, string[]>;

/** Feed one stream through window, helpers and their terminals, checking at every checkpoint. */
async function run(s: Stream): Promise<Result> {
  const bytes = loadStream(s.name);
  // Chunks end exactly where the program leaves the alternate screen for
  // the last time, so its last full screen is a checkpoint.
  const cut = lastAltExit(bytes);
  const chunks = cut > 0 ? [...chunk(bytes.subarray(0, cut), seedOf(s.name)), ...chunk(bytes.subarray(cut), seedOf(s.name) + 1)] : chunk(bytes, seedOf(s.name));
  const every = Math.max(1, Math.ceil(chunks.length / CHECKPOINTS));
  const window = new TermModel({ cols: s.cols, rows: s.rows, scrollback: 5000 });
  const helpers: Replica[] = [];
  // As Window does: a stalled sequence is broken off for the model and live replicas alike.
  window.breakStall = () => {
    const can = Uint8Array.of(0x18);
    for (const h of helpers) if (h.live) h.forward(can);
    window.write(can);
  };
  const failed = new Map<string, string>(); // `${check}: ${label}` → first failure
  const joinAt = JOINS.map((j) => Math.min(chunks.length, Math.round(j.at * chunks.length)));
  const replicaAt = Array.from({ length: REPLICAS }, (_, k) => Math.round(((k + 1) / (REPLICAS + 1)) * chunks.length));
  let offset = 0;

  const fail = (check: Check, h: Replica, d: string): void => {
    const key = `${check}: ${h.label}`;
    if (d && !failed.has(key)) failed.set(key, `${key}, after byte ${offset} of ${bytes.length}: ${d}`);
  };
  const check = async (): Promise<void> => {
    await flushed(window);
    for (const h of helpers) {
      if (!h.live) continue; // the snapshot waits for a settled point
      const replica = h.replica!;
      await flushed(replica);
      fail('snapshot', h, replicaDiff(replica, window));
      if (!(h instanceof HelperView)) continue;
      // A program in synchronized output is drawing a frame: the viewer rightly waits.
      if (replica.modes().syncOutput) continue;
      await h.draw();
      fail('screen', h, screenDiff(gridOf(h.screen), gridOf(replica), s.cols, s.rows, h.caps));
      fail('cursor', h, cursorAndModesDiff(h.screen, replica));
    }
  };

  try {
    for (let i = 0; i <= chunks.length; i++) {
      JOINS.forEach((j, k) => {
        if (joinAt[k] !== i) return;
        const label = `helper joining at ${Math.round(j.at * 100)}% (${j.capsName}, terminal ${s.cols + j.extra[0]}x${s.rows + 1 + j.extra[1]})`;
        helpers.push(new HelperView(label, window, j.caps, s.cols + j.extra[0], s.rows + 1 + j.extra[1]));
      });
      replicaAt.forEach((at, k) => {
        if (at === i) helpers.push(new Replica(`replica joining at ${Math.round(((k + 1) / (REPLICAS + 1)) * 100)}%`, window));
      });
      if (i === chunks.length) break;
      const c = chunks[i]!;
      // As Window.output: clients first, then the model, which may parse at
      // once and hand a waiting client a snapshot that already includes c.
      for (const h of helpers) if (h.live) h.forward(c);
      window.write(c);
      offset += c.length;
      if (i % every === every - 1 || offset === cut) await check();
    }
    await check();
    const notLive = helpers.filter((h) => !h.live).map((h) => `snapshot: ${h.label} never got its snapshot`);
    const all = [...failed.values()];
    return {
      screen: all.filter((f) => f.startsWith('screen')),
      cursor: all.filter((f) => f.startsWith('cursor')),
      snapshot: [...notLive, ...all.filter((f) => f.startsWith('snapshot'))],
    };
  } finally {
    for (const h of helpers) h.dispose();
    window.dispose();
  }
}

const results = new Map<string, Promise<Result>>();

for (const s of CORPUS) {
  for (const check of ['screen', 'cursor', 'snapshot'] as Check[]) {
    const known = KNOWN[s.name]?.[check];
    const declare = known ? test.failing : test;
    declare(`${s.name}: ${TITLES[check]}`, async (t) => {
      let r = results.get(s.name);
      if (!r) results.set(s.name, (r = run(s)));
      const failures = (await r)[check];
      if (known) t.log(`known: ${known}`);
      t.deepEqual(failures, [], `${s.name} (${s.what})`);
    });
  }
}
