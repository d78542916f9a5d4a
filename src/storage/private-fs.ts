import { chmod, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errnoCode } from '../core/errors.js';

/**
 * A local repository is private: its directories are 0700 and its files 0600,
 * set explicitly (a umask only takes bits away, and a umask of 0 would leave
 * group and others what the creating call asked for).
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Makes `dir` and its missing parents, each new one 0700; existing directories are left as they are. */
export async function mkdirPrivate(dir: string): Promise<void> {
  try {
    await mkdir(dir, { mode: PRIVATE_DIR_MODE });
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(dir) === dir) throw err;
    await mkdirPrivate(dirname(dir));
    try {
      await mkdir(dir, { mode: PRIVATE_DIR_MODE });
    } catch (again) {
      if (errnoCode(again) === 'EEXIST') return;
      throw again;
    }
  }
  await chmod(dir, PRIVATE_DIR_MODE);
}

/**
 * A repository made by an earlier version, or by hand, may be open to others:
 * its top directory is set to 0700 when it belongs to the user writing to it,
 * which closes everything under it. One that belongs to another user is left
 * as its owner made it. Returns whether the mode was changed.
 */
export async function tightenRoot(root: string): Promise<boolean> {
  const st = await stat(root);
  if (!st.isDirectory() || st.uid !== process.getuid?.() || (st.mode & 0o077) === 0) return false;
  await chmod(root, PRIVATE_DIR_MODE);
  return true;
}
