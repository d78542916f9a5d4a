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

/** The errors `changedWhileStored` made: a file that changed is not a failure of the store. */
const changes = new WeakSet<CairnError>();

export function changedWhileStored(path: string): CairnError {
  const err = new CairnError('INTEGRITY', `${path} changed while it was being stored`, {
    hint: 'it will be stored again once it is finished',
  });
  changes.add(err);
  return err;
}

/** Whether `err` says only that the file changed while it was read: it was not finished, nothing failed. */
export function isChangedWhileStored(err: unknown): boolean {
  return err instanceof CairnError && changes.has(err);
}
