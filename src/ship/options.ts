import { access, constants, realpath, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { CairnError, fromFsError } from '../core/errors.js';
import type { FinishedMode } from '../config/schema.js';

/** Every ship option with its default, in one place. */
export const SHIP_DEFAULTS = {
  recursive: false,
  finished: ['rename', 'close', 'hardlink'] as FinishedMode[],
  quietPeriodMs: 30_000,
  concurrency: 8,
  smallFileBytes: 8 * 1024 * 1024,
  /** File data held in memory at once by all uploads together (whole small files, multipart parts). */
  memoryBudgetBytes: 48 * 1024 * 1024,
  /** The daemon flushes manifests this long after a directory changed. */
  flushDelayMs: 200,
  /** `ship backup` writes manifests at least this often, so a killed run loses little. */
  checkpointMs: 30_000,
  /** The daemon rescans everything this often, catching anything inotify missed. */
  rescanMs: 10 * 60_000,
  /**
   * The daemon checks this often that each watched path is still the directory it watches: one
   * moved away with its parent sends inotify no event of its own.
   */
  rootCheckMs: 5_000,
  /** A watched path found missing has this long to come back (`mv /data /data.old && mkdir /data`). */
  rootGoneGraceMs: 3_000,
  /** Unfinished multipart uploads older than this are aborted. */
  staleUploadMs: 24 * 3_600_000,
  /** Prune never deletes what is younger than this (nor anything a manifest this young refers to). */
  graceMs: 6 * 3_600_000,
  minGraceMs: 3_600_000,
  /** Attempts for transient storage errors in `ship backup` (the daemon retries without end). */
  attempts: 8,
  /**
   * `ship backup` reads a file that changed while it was read this many times more, this long
   * apart, before it leaves it out (the daemon waits for the file's next event instead). A log
   * line appended during one read is seldom appended during the next; a file written without
   * pause is left out after a few seconds rather than holding the run.
   */
  changedRereads: 2,
  changedPauseMs: 1_000,
} as const;

export function defaultHost(): string {
  return hostname();
}

/** Resolves and checks the paths a user asked to ship: they must exist and be readable. */
export async function resolveShipPaths(paths: readonly string[]): Promise<string[]> {
  if (paths.length === 0) {
    throw new CairnError('USAGE', 'no path to ship', {
      hint: 'give one or more directories, e.g. cairn ship backup /var/lib/app',
    });
  }
  const out: string[] = [];
  for (const p of paths) {
    const abs = resolve(p);
    try {
      const real = await realpath(abs);
      const st = await stat(real);
      await access(real, constants.R_OK | (st.isDirectory() ? constants.X_OK : 0));
      out.push(real);
    } catch (err) {
      throw fromFsError(err, abs, 'path to ship');
    }
  }
  return [...new Set(out)];
}
