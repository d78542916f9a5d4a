import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, lstat, mkdir, open, realpath, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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
import { backoffDelay } from '../core/retry.js';
import { settleHandle } from '../core/settle.js';
import type { Settled } from '../core/settle.js';
import { currentRestorer, describeSpecialBits } from '../core/special-bits.js';
import type { Restorer } from '../core/special-bits.js';
import { runOutcome } from '../core/outcome.js';
import type { RunOutcome } from '../core/outcome.js';
import { objectKey } from './layout.js';
import { pointInTimeAt } from './requests/fields.js';
import { parseShipRestoreRequest } from './requests/restore-request.js';
import type { ManifestEntry } from './manifest.js';
import { selectManifests } from './select.js';
import type { DamagedManifest } from './catalog.js';

export interface RestoreOptions {
  store: ObjectStore;
  dest: string;
  host?: string | undefined;
  /** Restore only this directory and below; files land at DEST/<path relative to it>. Default '/'. */
  path?: string | undefined;
  /** A Date, or text such as `2026-11-25T03:00Z` or `6h ago` (against the clock). Default now. */
  at?: Date | string | undefined;
  concurrency?: number | undefined;
  dryRun?: boolean | undefined;
  clock?: Clock | undefined;
  reporter?: Reporter | undefined;
  signal?: AbortSignal | undefined;
  /** Who restores (default: this process); only root gives files back to their recorded owners. */
  restorer?: Restorer | undefined;
}

