import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, chmod, constants, lstat, mkdir, realpath, rename, rm, utimes } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pLimit from 'p-limit';
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { CairnError, fromFsError, isCairnError } from '../core/errors.js';
import { silentReporter } from '../core/reporter.js';
import type { Reporter } from '../core/reporter.js';
import type { ObjectStore } from '../storage/object-store.js';
import { hashPool } from '../core/hash-pool.js';
import { utimesSeconds } from '../core/mtime.js';
import { holds, mkdirInside } from '../core/dir-inside.js';
import { objectKey } from './layout.js';
import type { ManifestEntry } from './manifest.js';
import { selectManifests } from './select.js';
import type { DamagedManifest } from './catalog.js';

export interface RestoreOptions {
  store: ObjectStore;
  dest: string;
  host?: string | undefined;
  /** Restore only this directory and below; files land at DEST/<path relative to it>. Default '/'. */
  path?: string | undefined;
  at?: Date | undefined;
  concurrency?: number | undefined;
  dryRun?: boolean | undefined;
  clock?: Clock | undefined;
  reporter?: Reporter | undefined;
  signal?: AbortSignal | undefined;
}

export interface RestoreResult {
  host: string;
  at: string;
  dest: string;
  files: number;
  restored: number;
  skippedIdentical: number;
  bytes: number;
  failed: { path: string; error: string }[];
}

interface PlannedFile {
  dest: string;
  entry: ManifestEntry;
}

/** Where each file of the selection goes; anything that would land outside DEST is refused. */
function planFiles(
  dest: string,
  base: string,
  manifests: { manifest: { dir: string; files: ManifestEntry[] } }[],
): PlannedFile[] {
  const out: PlannedFile[] = [];
  for (const { manifest } of manifests) {
    const sub = relative(base, manifest.dir);
    for (const entry of manifest.files) {
      const target = resolve(dest, sub, entry.name);
      if (target === dest || !holds(dest, target)) {
        throw new CairnError(
          'INTEGRITY',
          `manifest entry ${manifest.dir}/${entry.name} would be written outside ${dest}`,
          {
            hint: 'the manifest may be hostile; nothing was restored',
          },
        );
      }
      out.push({ dest: target, entry });
    }
  }
  return out;
}

/** Tableslurp: restore the newest manifest of each directory at or before `at`, verifying every byte. */
export async function shipRestore(o: RestoreOptions): Promise<RestoreResult> {
  const reporter = o.reporter ?? silentReporter;
  const at = o.at ?? (o.clock ?? systemClock).now();
  const dest = resolve(o.dest);
  const base = o.path ? resolve(o.path) : '/';
  const sel = await selectManifests(o.store, { host: o.host, path: base, at });
  const files = planFiles(dest, base, sel.manifests);
  const result: RestoreResult = {
    host: sel.host,
    at: at.toISOString(),
    dest,
    files: files.length,
    restored: 0,
    skippedIdentical: 0,
    bytes: 0,
    failed: [],
  };
  if (o.dryRun) return refuseDamaged(sel.damaged, result);
  try {
    await mkdir(dest, { recursive: true });
    await access(dest, constants.W_OK);
  } catch (err) {
    throw fromFsError(err, dest, 'restore destination');
  }
  const realDest = await realpath(dest);
  const limit = pLimit(o.concurrency ?? 8);
  let done = 0;
  const total = files.reduce((n, f) => n + f.entry.size, 0);
  await Promise.all(
    files.map((f) =>
      limit(async () => {
        if (o.signal?.aborted) return;
        try {
          const outcome = await restoreFile(o.store, f, dest, realDest, o.signal);
          if (outcome === 'identical') result.skippedIdentical += 1;
          else {
            result.restored += 1;
            result.bytes += f.entry.size;
          }
        } catch (err) {
          if (isCairnError(err) && (err.code === 'NO_SPACE' || err.code === 'ACCESS')) throw err;
          const e = isCairnError(err) ? err : fromFsError(err, f.dest, 'restoring');
          result.failed.push({ path: f.dest, error: e.message });
          reporter.event({ level: 'error', type: 'ship.restore.error', message: e.message, path: f.dest });
        }
        done += f.entry.size;
        reporter.progress?.({ unit: 'bytes', done, total, label: 'restoring' });
      }),
    ),
  );
  return refuseDamaged(sel.damaged, result);
}

/** A damaged manifest fails its own directory only: the others are restored first, then this says so. */
function refuseDamaged(damaged: readonly DamagedManifest[], result: RestoreResult): RestoreResult {
  const first = damaged[0];
  if (!first) return result;
  const others = damaged.length > 1 ? ` (and ${damaged.length - 1} more damaged manifests)` : '';
  throw new CairnError(
    'INTEGRITY',
    `${first.error.message}${others}; nothing of its directory was restored, ${result.restored + result.skippedIdentical} other files were`,
    {
      hint: 'it may be corrupted or hostile; cairn ship verify names every damaged manifest; restore its directory from an earlier point in time with --at',
    },
  );
}

/** Restores one file under `dest` (whose real path is `realDest`): its directories are made inside DEST only. */
async function restoreFile(
  store: ObjectStore,
  f: PlannedFile,
  dest: string,
  realDest: string,
  signal?: AbortSignal,
): Promise<'identical' | 'restored'> {
  const dir = resolve(f.dest, '..');
  await mkdirInside(
    realDest,
    join(realDest, relative(dest, dir)),
    (at) => new CairnError('INTEGRITY', `${at} leads outside the destination (symlink); not written`),
  );
  const realDir = await realpath(dir);
  const target = join(realDir, f.dest.slice(dir.length + 1));
  const existing = await lstat(target).catch(() => undefined);
  const mtime = utimesSeconds(f.entry.mtimeMs);
  if (
    existing?.isFile() &&
    existing.size === f.entry.size &&
    (await hashPool().hashFile(target)).sha256 === f.entry.sha256
  ) {
    // The bytes are there already; the mode and time are made as they were too.
    await chmod(target, f.entry.mode & 0o7777);
    await utimes(target, mtime, mtime);
    return 'identical';
  }
  if (existing && !existing.isFile()) {
    throw new CairnError('CONFLICT', `${target} exists and is not a regular file; not replaced`);
  }
  const tmp = join(realDir, `.cairn-restore-${randomBytes(6).toString('hex')}`);
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  try {
    await pipeline(
      await store.get(objectKey(f.entry.sha256), { signal }),
      meter,
      createWriteStream(tmp, { flags: 'wx', mode: 0o600 }),
      {
        signal,
      },
    );
    if (hash.digest('hex') !== f.entry.sha256 || size !== f.entry.size) {
      throw new CairnError(
        'INTEGRITY',
        `stored content of ${f.dest} does not match its manifest (corrupted object ${f.entry.sha256.slice(0, 12)}…)`,
      );
    }
    await chmod(tmp, f.entry.mode & 0o7777);
    await utimes(tmp, mtime, mtime);
    await rename(tmp, target);
    return 'restored';
  } catch (err) {
    await rm(tmp, { force: true });
    if (isCairnError(err)) throw err;
    throw fromFsError(err, target, 'restoring');
  }
}
