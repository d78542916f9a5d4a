import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { clockSkewWarning, FUTURE_REASON } from '../core/clock-skew.js';
import { CairnError, isCairnError } from '../core/errors.js';
import type { Reporter } from '../core/reporter.js';
import { silentReporter } from '../core/reporter.js';
import { awsCode, awsMessage, fromAwsError } from '../aws/aws-errors.js';
import { listSnapshots } from './list-managed.js';
import { SNAPSHOT_DEFAULTS } from './options.js';
import { clip, sendSummary } from './notify.js';
import { runOutcome } from './outcome.js';
import type { RegionFailure, RunOutcome } from './outcome.js';
import { describeTrimCollision } from './collisions.js';
import type { TrimCollision } from './collisions.js';
import { planTrim, toCandidates } from './plan-trim.js';
import type { Ec2Api, Notifier } from './ports.js';
import { RegionFailures } from './region-failures.js';
import { parseTrimRequest } from './requests/trim-request.js';
import type { SnapshotTrimRequestInput } from './requests/trim-request.js';
import { resolveRegions } from './select.js';

export interface SnapshotTrimOptions extends SnapshotTrimRequestInput {
  api: Ec2Api;
  notifier?: Notifier | undefined;
  reporter?: Reporter | undefined;
  clock?: Clock | undefined;
  /**
   * Ends the run early: no deletion starts after it (those in flight finish); the result is
   * `interrupted` and lists what was deleted. Before planning, it rejects with INTERRUPTED.
   */
  signal?: AbortSignal | undefined;
}

export interface TrimRow {
  region: string;
  series: string;
  snapshotId: string;
  time: string;
  state: string;
  /** keep (also: not deleted because the run was interrupted), remove (dry run), deleted, failed */
  action: 'keep' | 'remove' | 'deleted' | 'failed';
  reasons: string[];
  error?: string | undefined;
}

export interface SnapshotTrimResult {
  dryRun: boolean;
  regions: string[];
  rows: TrimRow[];
  deleted: number;
  kept: number;
  failed: number;
  /**
   * Series where one run holds two snapshots (of different volumes): nothing in them was
   * deleted. Not empty means the result is not ok (the CLI exits with 8).
   */
  collisions: TrimCollision[];
  /** Deletions planned (not a dry run): `deleted` of them were done; fewer when interrupted. */
  planned: number;
  regionErrors: RegionFailure[];
  outcome: RunOutcome;
  notified?: { topic: string; ok: boolean; error?: string } | undefined;
  /** Clock-skew warnings: snapshots dated in the future, kept and not used to measure any rule. */
  warnings: string[];
}

/** Lists the snapshots of each region, plans with planTrim and deletes what it removes. */
export async function snapshotTrim(options: SnapshotTrimOptions): Promise<SnapshotTrimResult> {
  const { api, notifier } = options;
  const reporter = options.reporter ?? silentReporter;
  const now = (options.clock ?? systemClock).now();
  const o = { ...parseTrimRequest(options), api };
  const { signal } = options;
  const interrupted = (): void => {
    if (signal?.aborted) throw new CairnError('INTERRUPTED', 'interrupted before anything was deleted');
  };
  interrupted();
  const regions = await resolveRegions(o.api, o.regions, o.homeRegion).catch((err: unknown) => {
    interrupted();
    throw fromAwsError(err, `listing regions from ${o.homeRegion}`);
  });
  const failures = new RegionFailures(reporter);
  const snapshots = await listSnapshots(o.api, regions, o, failures, 'listing snapshots');
  interrupted();
  const images = new Map<string, string>();
  await Promise.all(
    regions
      .filter((r) => !failures.has(r))
      .map(async (region) => {
        try {
          for (const [snap, ami] of await o.api.imageSnapshots(region)) images.set(snap, ami);
          failures.someWorked();
        } catch (err) {
          failures.add(region, fromAwsError(err, `listing AMIs in ${region}`));
        }
      }),
  );
  interrupted();
  failures.settle(regions);
  const candidates = toCandidates(
    snapshots.filter((s) => !failures.has(s.region)),
    images,
  );
  const plan = planTrim(candidates, o.policy, now, { maxDeletions: o.maxDeletions });
  const skew = clockSkewWarning(
    'snapshot',
    plan.keep.filter((k) => k.reasons.includes(FUTURE_REASON)).map((k) => k.item.time),
    now,
  );
  if (skew) reporter.event(skew);
  const rows: TrimRow[] = plan.keep.map(({ item, reasons }) => ({
    region: item.region,
    series: item.series,
    snapshotId: item.id,
    time: item.time.toISOString(),
    state: item.state,
    action: 'keep',
    reasons,
  }));
  const removals: TrimRow[] = plan.remove.map(({ item, reason }) => ({
    region: item.region,
    series: item.series,
    snapshotId: item.id,
    time: item.time.toISOString(),
    state: item.state,
    action: 'remove',
    reasons: [reason],
  }));
  const notStarted = o.dryRun ? 0 : await deleteAll(removals, o.api, reporter, signal);
  const all = [...rows, ...removals].sort(
    (a, b) =>
      a.region.localeCompare(b.region) || a.series.localeCompare(b.series) || b.time.localeCompare(a.time),
  );
  const result: SnapshotTrimResult = {
    dryRun: o.dryRun === true,
    regions,
    rows: all,
    deleted: all.filter((r) => r.action === 'deleted').length,
    kept: all.filter((r) => r.action === 'keep').length,
    failed: all.filter((r) => r.action === 'failed').length,
    collisions: plan.collisions,
    planned: o.dryRun ? 0 : removals.length,
    regionErrors: failures.all,
    warnings: skew ? [skew.message] : [],
    outcome: { status: 'ok', reasons: [] },
  };
  result.outcome = runOutcome({
    interrupted: notStarted > 0,
    done: result.deleted + result.kept,
    problems: [
      result.failed ? `${result.failed} snapshot(s) could not be deleted` : '',
      result.regionErrors.length ? `${result.regionErrors.length} region(s) could not be used` : '',
      result.collisions.length ? `${result.collisions.length} series hold two snapshots of one run` : '',
    ],
  });
  if (!o.dryRun && o.notify)
    result.notified = await sendSummary(notifier, o.notify, trimSummary(result), reporter);
  return result;
}