export interface RestoreResult {
  host: string;
  at: string;
  dest: string;
  files: number;
  restored: number;
  skippedIdentical: number;
  bytes: number;
  /** Files whose setuid/setgid/sticky bits were cleared because their owner could not be restored. */
  specialBitsCleared: number;
  failed: { path: string; error: string }[];
  /** ok, partial or failed (files that could not be restored, with reasons), or interrupted. */
  outcome: RunOutcome;
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

/**
 * Tableslurp: restore the newest manifest of each directory at or before `at`, verifying every
 * byte. The request is checked first (a CairnError USAGE names the bad key; nothing is written).
 */
export async function shipRestore(o: RestoreOptions): Promise<RestoreResult> {
  const req = parseShipRestoreRequest(o);
  const reporter = o.reporter ?? silentReporter;
  const now = (o.clock ?? systemClock).now();
  const at = pointInTimeAt(req.at, now) ?? now;
  const dest = resolve(req.dest);
  const base = req.path ? resolve(req.path) : '/';
  const sel = await selectManifests(o.store, { host: req.host, path: base, at });
  const files = planFiles(dest, base, sel.manifests);
  const result: RestoreResult = {
    host: sel.host,
    at: at.toISOString(),
    dest,
    files: files.length,
    restored: 0,
    skippedIdentical: 0,
    bytes: 0,
    specialBitsCleared: 0,
    failed: [],
    outcome: { status: 'ok', reasons: [] },
  };
  if (req.dryRun) return refuseDamaged(sel.damaged, result);
  try {
    await mkdir(dest, { recursive: true });
    await access(dest, constants.W_OK);
  } catch (err) {
    throw fromFsError(err, dest, 'restore destination');
  }
  const realDest = await realpath(dest);
  const ctx: FileContext = {
    store: o.store,
    dest,
    realDest,
    who: o.restorer ?? currentRestorer(),
    reporter,
    signal: o.signal,
  };
  const report = (path: string, s: Settled): void => {
    if (s.ownerError) {
      reporter.event({
        level: 'warn',
        type: 'ship.restore.owner',
        message: `${path}: owner not restored: ${s.ownerError}`,
        path,
      });
    }
    if (!s.cleared) return;
    result.specialBitsCleared += 1;
    reporter.event({
      level: 'warn',
      type: 'ship.restore.special-bits',
      message: `${path}: ${describeSpecialBits(s.cleared.bits)} cleared: ${s.cleared.reason}`,
      path,
    });
  };
  const limit = pLimit(req.concurrency);
  let done = 0;
  const total = files.reduce((n, f) => n + f.entry.size, 0);
  await Promise.all(
    files.map((f) =>
      limit(async () => {
        if (o.signal?.aborted) return;
        try {
          const { outcome, settled } = await restoreFile(f, ctx);
          report(f.dest, settled);
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
  result.outcome = runOutcome({
    interrupted: o.signal?.aborted === true,
    problems: result.failed.length
      ? [`${result.failed.length} of ${result.files} files could not be restored`]
      : [],
    done: result.restored + result.skippedIdentical,
  });
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

/** Attempts in all for one file's download that breaks (a reset, a timeout, a cut stream). */
export const DOWNLOAD_ATTEMPTS = 4;

interface FileContext {
  store: ObjectStore;
  dest: string;
  realDest: string;
  who: Restorer;
  reporter: Reporter;
  signal?: AbortSignal | undefined;
  random?: (() => number) | undefined;
}

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_WRONLY } = constants;

/** A download that broke may succeed again; a missing object, bad data or a local error will not. */
const retryable = (err: unknown): boolean =>
  !isCairnError(err) || err.code === 'UNAVAILABLE' || err.code === 'INTERRUPTED';

/**
 * Downloads the object of `f` into `fh` from byte `written` on, hashing as it
 * goes; a download that breaks is resumed where it stopped (a ranged read),
 * after a backoff, up to DOWNLOAD_ATTEMPTS in all.
 */
async function download(
  fh: FileHandle,
  f: PlannedFile,
  c: FileContext,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let written = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      const range = written > 0 ? { start: written, end: f.entry.size } : undefined;
      if (range && range.start >= range.end) break;
      const body = await c.store.get(objectKey(f.entry.sha256), { signal: c.signal, range });
      for await (const chunk of body as AsyncIterable<Buffer>) {
        for (let off = 0; off < chunk.length;) {
          off += (
            await fh.write(chunk, off, chunk.length - off, written + off).catch((err: unknown) => {
              throw fromFsError(err, f.dest, 'restoring');
            })
          ).bytesWritten;
        }
        hash.update(chunk);
        written += chunk.length;
      }
      break;
    } catch (err) {
      if (attempt >= DOWNLOAD_ATTEMPTS || c.signal?.aborted || !retryable(err)) throw err;
      const delay = backoffDelay(attempt, 250, 5_000, c.random);
      c.reporter.event({
        level: 'warn',
        type: 'ship.restore.retry',
        message: `download of ${f.dest} broke after ${written} bytes (${(err as Error).message}); resuming in ${delay} ms (attempt ${attempt + 1} of ${DOWNLOAD_ATTEMPTS})`,
        path: f.dest,
      });
      await sleep(delay, undefined, { signal: c.signal });
    }
  }
  return { sha256: hash.digest('hex'), size: written };
}

/**
 * Restores one file under `dest` (whose real path is `realDest`): its
 * directories are made inside DEST only; its bytes go to a temporary name in
 * its directory and are renamed into place only once their SHA-256 and size
 * match the manifest, so a failure leaves an existing file as it was. Owner,
 * mode and time are set through the open file, never through a path.
 */
async function restoreFile(
  f: PlannedFile,
  c: FileContext,
): Promise<{ outcome: 'identical' | 'restored'; settled: Settled }> {
  const dir = resolve(f.dest, '..');
  await mkdirInside(
    c.realDest,
    join(c.realDest, relative(c.dest, dir)),
    (at) => new CairnError('INTEGRITY', `${at} leads outside the destination (symlink); not written`),
  );
  const realDir = await realpath(dir);
  if (!holds(c.realDest, realDir)) {
    throw new CairnError('INTEGRITY', `${dir} leads outside the destination (symlink); not written`);
  }
  const target = join(realDir, f.dest.slice(dir.length + 1));
  const existing = await lstat(target).catch(() => undefined);
  const meta = {
    mode: f.entry.mode,
    mtime: utimesSeconds(f.entry.mtimeMs),
    owner:
      f.entry.uid !== undefined && f.entry.gid !== undefined
        ? { uid: f.entry.uid, gid: f.entry.gid }
        : undefined,
    who: c.who,
  };
  if (
    existing?.isFile() &&
    existing.size === f.entry.size &&
    (await hashPool().hashFile(target)).sha256 === f.entry.sha256
  ) {
    // The bytes are there already; the owner, mode and time are made as they were too.
    const fh = await open(target, O_RDONLY | O_NOFOLLOW);
    try {
      const st = await fh.stat();
      if (!st.isFile() || st.ino !== existing.ino) {
        throw new CairnError('CONFLICT', `${target} changed while it was being restored; not touched`);
      }
      return { outcome: 'identical', settled: await settleHandle(fh, meta) };
    } finally {
      await fh.close();
    }
  }
  if (existing && !existing.isFile()) {
    throw new CairnError('CONFLICT', `${target} exists and is not a regular file; not replaced`);
  }
  const tmp = join(realDir, `.cairn-restore-${randomBytes(6).toString('hex')}`);
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    const got = await download(fh, f, c);
    if (got.sha256 !== f.entry.sha256 || got.size !== f.entry.size) {
      throw new CairnError(
        'INTEGRITY',
        `stored content of ${f.dest} does not match its manifest (corrupted object ${f.entry.sha256.slice(0, 12)}…)`,
      );
    }
    const settled = await settleHandle(fh, meta);
    await fh.close();
    fh = undefined;
    await rename(tmp, target);
    return { outcome: 'restored', settled };
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await rm(tmp, { force: true });
    if (isCairnError(err)) throw err;
    throw fromFsError(err, target, 'restoring');
  }
}
