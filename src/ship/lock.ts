import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CairnError, errnoCode } from '../core/errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

export function lockDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CAIRN_LOCK_DIR ?? join(env.XDG_RUNTIME_DIR ?? tmpdir(), 'cairn-locks');
}

export interface PathLock {
  release(): Promise<void>;
}

/**
 * One ship process per watched path: a lock file holding the owner's pid. A lock
 * left by a process that no longer exists (SIGKILL) is taken over.
 */
export async function lockPaths(paths: readonly string[], what: string, dir = lockDir()): Promise<PathLock> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const taken: string[] = [];
  const release = async (): Promise<void> => {
    for (const f of taken) await unlink(f).catch(() => undefined);
  };
  try {
    for (const p of [...paths].sort()) {
      const file = join(dir, `${createHash('sha256').update(p).digest('hex').slice(0, 24)}.lock`);
      await take(file, p, what);
      taken.push(file);
    }
  } catch (err) {
    await release();
    throw err;
  }
  return { release };
}

async function take(file: string, path: string, what: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(file, 'wx', 0o600);
      await fh.writeFile(`${process.pid}\n${path}\n`);
      await fh.close();
      return;
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).split('\n')[0]);
    if (pid && alive(pid) && pid !== process.pid) {
      throw new CairnError('CONFLICT', `another cairn ship (pid ${pid}) is already working on ${path}`, {
        hint: `stop it first, or ${what} a different path`,
      });
    }
    // Stale: move it aside atomically so only one contender removes it.
    await rename(file, `${file}.stale-${process.pid}`).then(
      () => unlink(`${file}.stale-${process.pid}`),
      () => undefined,
    );
  }
  throw new CairnError('CONFLICT', `could not lock ${path}`, { hint: 'try again' });
}
