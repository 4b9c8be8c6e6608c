// known_hosts: parsing, lookup, atomic replace/append that keeps comments, 0600.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { UserError } from '../../src/cli/errors.js';
import { formatHostPort, KnownHosts } from '../../src/tls/known-hosts.js';
import { tmpDir } from './helpers.js';

const A = 'AA:'.repeat(31) + 'AA';
const B = 'BB:'.repeat(31) + 'BB';

test('formatHostPort brackets IPv6 only', (t) => {
  t.is(formatHostPort('::1', 7373), '[::1]:7373');
  t.is(formatHostPort('[::1]', 7373), '[::1]:7373');
  t.is(formatHostPort('127.0.0.1', 7373), '127.0.0.1:7373');
  t.is(formatHostPort('helper.example.org', 1), 'helper.example.org:1');
});

test('a missing file is empty; add creates it 0600 in a 0700 dir', async (t) => {
  const dir = path.join(tmpDir(), 'a', 'shareterm');
  const file = path.join(dir, 'known_hosts');
  const kh = await KnownHosts.load(file);
  t.is(kh.lookup('localhost', 7373), undefined);
  await kh.add('localhost', 7373, A.toLowerCase());
  t.is(kh.lookup('LOCALHOST', 7373), A, 'host names compare case-insensitively, fingerprints canonical');
  t.is(kh.lookup('localhost', 7374), undefined, 'ports are part of the key');
  t.is(fs.statSync(file).mode & 0o777, 0o600);
  t.is(fs.statSync(dir).mode & 0o777, 0o700);
  t.is(fs.readFileSync(file, 'utf8'), `localhost:7373 ${A}\n`);
});

test('add replaces the host line in place and keeps comments and other hosts', async (t) => {
  const file = path.join(tmpDir(), 'known_hosts');
  fs.writeFileSync(file, `# my helpers\n\nh1:1 ${A}\n[::1]:7373 ${A}  # laptop\nh2:2 ${A}\n`);
  const kh = await KnownHosts.load(file);
  t.is(kh.lookup('::1', 7373), A);
  await kh.add('h1', 1, B);
  await kh.add('h3', 3, B);
  t.is(fs.readFileSync(file, 'utf8'), `# my helpers\n\nh1:1 ${B}\n[::1]:7373 ${A}  # laptop\nh2:2 ${A}\nh3:3 ${B}\n`);
  const again = await KnownHosts.load(file);
  t.is(again.lookup('h1', 1), B);
  t.is(again.lookup('h3', 3), B);
  t.is(again.lookup('h2', 2), A);
});

test('add re-reads the file, so entries written by another process survive', async (t) => {
  const file = path.join(tmpDir(), 'known_hosts');
  const first = await KnownHosts.load(file);
  const second = await KnownHosts.load(file);
  await first.add('h1', 1, A);
  await second.add('h2', 2, B);
  const kh = await KnownHosts.load(file);
  t.is(kh.lookup('h1', 1), A);
  t.is(kh.lookup('h2', 2), B);
});

test('a malformed line is an error naming the file and line, not silently skipped', async (t) => {
  const file = path.join(tmpDir(), 'known_hosts');
  fs.writeFileSync(file, `h1:1 ${A}\nh2:2 not-a-fingerprint\n`);
  const err = await t.throwsAsync(KnownHosts.load(file), { instanceOf: UserError });
  t.is(err!.message, `${file} line 2 is not "HOST:PORT SHA256-FINGERPRINT" — fix or delete that line`);
  fs.writeFileSync(file, `h1 ${A}\n`);
  await t.throwsAsync(KnownHosts.load(file), { instanceOf: UserError, message: /line 1/ });
});
