import { ageMs, clockSkewWarning, isFuture } from '../core/clock-skew.js';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { CairnError } from '../core/errors.js';
import type { Reporter } from '../core/reporter.js';
import { silentReporter } from '../core/reporter.js';
import { fromAwsError } from '../aws/aws-errors.js';
import { listSnapshots } from './list-managed.js';
import { SNAPSHOT_DEFAULTS } from './options.js';
import { runOutcome } from './outcome.js';
import type { RegionFailure, RunOutcome } from './outcome.js';
import type { Ec2Api } from './ports.js';
import { RegionFailures } from './region-failures.js';
import { parseListRequest } from './requests/list-request.js';
import type { SnapshotListRequestInput } from './requests/list-request.js';
import { resolveRegions } from './select.js';
import { seriesOf } from './tags.js';
import type { Ec2Snapshot } from './types.js';

export interface SeriesRow {
  region: string;
  series: string;
  count: number;
  completed: number;
  pending: number;
  error: number;
  /** Start time of the newest completed snapshot not dated in the future. */
  newest: string | undefined;
  newestId: string | undefined;
  /** Milliseconds since the newest completed snapshot not dated in the future (never negative). */
  ageMs: number | undefined;
  /** Completed snapshots dated in the future (more than a minute ahead: clock skew?), not counted as newest. */
  future: number;
  /** True when the newest completed one is older than `staleAfterMs` (or there is none). */
  stale: boolean;
}

/** One row per series and region, oldest-newest first. Pure. */
export function summarizeSeries(
  snaps: readonly Ec2Snapshot[],
  now: Date,
  staleAfterMs: number | undefined,
): SeriesRow[] {
  const rows = new Map<string, SeriesRow>();
  for (const s of snaps) {
    const series = seriesOf(s);
    const key = `${s.region}\u0000${series}`;
    const r = rows.get(key) ?? {
      region: s.region,
      series,
      count: 0,
      completed: 0,
      pending: 0,
      error: 0,
      newest: undefined,
      newestId: undefined,
      ageMs: undefined,
      future: 0,
      stale: false,
    };
    r.count += 1;
    if (s.state === 'completed' && isFuture(s.startTime, now)) {
      r.completed += 1;
      r.future += 1;
    } else if (s.state === 'completed') {
      r.completed += 1;
      const t = s.startTime.toISOString();
      if (!r.newest || t > r.newest) {
        r.newest = t;
        r.newestId = s.id;
      }
    } else if (s.state === 'pending') r.pending += 1;
    else r.error += 1;
    rows.set(key, r);
  }
  for (const r of rows.values()) {
    r.ageMs = r.newest ? ageMs(new Date(r.newest), now) : undefined;
    r.stale = r.ageMs === undefined || (staleAfterMs !== undefined && r.ageMs > staleAfterMs);
  }
  return [...rows.values()].sort(
    (a, b) => a.region.localeCompare(b.region) || a.series.localeCompare(b.series),
  );
}

export interface SnapshotListOptions extends SnapshotListRequestInput {
  api: Ec2Api;
  reporter?: Reporter | undefined;
  clock?: Clock | undefined;
  /** Ends the run early: it rejects with an INTERRUPTED CairnError once the listing returns. */
  signal?: AbortSignal | undefined;
}

export interface SnapshotListResult {
  regions: string[];
  series: SeriesRow[];
  /** The stale-after the rows were judged by (the request's, or SNAPSHOT_DEFAULTS.staleAfterMs). */
  staleAfterMs: number;
  regionErrors: RegionFailure[];
  /** Not ok when a region could not be used or a series is stale (named in `reasons`). */
  outcome: RunOutcome;
  warnings: string[];
}

/** "2 series stale: db-1:/dev/sdf (us-east-1), …" (at most five named), or '' when none is. */
export function staleLine(rows: readonly SeriesRow[]): string {
  const stale = rows.filter((s) => s.stale);
  if (!stale.length) return '';
  const names = stale.slice(0, 5).map((s) => `${s.series} (${s.region})`);
  return `${stale.length} series stale: ${names.join(', ')}${stale.length > 5 ? ', …' : ''}`;
}

/**
 * One row per series and region with its freshness. A stale series (no completed snapshot
 * within stale-after, default SNAPSHOT_DEFAULTS.staleAfterMs) makes the outcome `partial`.
 */
export async function snapshotList(options: SnapshotListOptions): Promise<SnapshotListResult> {
  const reporter = options.reporter ?? silentReporter;
  const o = { ...parseListRequest(options), api: options.api };
  const staleAfterMs = o.staleAfterMs ?? SNAPSHOT_DEFAULTS.staleAfterMs;
  const interrupted = (): void => {
    if (options.signal?.aborted) throw new CairnError('INTERRUPTED', 'interrupted; nothing listed');
  };
  interrupted();
  const regions = await resolveRegions(o.api, o.regions, o.homeRegion).catch((err: unknown) => {
    interrupted();
    throw fromAwsError(err, `listing regions from ${o.homeRegion}`);
  });
  const failures = new RegionFailures(reporter);
  const snapshots = await listSnapshots(o.api, regions, o, failures, 'listing snapshots');
  interrupted();
  failures.settle(regions);
  const now = (options.clock ?? systemClock).now();
  const completed = snapshots.filter((s) => s.state === 'completed').map((s) => s.startTime);
  const skew = clockSkewWarning('snapshot', completed, now);
  if (skew) reporter.event(skew);
  const series = summarizeSeries(snapshots, now, staleAfterMs);
  return {
    regions,
    series,
    staleAfterMs,
    regionErrors: failures.all,
    warnings: skew ? [skew.message] : [],
    outcome: runOutcome({
      interrupted: false,
      done: regions.length - failures.all.length,
      problems: [
        failures.all.length ? `${failures.all.length} region(s) could not be used` : '',
        staleLine(series),
      ],
    }),
  };
}
