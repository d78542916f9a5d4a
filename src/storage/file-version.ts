import type { Stats } from 'node:fs';
import { CairnError } from '../core/errors.js';

/**
 * Whether two lstat results are the same version of a file's content. Not
 * ctime: hard-linking a file (a database snapshot) moves it without changing
 * a byte.
 */
export function sameVersion(a: Stats, b: Stats): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

export function changedWhileStored(path: string): CairnError {
  return new CairnError('INTEGRITY', `${path} changed while it was being stored`, {
    hint: 'it will be stored again once it is finished',
  });
}
