import { lstat } from 'node:fs/promises';
import { hashPool } from '../core/hash-pool.js';
import { isCairnError } from '../core/errors.js';
import type { Reporter } from '../core/reporter.js';
import type { ObjectStore } from '../storage/object-store.js';
import { objectKey } from './layout.js';

/** An object to store again: its content hash, size, and the files (as manifests name them) that had it. */
export interface BrokenObject {
  sha256: string;
  size: number;
  files: string[];
}

export interface RepairResult {
  dryRun: boolean;
  /** Stored again (or, in a dry run, would be) from the file `from`, whose content hashes to it. */
  repaired: { sha256: string; from: string }[];
  /** No file here has that content any more: the points in time naming it cannot restore these files. */
  notRepaired: { sha256: string; files: string[] }[];
}

/**
 * Where a content may still be: the files named with it first, then other files the manifests
 * name with the same size (a file changed and changed back). Pure: paths only, nothing is read.
 */
export function repairSources(
  broken: BrokenObject,
  sameSize: ReadonlyMap<number, readonly string[]>,
): string[] {
  return [...new Set([...broken.files, ...(sameSize.get(broken.size) ?? [])])];
}

/**
 * Stores each missing or damaged object again from a local file whose current content hashes to
 * it (checked twice: before, and by the store as it writes). A damaged object is replaced: that is
 * the one write over an existing object name, and it writes the bytes the name stands for.
 * Nothing is dropped: an object with no such file is reported as not repaired.
 */
export async function repairObjects(
  store: ObjectStore,
  broken: readonly BrokenObject[],
  sameSize: ReadonlyMap<number, readonly string[]>,
  o: { dryRun?: boolean | undefined; reporter: Reporter; signal?: AbortSignal | undefined },
): Promise<RepairResult> {
  const result: RepairResult = { dryRun: o.dryRun === true, repaired: [], notRepaired: [] };
  for (const b of broken) {
    const from = await findSource(b, repairSources(b, sameSize), o.signal);
    if (!from) {
      result.notRepaired.push({ sha256: b.sha256, files: b.files });
      o.reporter.event({
        level: 'error',
        type: 'ship.repair.not-repaired',
        message: `no file here has the content of ${b.files.join(', ')} (${b.sha256.slice(0, 12)}…) any more; it cannot be repaired`,
        sha256: b.sha256,
      });
      continue;
    }
    if (!o.dryRun) {
      const prepared = await store.prepareFile(from, { signal: o.signal });
      try {
        if (prepared.sha256 !== b.sha256) {
          // Changed since it was hashed a moment ago: not a source any more.
          result.notRepaired.push({ sha256: b.sha256, files: b.files });
          continue;
        }
        await prepared.store(objectKey(b.sha256), { signal: o.signal });
      } finally {
        await prepared.discard();
      }
    }
    result.repaired.push({ sha256: b.sha256, from });
    o.reporter.event({
      level: 'info',
      type: 'ship.repair.stored',
      message: `${o.dryRun ? 'would store' : 'stored'} ${b.sha256.slice(0, 12)}… again from ${from}`,
      sha256: b.sha256,
      path: from,
    });
  }
  return result;
}

async function findSource(
  b: BrokenObject,
  paths: readonly string[],
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  for (const path of paths) {
    const st = await lstat(path).catch(() => undefined);
    if (!st?.isFile() || st.size !== b.size) continue;
    try {
      if ((await hashPool().hashFile(path, { signal })).sha256 === b.sha256) return path;
    } catch (err) {
      if (signal?.aborted || (isCairnError(err) && err.code === 'INTERRUPTED')) throw err;
      // Unreadable here: look at the next one.
    }
  }
  return undefined;
}
