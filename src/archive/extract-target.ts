import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lchown, lstat, lutimes, mkdir, open, realpath, rename, rm, rmdir, symlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { holds, mkdirInside } from '../core/dir-inside.js';
import { CairnError, errnoCode, fromFsError } from '../core/errors.js';
import type { Reporter } from '../core/reporter.js';
import { settleHandle } from '../core/settle.js';
import type { Settled } from '../core/settle.js';
import { currentRestorer, describeSpecialBits, ownerToApply } from '../core/special-bits.js';
import type { Owner, Restorer } from '../core/special-bits.js';

const TMP = '.cairn-restore-';
const { O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_RDONLY, O_WRONLY } = constants;

interface Staged {
  tmp: string;
  final: string;
  parent: string;
}

interface Dir {
  name: string;
  real: string;
  dev: number;
  ino: number;
  mode: number;
  mtime: Date;
  owner: Owner | undefined;
}

/**
 * Writes extracted entries under DEST and nowhere else, and only once the
 * whole archive is known to be good:
 *
 * - names that are absolute or climb out with '..' are refused, and no entry
 *   is written through a symlink that leads outside DEST;
 * - each file is written to a temporary name in its directory and renamed
 *   into place by commit(), which the caller runs after it has checked the
 *   archive's bytes; abort() removes the temporaries, the symlinks and
 *   directories it made, and puts back what it moved aside, so a failed
 *   restore leaves DEST's existing files as they were;
 * - modes, owners and times are applied through a handle on the entry that
 *   restore itself made (O_NOFOLLOW, same device and inode), never by a path
 *   that could lead elsewhere by then; directories get theirs last, deepest
 *   first, so their contents do not disturb them;
 * - setuid, setgid and sticky bits are kept only with the recorded owner.
 */
export class ExtractTarget {
  /** Files written to temporary names, by the real path each will take (the last entry of a name wins). */
  private readonly staged = new Map<string, Staged>();
  private readonly dirs = new Map<string, Dir>();
  private readonly madeDirs: string[] = [];
  private readonly madeLinks: { path: string; ino: number }[] = [];
  private readonly displaced: { from: string; aside: string }[] = [];
  files = 0;
  bytes = 0;
  specialBitsCleared = 0;

  private constructor(
    readonly dest: string,
    private readonly reporter: Reporter,
    private readonly who: Restorer,
  ) {}

