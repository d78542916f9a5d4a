import { lstat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { errnoCode, fromFsError } from '../core/errors.js';
import type { Reporter } from '../core/reporter.js';
import type { PathFilter } from '../core/path-filter.js';
import { readDirEntries } from '../core/utf8-names.js';

/** Told of each file, or directory to enter, whose name is not valid UTF-8 (escaped) and the filter accepts. */
export type NotUtf8Handler = (dir: string, name: string, isDirectory: boolean) => void;

/**
 * Regular files under `root` (itself, if it is a file) that the filter accepts. Unreadable
 * directories are reported and skipped; names that are not valid UTF-8 go to `notUtf8`.
 */
export async function* scanFiles(
  root: string,
  recursive: boolean,
  filter: PathFilter,
  reporter: Reporter,
  notUtf8: NotUtf8Handler,
): AsyncGenerator<string> {
  const st = await lstat(root);
  if (st.isFile()) {
    yield root;
    return;
  }
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop() as string;
    let listed;
    try {
      listed = await readDirEntries(dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue;
      const e = fromFsError(err, dir, 'listing directory');
      reporter.event({ level: 'error', type: 'ship.error', message: e.message, path: dir, code: e.code });
      continue;
    }
    for (const e of listed.entries) {
      const p = join(dir, e.name);
      if (e.isDirectory) {
        if (recursive && filter.accepts(relative(root, p) + '/')) stack.push(p);
      } else if (e.isFile && filter.accepts(relative(root, p))) {
        yield p;
      }
    }
    // The filter sees the escaped name: `*.tmp` still leaves out `x\xff.tmp`, which is then not reported.
    for (const e of listed.notUtf8) {
      const rel = relative(root, join(dir, e.name));
      if (e.isDirectory ? recursive && filter.accepts(`${rel}/`) : e.isFile && filter.accepts(rel))
        notUtf8(dir, e.name, e.isDirectory);
    }
  }
}
