import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readFile, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { CairnError, errnoCode, fromFsError } from '../core/errors.js';
import { mkdirPrivate } from '../storage/private-fs.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

/**
 * Where a user's locks are: $CAIRN_LOCK_DIR, else /run/cairn/locks for root and
 * ~/.cache/cairn/locks (the home directory of the account, not $HOME) for
 * others. Never a directory that other users can write (a shared /tmp), and
 * the same for every run of a user, from a login shell or from cron (which
 * has no $XDG_RUNTIME_DIR): a lock only excludes runs that look in one place.
 */
export function lockDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CAIRN_LOCK_DIR) return env.CAIRN_LOCK_DIR;
  if (process.getuid?.() === 0) return '/run/cairn/locks';
  return join(accountHome(), '.cache', 'cairn', 'locks');
}

/** The account's home directory from the user database; $HOME when the account has no entry there. */
function accountHome(): string {
  try {
    return userInfo().homedir;
  } catch {
    return homedir();
  }
}

export interface PathLock {
  release(): Promise<void>;
}

const unsafe = (what: string, why: string, hint: string): CairnError =>
  new CairnError('ACCESS', `${what} ${why}; cairn does not use it for locks`, { hint });

/** Makes the lock directory (0700) and checks that only this user can write it. */
async function ensureLockDir(dir: string): Promise<void> {
  try {
    await mkdirPrivate(dir);
  } catch (err) {
    throw fromFsError(err, dir, 'making the lock directory');
  }
  const st = await lstat(dir).catch((err: unknown) => {
    throw fromFsError(err, dir, 'checking the lock directory');
  });
  const hint = 'remove it, or set CAIRN_LOCK_DIR to a directory that only you can write';
  if (!st.isDirectory()) throw unsafe(`lock directory ${dir}`, 'is not a directory (a symlink?)', hint);
  if (st.uid !== process.getuid?.())
    throw unsafe(`lock directory ${dir}`, `belongs to another user (uid ${st.uid})`, hint);
  if ((st.mode & 0o022) !== 0)
    throw unsafe(
      `lock directory ${dir}`,
      `can be written by others (mode ${(st.mode & 0o7777).toString(8)})`,
      hint,
    );
}

/**
 * One ship process per watched path: a lock file holding the owner's pid, in a
 * directory only its user can write. A lock left by a process that no longer
 * exists (SIGKILL), or from before a reboot, is taken over. Lock files are
 * opened without following a symlink and without waiting on a FIFO; anything
 * but a regular file of this user is refused with an error naming it.
 */
export async function lockPaths(paths: readonly string[], what: string, dir = lockDir()): Promise<PathLock> {
  await ensureLockDir(dir);
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

const CREATE =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const READ = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

async function bootId(): Promise<string> {
  return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim();
}

async function take(file: string, path: string, what: string): Promise<void> {
  const boot = await bootId();
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(file, CREATE, 0o600);
      try {
        await fh.writeFile(`${process.pid}\n${path}\n${boot}\n`);
      } finally {
        await fh.close();
      }
      return;
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw fromFsError(err, file, 'taking a lock');
    }
    const holder = await readHolder(file);
    if (holder === undefined) continue; // released meanwhile
    const [pidText, , lockBoot] = holder.split('\n');
    const pid = Number(pidText);
    const sameBoot = !lockBoot || !boot || lockBoot === boot;
    if (pid && sameBoot && alive(pid) && pid !== process.pid) {
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

/** The content of an existing lock file, or undefined if it is gone; refuses anything but our regular file. */
async function readHolder(file: string): Promise<string | undefined> {
  const hint = `remove it (rm ${file}) and run again`;
  let fh: FileHandle;
  try {
    fh = await open(file, READ);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw unsafe(`lock file ${file}`, 'is a symlink', hint);
    if (code === 'ENXIO') throw unsafe(`lock file ${file}`, 'is a socket', hint);
    throw fromFsError(err, file, 'reading a lock');
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) {
      const kind = st.isFIFO() ? 'a FIFO' : st.isDirectory() ? 'a directory' : 'not a regular file';
      throw unsafe(`lock file ${file}`, `is ${kind}`, hint);
    }
    if (st.uid !== process.getuid?.())
      throw unsafe(`lock file ${file}`, `belongs to another user (uid ${st.uid})`, hint);
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}
