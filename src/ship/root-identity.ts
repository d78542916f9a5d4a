import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { CairnError, errnoCode, fromFsError } from '../core/errors.js';

/** What is at a watched path: its device and inode, and whether it is a directory. */
export interface RootIdentity {
  dev: number;
  ino: number;
  dir: boolean;
}

/** The identity of what is at `path` now; undefined when nothing is. */
export async function identify(path: string): Promise<RootIdentity | undefined> {
  try {
    const st = await stat(path);
    return { dev: st.dev, ino: st.ino, dir: st.isDirectory() };
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw fromFsError(err, path, 'checking a watched path');
  }
}

/**
 * The watched paths at whose name there is now another file or directory than `known` says (a
 * directory moved away and made again, a restore renamed into place). A path with nothing at
 * it, or something of another kind (a file where a directory was), is given `graceMs` to come
 * back, since `mv /data /data.old && mkdir /data` leaves it missing for a moment; if it does
 * not, this throws a NOT_FOUND CairnError naming it.
 */
export async function replacedRoots(
  known: ReadonlyMap<string, RootIdentity | undefined>,
  graceMs: number,
  signal?: AbortSignal,
): Promise<string[]> {
  const replaced: string[] = [];
  for (const [root, was] of known) {
    const missing = (id: RootIdentity | undefined): boolean =>
      id === undefined || (was !== undefined && id.dir !== was.dir);
    let now = await identify(root);
    const until = performance.now() + graceMs;
    while (missing(now) && performance.now() < until && !signal?.aborted) {
      await sleep(100);
      now = await identify(root);
    }
    if (!now || missing(now)) {
      throw new CairnError('NOT_FOUND', `watched path ${root} is gone (deleted, or moved away)`, {
        hint: `nothing can be watched there: make ${root} again and restart cairn ship watch, or leave it out`,
      });
    }
    if (!was || now.dev !== was.dev || now.ino !== was.ino) replaced.push(root);
  }
  return replaced;
}
