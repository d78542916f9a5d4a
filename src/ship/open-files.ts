import { readdir, readFile, readlink } from 'node:fs/promises';

/**
 * Paths under `roots` that some process has open for writing, read from
 * /proc/<pid>/fd and fdinfo (Linux). A file still being written is not finished,
 * so reconciliation leaves it to its close event. Processes we may not inspect are skipped.
 */
export async function openForWriting(roots: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  const pids = await readdir('/proc').catch(() => [] as string[]);
  for (const pid of pids) {
    if (!/^\d+$/.test(pid) || pid === String(process.pid)) continue;
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => undefined);
      if (!target || !roots.some((r) => target === r || target.startsWith(`${r}/`))) continue;
      const info = await readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8').catch(() => '');
      const flags = /flags:\s*([0-7]+)/.exec(info)?.[1];
      if (flags && (parseInt(flags, 8) & 0o3) !== 0) out.add(target);
    }
  }
  return out;
}
