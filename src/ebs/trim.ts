import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { clockSkewWarning, FUTURE_REASON } from '../core/clock-skew.js';
import type { Reporter } from '../core/reporter.js';
import { silentReporter } from '../core/reporter.js';
import { awsCode, awsMessage, fromAwsError } from '../aws/aws-errors.js';
import { listSnapshots } from './list-managed.js';
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
}

export interface TrimRow {
  region: string;
  series: string;
  snapshotId: string;
  time: string;
  state: string;
  /** keep, remove (dry run), deleted, failed */
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
  const regions = await resolveRegions(o.api, o.regions, o.homeRegion).catch((err: unknown) => {
    throw fromAwsError(err, `listing regions from ${o.homeRegion}`);
  });
  const failures = new RegionFailures(reporter);
  const snapshots = await listSnapshots(o.api, regions, o, failures, 'listing snapshots');
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
  if (!o.dryRun) {
    let done = 0;
    await Promise.all(
      removals.map(async (r) => {
        try {
          await o.api.deleteSnapshot(r.region, r.snapshotId);
          r.action = 'deleted';
        } catch (err) {
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
        reporter.progress?.({
          unit: 'items',
          done: ++done,
          total: removals.length,
          label: 'deleting snapshots',
        });
      }),
    );
  }
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
    regionErrors: failures.all,
    warnings: skew ? [skew.message] : [],
    outcome: { status: 'ok', reasons: [] },
  };
  result.outcome = runOutcome({
    interrupted: false,
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

export function trimSummary(r: SnapshotTrimResult): { ok: boolean; subject: string; body: string } {
  const ok = r.outcome.status === 'ok';
  const subject = `cairn snapshot trim: ${r.deleted} deleted, ${r.kept} kept${r.failed ? `, ${r.failed} FAILED` : ''}${r.collisions.length ? `, ${r.collisions.length} series COLLIDED` : ''}`;
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
