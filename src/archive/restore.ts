import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { CairnError } from '../core/errors.js';
import { silentReporter } from '../core/reporter.js';
import type { Reporter } from '../core/reporter.js';
import { parsePointInTime } from '../core/timestamp.js';
import type { ObjectStore } from '../storage/object-store.js';
import { listArchives, pickArchive } from './catalog.js';
import { ExtractTarget } from './extract-target.js';
import { extractTar } from './extract-tar.js';
import { extractZip } from './extract-zip.js';
import { checkArchiveName } from './naming.js';

export interface ArchiveRestoreOptions {
  store: ObjectStore;
  /** `NAME` or `NAME@TIME`. */
  spec: string;
  dest: string;
  clock?: Clock | undefined;
  reporter?: Reporter | undefined;
}

export interface ArchiveRestoreResult {
  key: string;
  dest: string;
  files: number;
  bytes: number;
}

export function parseSpec(spec: string, now: Date): { name: string; at: Date | undefined } {
  const at = spec.indexOf('@');
  const name = checkArchiveName(at === -1 ? spec : spec.slice(0, at));
  return { name, at: at === -1 ? undefined : parsePointInTime(spec.slice(at + 1), now) };
}

/** Extracts the newest archive of NAME (at or before TIME) into DEST, streaming from storage. */
export async function restoreArchive(o: ArchiveRestoreOptions): Promise<ArchiveRestoreResult> {
  const now = (o.clock ?? systemClock).now();
  const { name, at } = parseSpec(o.spec, now);
  const a = pickArchive(await listArchives(o.store, name, { withMeta: false }), name, at, o.store.url);
  const target = await ExtractTarget.open(o.dest);
  const reporter = o.reporter ?? silentReporter;
  try {
    if (a.format === 'zip') await extractZip(o.store, a.key, a.size, target);
    else await extractTar(await o.store.get(a.key), a.format === 'tar.gz', target, reporter);
  } catch (err) {
    if (err instanceof CairnError) throw err;
    throw new CairnError('INTEGRITY', `${a.key} could not be extracted: ${(err as Error).message}`, {
      cause: err,
    });
  }
  await target.finish();
  return { key: a.key, dest: target.dest, files: target.files, bytes: target.bytes };
}