  static async open(
    dest: string,
    o: { reporter: Reporter; who?: Restorer | undefined },
  ): Promise<ExtractTarget> {
    try {
      await mkdir(dest, { recursive: true });
      return new ExtractTarget(await realpath(dest), o.reporter, o.who ?? currentRestorer());
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'EEXIST' || code === 'ENOTDIR') {
        throw new CairnError('USAGE', `restore destination ${dest} is not a directory`, {
          hint: 'give a directory to extract into (it is made if missing)',
        });
      }
      throw fromFsError(err, dest, 'restore destination');
    }
  }

  /** The absolute path for an archive entry name, or an INTEGRITY error. */
  resolve(name: string): string {
    const clean = name.replace(/\/+$/, '');
    const norm = normalize(clean);
    if (
      clean === '' ||
      isAbsolute(clean) ||
      norm === '..' ||
      norm.startsWith(`..${sep}`) ||
      clean.includes('\0')
    ) {
      throw new CairnError(
        'INTEGRITY',
        `archive entry "${name}" would land outside the destination; nothing was restored`,
        {
          hint: 'the archive may be hostile',
        },
      );
    }
    return join(this.dest, norm);
  }

  private outside(name: string, at: string): CairnError {
    return new CairnError(
      'INTEGRITY',
      `archive entry "${name}" would be written through ${at}, a symlink that leads outside the destination or to no directory; nothing was restored`,
      { hint: 'the archive may be hostile' },
    );
  }

  /** Moves an existing non-directory out of the way; abort() puts it back, commit() deletes it. */
  private readonly displace = async (path: string): Promise<void> => {
    const aside = join(dirname(path), `${TMP}old-${randomBytes(6).toString('hex')}`);
    await rename(path, aside);
    this.displaced.push({ from: path, aside });
  };

  /**
   * Where the entry `name` goes: the real path of its directory (made inside
   * DEST only, see mkdirInside) and its own name in it.
   */
  private async place(name: string): Promise<{ parent: string; final: string }> {
    const path = this.resolve(name);
    await mkdirInside(this.dest, dirname(path), (at) => this.outside(name, at), {
      displace: this.displace,
      made: (dir) => this.madeDirs.push(dir),
    });
    const parent = await realpath(dirname(path));
    if (!holds(this.dest, parent)) throw this.outside(name, dirname(path));
    // A file staged under a name that is now a directory on this entry's way is replaced by it.
    for (let up = parent; up !== this.dest && holds(this.dest, up); up = dirname(up)) await this.unstage(up);
    return { parent, final: join(parent, basename(path)) };
  }

  /** A later entry of the same name replaces a file staged earlier. */
  private async unstage(final: string): Promise<void> {
    const s = this.staged.get(final);
    if (!s) return;
    this.staged.delete(final);
    await rm(s.tmp, { force: true });
  }

  private report(name: string, s: Settled): void {
    if (s.ownerError) {
      this.reporter.event({
        level: 'warn',
        type: 'archive.restore.owner',
        message: `${name}: owner not restored: ${s.ownerError}`,
        path: name,
      });
    }
    if (!s.cleared) return;
    this.specialBitsCleared += 1;
    this.reporter.event({
      level: 'warn',
      type: 'archive.restore.special-bits',
      message: `${name}: ${describeSpecialBits(s.cleared.bits)} cleared: ${s.cleared.reason}`,
      path: name,
    });
  }

  async dir(name: string, mode: number, mtime: Date, owner?: Owner): Promise<void> {
    const { final } = await this.place(name);
    await this.unstage(final);
    const st = await lstat(final).catch(() => undefined);
    if (st && !st.isDirectory()) await this.displace(final);
    if (!st?.isDirectory()) {
      await mkdir(final).catch((err: unknown) => {
        throw fromFsError(err, final, 'extracting');
      });
      this.madeDirs.push(final);
    }
    const fh = await open(final, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    try {
      const id = await fh.stat();
      this.dirs.set(final, { name, real: final, dev: id.dev, ino: id.ino, mode, mtime, owner });
    } finally {
      await fh.close();
    }
  }

  async file(
    name: string,
    mode: number,
    mtime: Date,
    data: AsyncIterable<Buffer>,
    owner?: Owner,
  ): Promise<void> {
    const { parent, final } = await this.place(name);
    if ((await lstat(final).catch(() => undefined))?.isDirectory()) {
      throw new CairnError('CONFLICT', `${final} is a directory; archive entry "${name}" was not extracted`, {
        hint: 'restore into an empty directory',
      });
    }
    const tmp = join(parent, `${TMP}${randomBytes(6).toString('hex')}`);
    let fh: FileHandle;
    try {
      fh = await open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    } catch (err) {
      throw fromFsError(err, tmp, 'extracting');
    }
    await this.unstage(final);
    this.staged.set(final, { tmp, final, parent });
    let n = 0;
    // Errors reading the archive pass as they are (the caller maps them to INTEGRITY); errors
    // writing DEST are file system errors (no space, permission denied).
    const fsOp = <T>(p: Promise<T>): Promise<T> =>
      p.catch((err: unknown) => {
        throw fromFsError(err, final, 'extracting');
      });
    try {
      for await (const c of data) {
        for (let off = 0; off < c.length;) off += (await fsOp(fh.write(c, off))).bytesWritten;
        n += c.length;
      }
      this.report(name, await fsOp(settleHandle(fh, { mode, mtime, owner, who: this.who })));
    } finally {
      await fh.close();
    }
    this.files += 1;
    this.bytes += n;
  }

  async symlink(name: string, target: string, mtime: Date, owner?: Owner): Promise<void> {
    const { final } = await this.place(name);
    await this.unstage(final);
    const st = await lstat(final).catch(() => undefined);
    if (st?.isDirectory()) {
      throw new CairnError('CONFLICT', `${final} is a directory; symlink "${name}" was not extracted`, {
        hint: 'restore into an empty directory',
      });
    }
    if (st) await this.displace(final);
    await symlink(target, final).catch((err: unknown) => {
      throw fromFsError(err, final, 'extracting');
    });
    this.madeLinks.push({ path: final, ino: (await lstat(final)).ino });
    const give = ownerToApply(owner, this.who);
    if (give) await lchown(final, give.uid, give.gid).catch(() => undefined);
    await lutimes(final, mtime, mtime).catch(() => undefined);
  }

  /** Renames every staged file into place, then gives directories their modes, owners and times. */
  async commit(): Promise<void> {
    for (const s of this.staged.values()) {
      if ((await lstat(s.final).catch(() => undefined))?.isDirectory()) {
        throw new CairnError('CONFLICT', `${s.final} is a directory; nothing was renamed into place`, {
          hint: 'restore into an empty directory',
        });
      }
      if ((await realpath(s.parent)) !== s.parent) {
        throw new CairnError(
          'INTEGRITY',
          `${s.parent} changed during the restore; nothing was renamed into place`,
        );
      }
    }
    const staged = [...this.staged.values()];
    this.staged.clear();
    for (const s of staged) {
      await rename(s.tmp, s.final).catch((err: unknown) => {
        throw fromFsError(err, s.final, 'extracting');
      });
    }
    for (const d of this.displaced.splice(0)) await rm(d.aside, { recursive: true, force: true });
    const dirs = [...this.dirs.values()].sort((a, b) => b.real.length - a.real.length);
    for (const d of dirs) await this.settleDir(d);
  }

  private async settleDir(d: Dir): Promise<void> {
    const parent = await realpath(dirname(d.real)).catch(() => undefined);
    const fh =
      parent !== undefined && holds(this.dest, parent) && join(parent, basename(d.real)) === d.real
        ? await open(d.real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW).catch(() => undefined)
        : undefined;
    if (!fh) throw new CairnError('INTEGRITY', `directory ${d.real} was replaced during the restore`);
    try {
      const st = await fh.stat();
      if (st.dev !== d.dev || st.ino !== d.ino) {
        throw new CairnError('INTEGRITY', `directory ${d.real} was replaced during the restore`);
      }
      this.report(
        d.name,
        await settleHandle(fh, { mode: d.mode, mtime: d.mtime, owner: d.owner, who: this.who }),
      );
    } finally {
      await fh.close();
    }
  }

  /** Undoes what extraction did: DEST's existing entries are as they were. */
  async abort(): Promise<void> {
    for (const s of this.staged.values()) await rm(s.tmp, { force: true }).catch(() => undefined);
    this.staged.clear();
    await this.removeMadeLinks();
    for (const d of this.madeDirs.splice(0).reverse()) await rmdir(d).catch(() => undefined);
    for (const d of this.displaced.splice(0).reverse()) {
      await rename(d.aside, d.from).catch(() => undefined);
    }
    // A symlink this restore made and then moved aside is back under its name now.
    await this.removeMadeLinks();
  }

  private async removeMadeLinks(): Promise<void> {
    for (const l of [...this.madeLinks].reverse()) {
      const st = await lstat(l.path).catch(() => undefined);
      if (st?.isSymbolicLink() && st.ino === l.ino) await rm(l.path, { force: true }).catch(() => undefined);
    }
  }
}
