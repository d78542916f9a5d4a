import { lstat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { errnoCode } from '../core/errors.js';
import pLimit from 'p-limit';
import type { FinishedMode } from '../config/schema.js';
import { openShipSession, reconcile } from './backup.js';
import type { ShipOptions } from './backup.js';
import { inotifySource } from './events.js';
import type { EventSource, FsEvent } from './events.js';
import { SHIP_DEFAULTS } from './options.js';
import { parseShipWatchRequest } from './requests/watch-request.js';
import { scanFiles } from './scan.js';
import type { ShipStats } from './stats.js';
import { QuietTracker } from './quiet.js';
import { identify, replacedRoots } from './root-identity.js';
import type { RootIdentity } from './root-identity.js';

export interface WatchOptions extends ShipOptions {
  finished?: FinishedMode[] | undefined;
  quietPeriodMs?: number | undefined;
  flushDelayMs?: number | undefined;
  rescanMs?: number | undefined;
  /** How long a stop waits for in-flight files before abandoning them. */
  stopTimeoutMs?: number | undefined;
}

export interface ShipDaemon {
  host: string;
  roots: string[];
  stats: ShipStats;
  /** Files waiting or in flight. */
  queueDepth(): number;
  /** Age in ms of the oldest file waiting to be shipped (0 when none). */
  oldestPendingMs(): number;
  /**
   * Resolves when the daemon stops; rejects if it fails (e.g. the watcher dies, or storage
   * refuses a manifest), once it has stopped: watcher and timers gone, manifests of what is
   * stored written, locks released.
   */
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * `cairn ship watch`: watch first (so nothing is missed), load and reconcile,
 * then ship each file as it becomes finished and write its directory's
 * manifest shortly after.
 */
export async function shipWatch(options: WatchOptions): Promise<ShipDaemon> {
  const o = { ...options, ...parseShipWatchRequest(options) };
  const modes = new Set<FinishedMode>(o.finished);
  const controller = new AbortController();
  const outer = o.signal;
  const signal = controller.signal;
  outer?.addEventListener('abort', () => controller.abort(), { once: true });
  const buffered: FsEvent[] = [];
  let handle: (e: FsEvent) => void = (e) => buffered.push(e);
  let source: EventSource | undefined;
  /** What each watched path was when its watches were set up: a path replaced since is watched again. */
  const identities = new Map<string, RootIdentity | undefined>();
  /** Events of a watcher that was replaced are dropped: they name paths of a tree no longer there. */
  let generation = 0;
  let leaveOut: string[] = [];
  // Until the daemon can look at its roots, a watcher's failure is kept for it.
  let watcherFailed: { error: unknown } | undefined;
  let onWatcherFailed = (err: unknown): void => void (watcherFailed ??= { error: err });

  /** Starts a watcher for the roots (the current one, if any, is left to the caller to close). */
  const watchRoots = async (roots: string[]): Promise<void> => {
    // Identities first: a path replaced between the two is then found replaced by the next check.
    for (const r of roots) identities.set(r, await identify(r));
    const gen = ++generation;
    const next = inotifySource(roots, o.recursive, (e) => gen === generation && handle(e), leaveOut);
    source = next;
    next.done.catch((err: unknown) => gen === generation && onWatcherFailed(err));
    await next.ready;
  };

  const s = await openShipSession({ ...o, signal }, Infinity, async (roots, storeDir) => {
    // A local target under a watched directory is not watched: its own writes are not news.
    leaveOut = storeDir === undefined ? [] : [storeDir];
    await watchRoots(roots);
  }).catch((err: unknown) => {
    // The watches may be in place already, and inotifywait would keep the process alive.
    source?.close();
    throw err;
  });
  const reporter = s.reporter;
  const limit = pLimit(s.concurrency);
  const pending = new Map<string, number>(); // path → when it was queued
  const again = new Set<string>();
  const running = new Set<string>();
  let flushTimer: NodeJS.Timeout | undefined;
  let rescan: NodeJS.Timeout | undefined;
  let rootTimer: NodeJS.Timeout | undefined;
  let failure: { error: unknown } | undefined;
  /**
   * An error the daemon cannot go on after (storage refusing a manifest, the watcher gone): it
   * stops as on SIGTERM, and `done` rejects with the error. Carrying on would upload files that no
   * manifest ever names, or watch nothing, and a supervisor would never restart it.
   */
  const failed = (err: unknown): void => {
    if (signal.aborted) return; // stopping already: whatever fails now was abandoned
    failure = { error: err };
    controller.abort();
  };

  const accepts = (path: string): boolean => {
    const root = s.roots.find((r) => path === r || path.startsWith(`${r}/`));
    // A directory keeps its trailing '/' (relative() would drop it): the filter enters directories.
    const dir = path.endsWith('/') ? '/' : '';
    return root !== undefined && (path === root || s.filter.accepts(relative(root, path) + dir));
  };

  const scheduleFlush = (): void => {
    if (flushTimer || signal.aborted) return;
    flushTimer = setTimeout(() => {
      flushTimer = undefined;
      s.shipper.flush().catch(failed);
    }, o.flushDelayMs ?? SHIP_DEFAULTS.flushDelayMs);
  };

  const enqueue = (path: string): void => {
    if (signal.aborted) return;
    if (running.has(path)) {
      again.add(path);
      return;
    }
    if (pending.has(path)) return;
    pending.set(path, performance.now());
    void limit(async () => {
      if (signal.aborted) {
        pending.delete(path); // abandoned: a stop waits for `pending` to empty
        return;
      }
      running.add(path);
      try {
        const outcome = await s.shipper.shipFile(path);
        if (outcome !== 'changed' && outcome !== 'skipped') scheduleFlush();
        if (outcome === 'changed' && modes.has('quiet')) quiet.track(path);
      } catch (err) {
        failed(err);
      } finally {
        running.delete(path);
        pending.delete(path);
        if (again.delete(path)) enqueue(path);
      }
    });
  };

  const quietPeriodMs = o.quietPeriodMs;
  const quiet = new QuietTracker(quietPeriodMs, enqueue);
  // In quiet mode a file found by a scan is finished only if it has not changed for the quiet period either.
  const reconcileAll = (): Promise<unknown> =>
    reconcile(s, signal, {
      defer: (path, st) => {
        if (!modes.has('quiet') || s.clock.now().getTime() - st.mtimeMs >= quietPeriodMs) return false;
        quiet.track(path);
        return true;
      },
    });

  /**
   * Whether a watched path was replaced (and is now watched again), after a root event, at each
   * rescan, and every SHIP_DEFAULTS.rootCheckMs; a path gone for good rejects with NOT_FOUND.
   *
   * A replaced directory (a restore, `mv /data /data.old && mkdir /data`) is watched again in this
   * process rather than by exiting for a supervisor to restart: the daemon is often run without
   * one, and what a restart would do is what this does, in the same order as at start: watches
   * on the new tree first, then the reconciliation, which ships every file there not shipped yet
   * and gives directories no longer there an empty manifest. Manifests still name only what the
   * shipper stored. The old watcher is closed only once the new one is in place, and its events
   * are dropped from then: they are of the tree moved away, under names that now mean others.
   */
  let checking: Promise<boolean> | undefined;
  let checkAgain = false;
  const checkRoots = (): Promise<boolean> => {
    if (checking) {
      checkAgain = true;
      return checking;
    }
    const run = (async () => {
      let rewatched = false;
      do {
        checkAgain = false;
        const replaced = await replacedRoots(identities, SHIP_DEFAULTS.rootGoneGraceMs, signal);
        if (!replaced.length || signal.aborted) continue;
        for (const r of replaced) {
          reporter.event({
            level: 'warn',
            type: 'ship.root-replaced',
            message: `${r} was replaced by another directory; watching the new one`,
            path: r,
          });
        }
        const old = source;
        try {
          await watchRoots(s.roots);
        } catch (err) {
          // Gone again before it could be watched: that is the error to report (NOT_FOUND).
          if (!(await replacedRoots(identities, SHIP_DEFAULTS.rootGoneGraceMs, signal)).length) throw err;
          checkAgain = true;
          continue;
        } finally {
          old?.close();
        }
        rewatched = true;
        if (signal.aborted) source?.close();
        else {
          await reconcileAll().catch(async (err: unknown) => {
            if (!(await replacedRoots(identities, SHIP_DEFAULTS.rootGoneGraceMs, signal)).length) throw err;
            checkAgain = true;
          });
        }
      } while (checkAgain && !signal.aborted);
      return rewatched;
    })().finally(() => (checking = undefined));
    checking = run;
    return run;
  };

  // A scan that fails because a watched path went away fails with what happened to it.
  const catchUp = (): Promise<unknown> =>
    reconcileAll().catch(async (err: unknown) => {
      if (!(await checkRoots())) throw err;
    });
  // A watcher that stopped may have lost its path (removed, or replaced): that is then what is
  // reported, or watched again; otherwise the watcher's own error is.
  onWatcherFailed = (err) =>
    void checkRoots().then((rewatched) => {
      if (!rewatched) failed(err);
    }, failed);
  if (watcherFailed) onWatcherFailed(watcherFailed.error);

  const notUtf8 = (dir: string, name: string, isDirectory: boolean): void =>
    s.shipper.nameNotUtf8(dir, name, isDirectory);

  const scanDir = async (dir: string): Promise<void> => {
    const filter = { accepts: (rel: string) => accepts(`${dir}/${rel}`) };
    for await (const p of scanFiles(dir, true, filter, reporter, notUtf8)) {
      if (signal.aborted) return;
      const st = await lstat(p).catch(() => undefined);
      if (st && !s.shipper.isShipped(p, st)) enqueue(p);
    }
  };

  handle = (e: FsEvent): void => {
    if (e.kind === 'root-changed') {
      void checkRoots().catch(failed);
      return;
    }
    if (e.kind === 'overflow') {
      reporter.event({
        level: 'warn',
        type: 'ship.overflow',
        message: 'inotify queue overflowed; rescanning',
      });
      void catchUp().catch(failed);
      return;
    }
    if (e.kind === 'not-utf8') {
      if (accepts(join(e.dir, e.name) + (e.isDirectory ? '/' : ''))) notUtf8(e.dir, e.name, e.isDirectory);
      return;
    }
    if (e.kind === 'dir-created') {
      // A directory removed again before it is scanned is no failure of the daemon.
      void scanDir(e.path).catch((err: unknown) => {
        if (errnoCode(err) !== 'ENOENT' && errnoCode(err) !== 'ENOTDIR') failed(err);
      });
      return;
    }
    if (!accepts(e.path)) return;
    switch (e.kind) {
      case 'removed':
        s.shipper.markDirty(dirname(e.path));
        scheduleFlush();
        return;
      case 'moved-in':
        if (modes.has('rename')) enqueue(e.path);
        else if (modes.has('quiet')) quiet.track(e.path);
        return;
      case 'closed-write':
        if (modes.has('close')) enqueue(e.path);
        else if (modes.has('quiet')) quiet.track(e.path);
        return;
      case 'created':
        if (modes.has('hardlink')) {
          void lstat(e.path).then(
            (st) =>
              st.isFile() && st.nlink > 1 ? enqueue(e.path) : modes.has('quiet') && quiet.track(e.path),
            () => undefined,
          );
        } else if (modes.has('quiet')) quiet.track(e.path);
        return;
    }
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      source?.close();
      clearInterval(rescan);
      clearInterval(rootTimer);
      quiet.close();
      // Let in-flight files finish, then write their manifests; abandon what is left after the timeout.
      const drained = (async () => {
        while (running.size || pending.size) await new Promise((r) => setTimeout(r, 50));
      })();
      const timeout = new Promise((r) => setTimeout(r, o.stopTimeoutMs ?? 30_000).unref());
      await Promise.race([drained, timeout]);
      if (flushTimer) clearTimeout(flushTimer);
      // Only files whose objects are stored are in a manifest: what was abandoned is in none.
      await Promise.race([s.shipper.flush().catch(() => undefined), timeout]);
      controller.abort();
      await s.lock.release();
    })());
  // A signal (outer), or a failure, aborts in-flight work at once; daemon.stop() lets it finish first.
  const done = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  })
    .then(stop)
    .then(() => {
      if (failure) throw failure.error;
    });
  done.catch(() => undefined);

  // Catch up: what happened while loading, then everything not shipped yet.
  for (const e of buffered.splice(0)) handle(e);
  await catchUp().catch(failed);
  if (signal.aborted) {
    // Stopped, or failed, while catching up: a failure rejects here, once the daemon has stopped.
    await done;
  } else {
    reporter.event({
      level: 'info',
      type: 'ship.ready',
      message: `watching ${s.roots.join(', ')} for finished files`,
    });
    rescan = setInterval(() => void catchUp().catch(failed), o.rescanMs ?? SHIP_DEFAULTS.rescanMs);
    rescan.unref();
    rootTimer = setInterval(() => void checkRoots().catch(failed), SHIP_DEFAULTS.rootCheckMs);
    rootTimer.unref();
  }

  return {
    host: s.host,
    roots: s.roots,
    stats: s.shipper.stats,
    queueDepth: () => pending.size + quiet.size,
    oldestPendingMs: () => {
      let oldest = Infinity;
      for (const t of pending.values()) oldest = Math.min(oldest, t);
      return oldest === Infinity ? 0 : performance.now() - oldest;
    },
    done,
    stop,
  };
}
