import { chmod, lstat, lutimes, mkdir, realpath, rm, symlink, utimes } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { mkdirInside } from '../core/dir-inside.js';
import { pipeline } from 'node:stream/promises';
import { CairnError, errnoCode, fromFsError } from '../core/errors.js';

/**
 * Writes extracted entries under DEST and nowhere else: names that are
 * absolute or climb out with '..' are refused, and no entry is written
 * through a symlink that leads outside DEST. Directory modes and times are
 * applied last, deepest first, so they are not disturbed by their contents.
 */
export class ExtractTarget {
  private readonly dirs: { path: string; mode: number; mtime: Date }[] = [];
  files = 0;
  bytes = 0;

  private constructor(readonly dest: string) {}

  static async open(dest: string): Promise<ExtractTarget> {
    try {
      await mkdir(dest, { recursive: true });
      return new ExtractTarget(await realpath(dest));
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
        `archive entry "${name}" would land outside the destination; nothing more was extracted`,
        {
          hint: 'the archive may be hostile',
        },
      );
    }
    return join(this.dest, norm);
  }

  /** The directories above `path`, made inside DEST only (see mkdirInside). */
  private async parentInside(path: string, name: string): Promise<void> {
    await mkdirInside(
      this.dest,
      dirname(path),
      (at) =>
        new CairnError(
          'INTEGRITY',
          `archive entry "${name}" would be written through ${at}, a symlink that leads outside the destination or to no directory; nothing more was extracted`,
          { hint: 'the archive may be hostile' },
        ),
    );
  }

  private async clear(path: string): Promise<void> {
    const st = await lstat(path).catch(() => undefined);
    if (st && !st.isDirectory()) await rm(path, { force: true });
  }

  async dir(name: string, mode: number, mtime: Date): Promise<void> {
    const path = this.resolve(name);
    await this.parentInside(path, name);
    await this.clear(path);
    await mkdir(path, { recursive: true });
    this.dirs.push({ path, mode, mtime });
  }

  async file(name: string, mode: number, mtime: Date, data: AsyncIterable<Buffer>): Promise<void> {
    const path = this.resolve(name);
    await this.parentInside(path, name);
    await this.clear(path);
    let n = 0;
    const counted = async function* (): AsyncGenerator<Buffer> {
      for await (const c of data) {
        n += c.length;
        yield c;
      }
    };
    try {
      await pipeline(counted(), createWriteStream(path, { mode: 0o600 }));
      await chmod(path, mode & 0o7777);
      await utimes(path, mtime, mtime);
    } catch (err) {
      throw err instanceof CairnError ? err : fromFsError(err, path, 'extracting');
    }
    this.files += 1;
    this.bytes += n;
  }

  async symlink(name: string, target: string, mtime: Date): Promise<void> {
    const path = this.resolve(name);
    await this.parentInside(path, name);
    await rm(path, { force: true, recursive: false }).catch(() => undefined);
    await symlink(target, path).catch((err: unknown) => {
      throw fromFsError(err, path, 'extracting');
    });
    await lutimes(path, mtime, mtime).catch(() => undefined);
  }

  async finish(): Promise<void> {
    this.dirs.sort((a, b) => b.path.length - a.path.length);
    for (const d of this.dirs) {
      await chmod(d.path, d.mode & 0o7777);
      await utimes(d.path, d.mtime, d.mtime);
    }
  }
}
