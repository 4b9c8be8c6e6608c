// glibc's thread arenas in a process, read from /proc/PID/maps: each is a
// 64 MiB-aligned, 64 MiB anonymous reservation whose used part is
// read-write (the main arena is the brk heap, not counted).

import fs from 'node:fs';

/** Thread arenas in process `pid` (default: this one). */
export function threadArenas(pid: number | 'self' = 'self'): number {
  const maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8').trim().split('\n').map((l) => {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ (\d+)\s*(.*)$/.exec(l)!;
    return { lo: parseInt(m[1]!, 16), hi: parseInt(m[2]!, 16), perm: m[3]!, anon: m[4] === '0' && !m[5] };
  });
  let n = 0;
  maps.forEach((a, i) => {
    const b = maps[i + 1];
    if (!a.anon || a.perm !== 'rw-p' || a.lo % 2 ** 26 !== 0) return;
    const end = b && b.anon && b.lo === a.hi && b.perm === '---p' ? b.hi : a.hi;
    if (end - a.lo === 2 ** 26) n++;
  });
  return n;
}
