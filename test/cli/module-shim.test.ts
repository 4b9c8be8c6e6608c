// node:module as the CommonJS bundle sees it (src/cli/module-shim.ts, put in
// its place by package.json's build): built here the same way, then used
// from CommonJS in a fresh process.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const esbuild = path.join(root, 'node_modules', '.bin', 'esbuild');

test("createRequire gives the bundle's own require for its own URL, Node's for any other base, and never loads node:module", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shareterm-shim-'));
  const built = spawnSync(esbuild, [
    path.join(root, 'dist', 'src', 'cli', 'module-shim.js'),
    '--bundle', '--format=cjs', '--platform=node', `--outfile=${path.join(dir, 'shim.cjs')}`,
    `--inject:${path.join(root, 'dist', 'src', 'cli', 'import-meta-url.js')}`, '--define:import.meta.url=importMetaUrl', '--log-level=warning',
  ], { encoding: 'utf8' });
  t.is(built.status, 0, built.stderr);
  fs.writeFileSync(path.join(dir, 'use.cjs'), `
    const { createRequire } = require('./shim.cjs');
    const url = require('url');
    const own = createRequire(url.pathToFileURL(require.resolve('./shim.cjs')).href);
    const other = createRequire(${JSON.stringify(path.join(root, 'package.json'))});
    console.log(JSON.stringify({
      own: own.resolve('./shim.cjs'),
      other: other.resolve('node-pty'),
      loader: process.moduleLoadList.includes('NativeModule internal/modules/esm/loader'),
      module: process.moduleLoadList.includes('NativeModule module'),
    }));
  `);
  const r = spawnSync(process.execPath, [path.join(dir, 'use.cjs')], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout) as { own: string; other: string; loader: boolean; module: boolean };
  t.is(o.own, path.join(dir, 'shim.cjs'), 'resolves from the bundle');
  t.is(o.other, path.join(root, 'node_modules', 'node-pty', 'lib', 'index.js'), 'resolves from the base given');
  t.false(o.module, 'node:module not loaded');
  t.false(o.loader, 'nor the ES module loader');
  fs.rmSync(dir, { recursive: true, force: true });
});
