import { lstat, realpath } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { ByteRate } from '../core/rate.js';
import { MemoryBudget } from '../core/budget.js';
import { retry } from '../core/retry.js';
import { isTransient } from '../storage/s3-errors.js';
import { silentReporter } from '../core/reporter.js';
import type { Reporter } from '../core/reporter.js';
import type { ObjectStore } from '../storage/object-store.js';
import { DEFAULT_EXCLUDES, inside, leavingOut, makeFilter } from '../core/path-filter.js';
import { isUnder } from './catalog.js';
import { lockPaths } from './lock.js';
import type { PathLock } from './lock.js';
import { openForWriting } from './open-files.js';
import { resolveShipPaths, SHIP_DEFAULTS, defaultHost } from './options.js';
import { scanFiles } from './scan.js';
import type { NotUtf8Handler } from './scan.js';
import { Shipper } from './shipper.js';
import { parseShipBackupRequest } from './requests/backup-request.js';
import { runOutcome } from '../core/outcome.js';
import type { RunOutcome } from '../core/outcome.js';
import type { ShipStats } from './stats.js';

export interface ShipOptions {
  store: ObjectStore;
  paths: string[];
  host?: string | undefined;
  recursive?: boolean | undefined;
  include?: string[] | undefined;
  exclude?: string[] | undefined;
  concurrency?: number | undefined;
  /** Bytes per second, all uploads together. */
  maxRate?: number | undefined;
  clock?: Clock | undefined;
  reporter?: Reporter | undefined;
  signal?: AbortSignal | undefined;
  lockDir?: string | undefined;
  /** Find what would be shipped; store nothing. */
  dryRun?: boolean | undefined;
}

export interface ShipSession {
  shipper: Shipper;
  roots: string[];
  host: string;
  lock: PathLock;
  reporter: Reporter;
  clock: Clock;
  filter: ReturnType<typeof makeFilter>;
  recursive: boolean;
  concurrency: number;
}

/**
 * Checks the paths, takes the path locks, checks the target and loads what is
 * already shipped. `beforeLoad` runs once the locks are held (the daemon starts
 * watching there, so nothing that happens during loading is missed).
 */
export async function openShipSession(
  o: ShipOptions,
  attempts: number,
  /** `storeDir`: the local target's real path, when it is local (never watched, never shipped). */
  beforeLoad?: (roots: string[], storeDir: string | undefined) => Promise<void>,
): Promise<ShipSession> {
  const roots = await resolveShipPaths(o.paths);
  const reporter = o.reporter ?? silentReporter;
  const clock = o.clock ?? systemClock;
  const lock = await lockPaths(roots, 'ship', o.lockDir);
  try {
    const storeDir = await realStoreDir(o.store);
    await beforeLoad?.(roots, storeDir);
    await retry(() => (o.dryRun ? Promise.resolve() : o.store.check({ create: true })), {
      attempts,
      baseMs: 500,
      maxMs: 30_000,
      retryable: isTransient,
      signal: o.signal,
      onRetry: (err) =>
        reporter.event({ level: 'warn', type: 'ship.retry', message: `${(err as Error).message}; retrying` }),
    });
    const host = o.host ?? defaultHost();
    const filter = leavingOut(
      makeFilter(o.include, o.exclude ?? [...DEFAULT_EXCLUDES]),
      storeInRoots(roots, storeDir, reporter),
    );
    const recursive = o.recursive ?? SHIP_DEFAULTS.recursive;
    const shipper = new Shipper(
      { store: o.store, clock, reporter },
      {
        host,
        roots: await Promise.all(roots.map(async (r) => ((await lstat(r)).isFile() ? dirname(r) : r))),
        recursive,
        filter,
        smallFileBytes: SHIP_DEFAULTS.smallFileBytes,
        rate: o.maxRate ? new ByteRate(o.maxRate) : undefined,
        budget: new MemoryBudget(SHIP_DEFAULTS.memoryBudgetBytes),
        attempts,
        signal: o.signal,
      },
    );
    await shipper.load();
    if (!o.dryRun) {
      await o.store.abortStaleUploads(
        'objects/',
        new Date(clock.now().getTime() - SHIP_DEFAULTS.staleUploadMs),
      );
    }
    return {
      shipper,
      roots,
      host,
      lock,
      reporter,
      clock,
      filter,
      recursive,
      concurrency: o.concurrency ?? SHIP_DEFAULTS.concurrency,
    };
  } catch (err) {
    await lock.release();
    throw err;
  }
}

