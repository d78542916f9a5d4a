import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface TreeEntry {
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  size?: number;
  sha256?: string;
  target?: string;
  mtimeMs?: number;
}

/** A comparable description of a directory tree: every entry with its type, mode, size and content hash. */
export async function describeTree(
  root: string,
  /** 'seconds' compares at one-second resolution, what tar and zip keep. */
  o: { mtimes?: boolean | 'seconds' } = {},
): Promise<Record<string, TreeEntry>> {
  const out: Record<string, TreeEntry> = {};
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const p = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = await lstat(p);
      const mode = st.mode & 0o7777;
      if (st.isSymbolicLink()) out[r] = { type: 'symlink', mode: 0, target: await readlink(p) };
      else if (st.isDirectory()) {
        out[r] = { type: 'dir', mode };
        await walk(p, r);
      } else {
        out[r] = {
          type: 'file',
          mode,
          size: st.size,
          sha256: createHash('sha256')
            .update(await readFile(p))
            .digest('hex'),
          ...(o.mtimes
            ? {
                mtimeMs:
                  o.mtimes === 'seconds' ? Math.floor(st.mtimeMs / 1000) * 1000 : Math.floor(st.mtimeMs),
              }
            : {}),
        };
      }
    }
  };
  await walk(root, '');
  return out;
}
