import { isUtf8 } from 'node:buffer';
import { access, constants, lstat, readlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Stats } from 'node:fs';
import { CairnError, fromFsError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { Reporter } from '../core/reporter.js';
import type { PathFilter } from '../core/path-filter.js';
import { escapeName, readDirEntries } from '../core/utf8-names.js';
import type { ArchiveEntry, ArchiveSource } from './sources.js';

export interface WalkOptions {
  filter: PathFilter;
  skipUnreadable: boolean;
  reporter: Reporter;
  clock: Clock;
  /** Called for each file skipped because it could not be read. */
  onSkip: (path: string, reason: string) => void;
  /** A directory never to descend into (the storage target itself, when it is local). */
  leaveOut?: { dev: number; ino: number } | undefined;
}

const joinName = (...parts: (string | undefined)[]): string =>
  parts
    .filter((p): p is string => p !== undefined && p !== '')
    .join('/')
    .replace(/\/+/g, '/')
    .replace(/^\/|\/$/g, '');

/**
 * Names are stored as UTF-8 text (tar's PAX headers, zip's UTF-8 flag) and
 * read back as text: a name, or a symlink's target, that is not valid UTF-8
 * would come back as another name. Such an entry is refused like an unreadable
 * file: the archive fails, or with --skip-unreadable it is left out and reported.
 */
function notUtf8(path: string, what: string, hint: string, o: WalkOptions): void {
  const err = new CairnError(
    'ACCESS',
    `archiving: ${path}: ${what} is not valid UTF-8, which an archive cannot hold`,
    {
      hint: `${hint}, or pass --skip-unreadable to leave it out`,
    },
  );
  if (!o.skipUnreadable) throw err;
  o.onSkip(path, err.message);
}

async function entryFor(
  path: string,
  name: string,
  st: Stats,
  o: WalkOptions,
): Promise<ArchiveEntry | undefined> {
  const mode = st.mode & 0o7777;
  if (st.isDirectory()) return { type: 'dir', name, mode, mtime: st.mtime, uid: st.uid, gid: st.gid };
  if (st.isSymbolicLink()) {
    const target = await readlink(path, { encoding: 'buffer' });
    if (isUtf8(target))
      return {
        type: 'symlink',
        name,
        mode,
        mtime: st.mtime,
        target: target.toString('utf8'),
        uid: st.uid,
        gid: st.gid,
      };
    notUtf8(path, `its target ${escapeName(target)}`, 'point it elsewhere (ln -sfn TARGET LINK)', o);
    return undefined;
  }
  if (!st.isFile()) return undefined; // sockets, devices, fifos are not archived
  try {
    await access(path, constants.R_OK);
  } catch (err) {
    if (!o.skipUnreadable) throw fromFsError(err, path, 'archiving');
    o.onSkip(path, fromFsError(err, path, 'archiving').message);
    return undefined;
  }
  return { type: 'file', name, mode, mtime: st.mtime, size: st.size, path, uid: st.uid, gid: st.gid };
}

/**
 * Every entry of the sources, depth first in name order, symlinks as symlinks
 * (never followed). Directories are emitted once even when several includes
 * share a name, so their contents merge.
 */
export async function* walkSources(
  sources: readonly ArchiveSource[],
  o: WalkOptions,
): AsyncGenerator<ArchiveEntry> {
  const seenDirs = new Set<string>();
  const parents = function* (name: string, mtime: Date): Generator<ArchiveEntry> {
    const parts = name.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (seenDirs.has(dir)) continue;
      seenDirs.add(dir);
      yield { type: 'dir', name: dir, mode: 0o755, mtime };
    }
  };
  for (const src of sources) {
    if (src.kind === 'command') {
      const now = o.clock.now();
      yield* parents(src.name, now);
      yield {
        type: 'command',
        name: joinName(src.name),
        mode: 0o644,
        mtime: now,
        argv: src.argv,
        cwd: src.cwd,
        env: src.env,
      };
      continue;
    }
    const rootStat = await lstat(src.path).catch((err: unknown) => {
      throw fromFsError(err, src.path, 'archiving');
    });
    if (src.kind === 'file') {
      if (rootStat.isDirectory()) {
        throw new CairnError('USAGE', `archiving: ${src.path} is a directory, not a file`, {
          hint: 'include a directory with --include (includeDirectory)',
        });
      }
      const e = await entryFor(src.path, joinName(src.name), rootStat, o);
      if (e) {
        yield* parents(e.name, e.mtime);
        yield e;
      }
      continue;
    }
    if (!rootStat.isDirectory()) {
      throw new CairnError('USAGE', `archiving: ${src.path} is not a directory`, {
        hint: 'include a single file with --file (includeFile)',
      });
    }
    const base = src.preservePaths ? joinName(src.name, relative('/', src.path)) : joinName(src.name);
    if (base) {
      yield* parents(base, rootStat.mtime);
      if (!seenDirs.has(base)) {
        seenDirs.add(base);
        yield {
          type: 'dir',
          name: base,
          mode: rootStat.mode & 0o7777,
          mtime: rootStat.mtime,
          uid: rootStat.uid,
          gid: rootStat.gid,
        };
      }
    }
    yield* walkDir(src.path, src.path, base, seenDirs, o);
  }
}

async function* walkDir(
  root: string,
  dir: string,
  base: string,
  seenDirs: Set<string>,
  o: WalkOptions,
): AsyncGenerator<ArchiveEntry> {
  let names: string[];
  try {
    const listed = await readDirEntries(dir);
    for (const bad of listed.notUtf8) {
      // The whole path escaped, so that what the hint shows can be pasted into bash.
      const path = `${escapeName(Buffer.from(dir))}/${bad.name}`;
      if (o.filter.accepts(relative(root, join(dir, bad.name)) + (bad.isDirectory ? '/' : '')))
        notUtf8(path, 'its name', `rename it (bash: mv $'${path}' NEWNAME)`, o);
    }
    names = listed.entries.map((e) => e.name).sort();
  } catch (err) {
    if (err instanceof CairnError) throw err;
    if (!o.skipUnreadable) throw fromFsError(err, dir, 'archiving');
    o.onSkip(dir, fromFsError(err, dir, 'archiving').message);
    return;
  }
  for (const n of names) {
    const path = join(dir, n);
    const rel = relative(root, path);
    const st = await lstat(path).catch(() => undefined);
    if (!st || !o.filter.accepts(st.isDirectory() ? `${rel}/` : rel)) continue;
    if (st.isDirectory() && st.dev === o.leaveOut?.dev && st.ino === o.leaveOut.ino) {
      o.reporter.event({
        level: 'warn',
        type: 'archive.leave-out',
        message: `left out ${path}: it is where the archive is stored`,
        path,
      });
      continue;
    }
    const name = joinName(base, rel);
    const e = await entryFor(path, name, st, o);
    if (!e) continue;
    if (e.type === 'dir') {
      if (!seenDirs.has(name)) {
        seenDirs.add(name);
        yield e;
      }
      yield* walkDir(root, path, base, seenDirs, o);
    } else yield e;
  }
}