/**
 * Where a local storage target lies inside a shipped directory, relative to it:
 * it is left out, or every run (and the daemon, as it stores) would ship its own objects.
 */
function storeInRoots(roots: readonly string[], dir: string | undefined, reporter: Reporter): string[] {
  if (dir === undefined) return [];
  const out: string[] = [];
  for (const root of roots) {
    const rel = inside(root, dir);
    if (rel === undefined) continue;
    out.push(rel);
    reporter.event({
      level: 'warn',
      type: 'ship.leave-out',
      message: `left out ${dir}: it is where files are shipped to`,
      path: dir,
    });
  }
  return out;
}

/** The local target's directory, resolved through symlinks as the watched paths are. */
async function realStoreDir(store: ObjectStore): Promise<string | undefined> {
  const dir = store.localDir;
  return dir === undefined ? undefined : realpath(dir).catch(() => resolve(dir));
}

export interface ReconcileResult {
  scanned: number;
  skippedOpen: number;
  /** With rereadChanged: files that changed at every read, and were not shipped. */
  changedWhileRead: number;
  /** With dryRun: the files that would be shipped. */
  toShip?: string[];
}

/** Ships every finished file under the roots that is not shipped yet, then writes manifests. */
export interface ReconcileOptions {
  dryRun?: boolean;
  /** Files this returns true for are left to the caller (a quiet period still running). */
  defer?: (path: string, st: Stats) => boolean;
  /**
   * Read a file that changed while it was read again (SHIP_DEFAULTS.changedRereads), and warn
   * if it never stood still: nothing else will ship it (`ship backup`). The daemon does not: the
   * file's next event ships it.
   */
  rereadChanged?: boolean;
}

export async function reconcile(
  s: ShipSession,
  signal?: AbortSignal,
  o: ReconcileOptions = {},
): Promise<ReconcileResult> {
  const dryRun = o.dryRun === true;
  // What is stored, before deciding what is shipped: a file whose object went missing is shipped again.
  if (!dryRun) await s.shipper.loadObjectIndex();
  const candidates: string[] = [];
  let scanned = 0;
  const notUtf8: NotUtf8Handler = (dir, name, isDir) => s.shipper.nameNotUtf8(dir, name, isDir);
  for (const root of s.roots) {
    for await (const p of scanFiles(root, s.recursive, s.filter, s.reporter, notUtf8)) {
      if (signal?.aborted) break;
      scanned += 1;
      const st = await lstat(p).catch(() => undefined);
      if (!st) continue;
      if (s.shipper.isShipped(p, st)) {
        s.shipper.stats.filesUnchanged += 1;
        s.shipper.markDirty(dirname(p));
      } else if (!o.defer?.(p, st)) candidates.push(p);
    }
  }
  // Stopped while scanning (a signal, or a daemon that failed): what was found is not shipped,
  // and a scan of a large tree is not carried on for nothing.
  if (signal?.aborted) {
    await s.shipper.flush();
    return { scanned, skippedOpen: 0, changedWhileRead: 0 };
  }
  // A directory removed or emptied since its last manifest has no file to mark it: without this,
  // its old manifest would stay the newest and a restore would bring its files back.
  for (const dir of s.shipper.knownDirs) {
    if (s.roots.some((r) => dir === r || (s.recursive && isUnder(dir, r)))) s.shipper.markDirty(dir);
  }
  s.reporter.progress?.({ unit: 'files', done: 0, total: candidates.length, label: 'shipping' });
  const open = candidates.length ? await openForWriting(s.roots) : new Set<string>();
  if (dryRun)
    return {
      scanned,
      skippedOpen: candidates.filter((p) => open.has(p)).length,
      changedWhileRead: 0,
      toShip: candidates.filter((p) => !open.has(p)),
    };
  const limit = pLimit(s.concurrency);
  let done = 0;
  let lastCheckpoint = s.clock.now().getTime();
  let skippedOpen = 0;
  const changed: string[] = [];
  await Promise.all(
    candidates.map((p) =>
      limit(async () => {
        if (signal?.aborted) return;
        if (open.has(p)) {
          skippedOpen += 1;
          s.reporter.event({
            level: 'info',
            type: 'ship.skip',
            message: `${p} is open for writing; not finished yet`,
            path: p,
          });
          return;
        }
        if ((await s.shipper.shipFile(p)) === 'changed') changed.push(p);
        done += 1;
        s.reporter.progress?.({ unit: 'files', done, total: candidates.length, label: 'shipping' });
        const now = s.clock.now().getTime();
        if (now - lastCheckpoint > SHIP_DEFAULTS.checkpointMs) {
          lastCheckpoint = now;
          await s.shipper.flush();
        }
      }),
    ),
  );
  const notShipped = o.rereadChanged ? await reread(s, changed, limit, signal) : [];
  await s.shipper.flush();
  return { scanned, skippedOpen, changedWhileRead: notShipped.length };
}

