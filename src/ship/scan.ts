import { lstat, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { errnoCode, fromFsError } from '../core/errors.js';
import type { Reporter } from '../core/reporter.js';
import type { PathFilter } from '../core/path-filter.js';

/** Regular files under `root` (itself, if it is a file) that the filter accepts. Unreadable directories are reported and skipped. */
export async function* scanFiles(
  root: string,
  recursive: boolean,
  filter: PathFilter,
  reporter: Reporter,
): AsyncGenerator<string> {
  const st = await lstat(root);
  if (st.isFile()) {
    yield root;
    return;
  }
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop() as string;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue;
      const e = fromFsError(err, dir, 'listing directory');
      reporter.event({ level: 'error', type: 'ship.error', message: e.message, path: dir, code: e.code });
      continue;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (recursive && filter.accepts(relative(root, p) + '/')) stack.push(p);
      } else if (e.isFile() && filter.accepts(relative(root, p))) {
        yield p;
      }
    }
  }
}