/**
 * Deletes the removals, at most SNAPSHOT_DEFAULTS.deletesInFlight at once per region. Once
 * `signal` is aborted no deletion starts: the rest are kept, with the reason. Returns how many
 * were not started.
 */
async function deleteAll(
  removals: TrimRow[],
  api: Ec2Api,
  reporter: Reporter,
  signal: AbortSignal | undefined,
): Promise<number> {
  let done = 0;
  let skipped = 0;
  const byRegion = new Map<string, TrimRow[]>();
  for (const r of removals) byRegion.set(r.region, [...(byRegion.get(r.region) ?? []), r]);
  const notStarted = (r: TrimRow): void => {
    skipped += 1;
    r.action = 'keep';
    r.reasons = [`not deleted: the run was interrupted (would be removed: ${r.reasons.join('; ')})`];
  };
  const deleteOne = async (r: TrimRow): Promise<void> => {
    try {
      await api.deleteSnapshot(r.region, r.snapshotId);
      r.action = 'deleted';
    } catch (err) {
      if (signal?.aborted && isAbort(err)) {
        // Waiting for its turn when the signal came: never sent.
        notStarted(r);
        return;
      }
      if (awsCode(err) === 'InvalidSnapshot.InUse') {
        r.action = 'keep';
        r.reasons = [`in use: ${awsMessage(err)}`];
        reporter.event({
          level: 'warn',
          type: 'snapshot.in-use',
          message: `kept ${r.snapshotId}: ${awsMessage(err)}`,
        });
      } else {
        r.action = 'failed';
        r.error = awsMessage(err);
        reporter.event({
          level: 'error',
          type: 'snapshot.failed',
          message: `deleting ${r.snapshotId} in ${r.region}: ${r.error}`,
        });
      }
    }
    reporter.progress?.({ unit: 'items', done: ++done, total: removals.length, label: 'deleting snapshots' });
  };
  await Promise.all(
    [...byRegion.values()].map(async (rows) => {
      const queue = [...rows];
      const worker = async (): Promise<void> => {
        for (let r = queue.shift(); r; r = queue.shift()) {
          if (signal?.aborted) notStarted(r);
          else await deleteOne(r);
        }
      };
      const n = Math.min(SNAPSHOT_DEFAULTS.deletesInFlight, rows.length);
      await Promise.all(Array.from({ length: n }, worker));
    }),
  );
  return skipped;
}

const isAbort = (err: unknown): boolean =>
  (err instanceof Error && err.name === 'AbortError') || (isCairnError(err) && err.code === 'INTERRUPTED');

export function trimSummary(r: SnapshotTrimResult): { ok: boolean; subject: string; body: string } {
  const ok = r.outcome.status === 'ok';
  const cut =
    r.outcome.status === 'interrupted' ? ` (INTERRUPTED: ${r.deleted} of ${r.planned} planned)` : '';
  const subject = `cairn snapshot trim: ${r.deleted} deleted${cut}, ${r.kept} kept${r.failed ? `, ${r.failed} FAILED` : ''}${r.collisions.length ? `, ${r.collisions.length} series COLLIDED` : ''}`;
  const lines = [
    `regions: ${r.regions.join(', ')}`,
    ...clip(r.collisions.map((c) => `COLLISION ${describeTrimCollision(c)}: nothing in it deleted`)),
    ...r.regionErrors.map((e) => `region ${e.region}: ${e.error.message}`),
    ...r.warnings.map((w) => `warning: ${w}`),
    ...clip(
      r.rows
        .filter((x) => x.action === 'failed')
        .map((x) => `FAILED ${x.region} ${x.snapshotId} (${x.series}): ${x.error ?? ''}`),
    ),
    ...clip(
      r.rows
        .filter((x) => x.action === 'deleted')
        .map((x) => `deleted ${x.region} ${x.snapshotId} (${x.series}, ${x.time}): ${x.reasons.join('; ')}`),
    ),
  ];
  return { ok, subject, body: lines.join('\n') };
}
