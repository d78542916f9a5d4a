import { lstat, mkdir, realpath, rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { errnoCode, fromFsError } from './errors.js';

/** Whether the real path `real` is `root` or under it. */
export const holds = (root: string, real: string): boolean =>
  real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);

/**
 * Makes the directory `dir` under the real path `root`, one level at a time:
 * `mkdir -p` would follow a symlink out of `root` and make directories there
 * before anything could be checked. A symlink on the way must lead to a
 * directory inside `root`, or `refuse(at)` is thrown; a file on the way is
 * replaced by a directory. A caller that undoes its work when it fails passes
 * `displace` (moves such a file aside instead of deleting it) and `made`
 * (told of each directory made).
 */
export async function mkdirInside(
  root: string,
  dir: string,
  refuse: (at: string) => Error,
  o: { displace?: (path: string) => Promise<void>; made?: (path: string) => void } = {},
): Promise<void> {
  const displace = o.displace ?? ((path: string) => rm(path, { force: true }));
  const rel = relative(root, dir);
  if (rel.startsWith('..') || rel.startsWith(sep)) throw refuse(dir);
  let at = root;
  for (const part of rel === '' ? [] : rel.split(sep)) {
    at = join(at, part);
    const st = await lstat(at).catch(() => undefined);
    if (st?.isDirectory()) continue;
    if (st?.isSymbolicLink()) {
      const real = await realpath(at).catch(() => undefined);
      if (real !== undefined && holds(root, real) && (await lstat(real)).isDirectory()) continue;
      throw refuse(at);
    }
    if (st) await displace(at);
    const made = await mkdir(at).then(
      () => true,
      async (err: unknown) => {
        // Made meanwhile by a caller working on the same directory: fine if it is one.
        if (errnoCode(err) === 'EEXIST' && (await lstat(at)).isDirectory()) return false;
        throw fromFsError(err, at, 'creating directory');
      },
    );
    if (made) o.made?.(at);
  }
}
