import { DEFAULT_SERIES_KEY } from './series.js';

/** Defaults of the snapshot commands, in one place (the config file's `snapshot` section overrides them). */
export const SNAPSHOT_DEFAULTS = {
  seriesKey: DEFAULT_SERIES_KEY,
  /** First interval between polls of snapshot or instance states; grows to 15 s. */
  pollMs: 2_000,
  /** The interval between polls grows up to this. */
  pollMaxMs: 15_000,
  /** --wait gives up after this long. */
  waitTimeoutMs: 2 * 3_600_000,
  /** --stop: how long an instance may take to stop (then it is force-stopped and started again). */
  stopTimeoutMs: 10 * 60_000,
  /**
   * --stop: how long starting an instance again may take, waiting for it to finish stopping
   * first. It has a deadline of its own: an interrupted run (SIGINT, SIGTERM, the Lambda's
   * deadline) still starts every instance it stopped.
   */
  restartTimeoutMs: 10 * 60_000,
  /** --stop: instances stopped at the same time per region. */
  stopConcurrency: 20,
  /**
   * trim: deletions in flight per region (EC2's DeleteSnapshot burst). A signal stops new ones
   * from starting; those in flight finish.
   */
  deletesInFlight: 100,
  /** copy: copies in flight per destination region (EC2's limit). */
  copiesInFlight: 20,
  /** list: a series whose newest completed snapshot is older than this is stale. */
  staleAfterMs: 26 * 3_600_000,
} as const;