/**
 * Reads the files that changed while they were read again, in rounds a pause apart (a round
 * waits once, not once per file), and warns of each that changed every time. Returns those.
 */
async function reread(
  s: ShipSession,
  changed: string[],
  limit: ReturnType<typeof pLimit>,
  signal: AbortSignal | undefined,
): Promise<string[]> {
  let left = changed;
  for (let round = 1; left.length && round <= SHIP_DEFAULTS.changedRereads; round++) {
    await sleep(SHIP_DEFAULTS.changedPauseMs, undefined, { signal }).catch(() => undefined);
    if (signal?.aborted) return left;
    const again: string[] = [];
    await Promise.all(
      left.map((p) =>
        limit(async () => {
          if ((await s.shipper.shipFile(p)) === 'changed') again.push(p);
        }),
      ),
    );
    left = again;
  }
  for (const p of left) {
    s.reporter.event({
      level: 'warn',
      type: 'ship.not-shipped',
      message: `${p} changed while it was read (${SHIP_DEFAULTS.changedRereads + 1} times); not shipped, run again`,
      path: p,
    });
  }
  return left;
}

export interface BackupResult {
  host: string;
  paths: string[];
  scanned: number;
  skippedOpen: number;
  /** Files that changed at every read (each read SHIP_DEFAULTS.changedRereads times more): not shipped. */
  changedWhileRead: number;
  toShip?: string[];
  stats: ShipStats;
  durationMs: number;
  /** ok, partial (some files left out, with reasons), failed (none shipped) or interrupted. */
  outcome: RunOutcome;
}

/** What a backup left out, as the outcome's reasons. */
function backupOutcome(r: ReconcileResult, stats: ShipStats, interrupted: boolean): RunOutcome {
  const { failures, namesNotUtf8 } = stats;
  return runOutcome({
    interrupted,
    problems: [
      failures ? `${failures} file(s) failed` : '',
      r.changedWhileRead ? `${r.changedWhileRead} file(s) changed while read` : '',
      namesNotUtf8 ? `${namesNotUtf8} name(s) not valid UTF-8` : '',
    ],
    done: stats.filesUploaded + stats.filesStoredAlready + stats.filesUnchanged,
  });
}

/**
 * `cairn ship backup`: ship everything finished under the paths once, then return. The request
 * is checked first (a CairnError USAGE names the bad key; nothing is written).
 */
export async function shipBackup(o: ShipOptions): Promise<BackupResult> {
  const req = parseShipBackupRequest(o);
  const session = await openShipSession({ ...o, ...req }, SHIP_DEFAULTS.attempts);
  const started = performance.now();
  try {
    const r = await reconcile(session, o.signal, { dryRun: req.dryRun, rereadChanged: true });
    const stats = session.shipper.stats;
    return {
      host: session.host,
      paths: session.roots,
      ...r,
      stats,
      durationMs: Math.round(performance.now() - started),
      outcome: backupOutcome(r, stats, o.signal?.aborted === true),
    };
  } finally {
    await session.lock.release();
  }
}
