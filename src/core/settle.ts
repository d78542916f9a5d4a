import type { FileHandle } from 'node:fs/promises';
import { ownerToApply, planMode } from './special-bits.js';
import type { ModePlan, Owner, Restorer } from './special-bits.js';

export interface Settled extends ModePlan {
  /** Why the recorded owner could not be given back, when root tried and failed. */
  ownerError?: string | undefined;
}

/**
 * Gives an open file or directory its recorded owner (when root), mode and
 * time, through its handle: no path is looked up again, so no symlink swapped
 * in meanwhile is followed. The owner goes first (chown clears setuid), and
 * the special bits are kept only if the owner is now the recorded one.
 */
export async function settleHandle(
  fh: FileHandle,
  o: { mode: number; mtime: Date | number; owner?: Owner | undefined; who: Restorer },
): Promise<Settled> {
  const give = ownerToApply(o.owner, o.who);
  let ownerError: string | undefined;
  if (give) {
    await fh.chown(give.uid, give.gid).catch((err: unknown) => {
      ownerError = (err as Error).message;
    });
  }
  const st = await fh.stat();
  const plan = planMode(o.mode, o.owner, { uid: st.uid, gid: st.gid });
  await fh.chmod(plan.mode);
  await fh.utimes(o.mtime, o.mtime);
  return { ...plan, ownerError };
}
