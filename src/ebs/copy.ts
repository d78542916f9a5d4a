import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { clockSkewWarning } from '../core/clock-skew.js';
import { CairnError } from '../core/errors.js';
import type { Reporter } from '../core/reporter.js';
import { silentReporter } from '../core/reporter.js';
import { awsMessage, fromAwsError } from '../aws/aws-errors.js';
import { listSnapshots } from './list-managed.js';
import { clip, sendSummary } from './notify.js';
import { runOutcome } from './outcome.js';
import type { RegionFailure, RunOutcome } from './outcome.js';
import type { TrimCollision } from './collisions.js';
import { SNAPSHOT_DEFAULTS } from './options.js';
import { planCopy } from './plan-copy.js';
import type { CopyItem } from './plan-copy.js';
import type { Ec2Api, Notifier } from './ports.js';
import { RegionFailures } from './region-failures.js';
import { parseCopyRequest } from './requests/copy-request.js';
import type { SnapshotCopyRequest, SnapshotCopyRequestInput } from './requests/copy-request.js';
import { resolveRegions } from './select.js';
import { newRunId, TAG } from './tags.js';
import { waitForSnapshots } from './wait.js';

export interface SnapshotCopyOptions extends SnapshotCopyRequestInput {
  api: Ec2Api;
  notifier?: Notifier | undefined;
  reporter?: Reporter | undefined;
  clock?: Clock | undefined;
  /** Ends the run early: no new copy starts; copies already started go on. */
  signal?: AbortSignal | undefined;
}

/** A checked copy request with the ports it runs with. */
type CopyRun = SnapshotCopyRequest & { api: Ec2Api; signal?: AbortSignal | undefined };

export interface CopyRow {
  series: string;
  sourceId: string | undefined;
  dest: string | undefined;
  copyId: string | undefined;
  /** planned, pending, completed, error, failed, skipped */
  state: string;
  reason?: string | undefined;
  error?: string | undefined;
}

export interface SnapshotCopyResult {
  runId: string;
  dryRun: boolean;
  from: string;
  to: string[];
  rows: CopyRow[];
  /** Source series where one run holds two snapshots: not copied; the result is not ok (exit 8). */
  collisions: TrimCollision[];
  regionErrors: RegionFailure[];
  outcome: RunOutcome;
  notified?: { topic: string; ok: boolean; error?: string } | undefined;
  /** Clock-skew warnings: source snapshots dated in the future, never copied as the newest. */
  warnings: string[];
}

/** Replicates the newest completed snapshot of each series to other regions. */
export async function snapshotCopy(options: SnapshotCopyOptions): Promise<SnapshotCopyResult> {
  const { notifier } = options;
  const reporter = options.reporter ?? silentReporter;
  const clock = options.clock ?? systemClock;
  const o: CopyRun = { ...parseCopyRequest(options), api: options.api, signal: options.signal };
  const to = await resolveRegions(o.api, o.toRegions, o.fromRegion, '--to-region').catch((err: unknown) => {
    throw fromAwsError(err, 'listing regions');
  });
  const dests = to.filter((r) => r !== o.fromRegion);
  if (!o.toRegions.length || !dests.length) {
    throw new CairnError('USAGE', 'copy needs a destination region other than the source', {
      hint: 'e.g. --to-region eu-west-1',
    });
  }
  const runId = newRunId(clock.now());
  const failures = new RegionFailures(reporter);
  const sources = await listSnapshots(o.api, [o.fromRegion], o, failures, 'listing snapshots');
  failures.settle([o.fromRegion]);
  const there = await listSnapshots(o.api, dests, { unmanaged: false }, failures, 'listing copies');
  const byDest = new Map(
    dests.filter((d) => !failures.has(d)).map((d) => [d, there.filter((s) => s.region === d)]),
  );
  const now = clock.now();
  const plan = planCopy(sources, o.fromRegion, byDest, runId, now);
  const skew = clockSkewWarning(
    'snapshot',
    plan.future.map((s) => s.startTime),
    now,
    'never taken as the newest of a series, not copied',
  );
  if (skew) reporter.event(skew);
  for (const c of plan.copies)
    for (const note of c.notes)
      reporter.event({ level: 'warn', type: 'snapshot.tags', message: `copy to ${c.dest}: ${note}` });
  const rows: CopyRow[] = plan.skipped.map((s) => ({
    series: s.series,
    sourceId: s.sourceId,
    dest: s.dest,
    copyId: s.existing,
    state: 'skipped',
    reason: s.reason,
    ...(s.collision ? { error: s.reason } : {}),
  }));
  if (o.dryRun) {
    rows.push(
      ...plan.copies.map((c) => ({
        series: c.series,
        sourceId: c.sourceId,
        dest: c.dest,
        copyId: undefined,
        state: 'planned',
        reason: `newest completed of its series (${c.sourceTime.toISOString()})`,
      })),
    );
  } else {
    const total = plan.copies.length;
    const started = { n: 0 };
    const perDest = await Promise.all(
      [...byDest.keys()].map((dest) =>
        copyInto(
          dest,
          plan.copies.filter((c) => c.dest === dest),
          byDest.get(dest) ?? [],
          o,
          reporter,
          () => {
            reporter.progress?.({ unit: 'items', done: ++started.n, total, label: 'starting copies' });
          },
        ),
      ),
    );
    const made = perDest.flat();
    if (o.wait) {
      const ids = new Map<string, string[]>();
      for (const r of made)
        if (r.copyId && r.dest && r.state === 'pending')
          ids.set(r.dest, [...(ids.get(r.dest) ?? []), r.copyId]);
      const seen = await waitForSnapshots(o.api, ids, {
        pollMs: o.pollMs,
        timeoutMs: o.waitTimeoutMs,
        clock,
        reporter,
        signal: o.signal,
        runId,
        label: 'waiting for copies',
      });
      for (const r of made) {
        const s = r.copyId ? seen.get(r.copyId) : undefined;
        if (s && r.state === 'pending') r.state = s.state;
        if (s?.state === 'error') r.error = 'copy ended in error';
        if (r.state === 'pending') r.error = 'still pending when --wait gave up';
      }
    }
    rows.push(...made);
  }
  const result: SnapshotCopyResult = {
    runId,
    dryRun: o.dryRun === true,
    from: o.fromRegion,
    to: dests,
    rows,
    collisions: plan.collisions,
    regionErrors: failures.all,
    outcome: { status: 'ok', reasons: [] },
    warnings: skew ? [skew.message] : [],
  };
  const failed = rows.filter((x) => x.state === 'failed' || x.state === 'error' || x.error).length;
  result.outcome = runOutcome({
    interrupted: o.signal?.aborted === true,
    done: rows.filter((x) => x.copyId || x.state === 'planned' || x.state === 'skipped').length,
    problems: [
      failed ? `${failed} copy(ies) failed` : '',
      result.regionErrors.length ? `${result.regionErrors.length} region(s) could not be used` : '',
      result.collisions.length ? `${result.collisions.length} series hold two snapshots of one run` : '',
    ],
  });
  if (!o.dryRun && o.notify)
    result.notified = await sendSummary(notifier, o.notify, copySummary(result), reporter);
  return result;
}

/** Starts the copies into one region, never more than `inFlight` pending at once. */
async function copyInto(
  dest: string,
  items: CopyItem[],
  existing: readonly { id: string; state: string; tags: Record<string, string> }[],
  o: CopyRun,
  reporter: Reporter,
  onStart: () => void,
): Promise<CopyRow[]> {
  const limit = o.inFlight;
  const inflight = new Set(
    existing.filter((s) => s.state === 'pending' && s.tags[TAG.sourceSnapshot]).map((s) => s.id),
  );
  const rows: CopyRow[] = [];
  const queue = [...items];
  let interval = o.pollMs;
  while (queue.length) {
    const batch = queue.splice(0, Math.max(0, limit - inflight.size));
    await Promise.all(
      batch.map(async (c) => {
        const row: CopyRow = {
          series: c.series,
          sourceId: c.sourceId,
          dest,
          copyId: undefined,
          state: 'pending',
        };
        rows.push(row);
        try {
          row.copyId = await o.api.copySnapshot(dest, {
            sourceRegion: c.sourceRegion,
            sourceSnapshotId: c.sourceId,
            description: c.description,
            tags: c.tags,
            identity: { [TAG.run]: c.tags[TAG.run] ?? '', [TAG.sourceSnapshot]: c.sourceId },
            kmsKeyId: o.kmsKeyId,
          });
          inflight.add(row.copyId);
        } catch (err) {
          row.state = 'failed';
          row.error = awsMessage(err);
          reporter.event({
            level: 'error',
            type: 'snapshot.failed',
            message: `copying ${c.sourceId} to ${dest}: ${row.error}`,
          });
        }
        onStart();
      }),
    );
    if (!queue.length) break;
    await sleep(interval, undefined, { signal: o.signal });
    interval = Math.min(SNAPSHOT_DEFAULTS.pollMaxMs, Math.ceil(interval * 1.5));
    const seen = await o.api.findSnapshots(dest, { ids: [...inflight] });
    for (const s of seen) {
      if (s.state === 'pending') continue;
      inflight.delete(s.id);
      const row = rows.find((r) => r.copyId === s.id);
      if (row) row.state = s.state;
    }
    for (const id of inflight) if (!seen.some((s) => s.id === id)) inflight.delete(id);
  }
  return rows;
}

export function copySummary(r: SnapshotCopyResult): { ok: boolean; subject: string; body: string } {
  const failed = r.rows.filter((x) => x.state === 'failed' || x.state === 'error' || x.error);
  const started = r.rows.filter((x) => x.copyId && x.state !== 'skipped');
  const ok = r.outcome.status === 'ok';
  const subject = `cairn snapshot copy ${r.from} → ${r.to.join(', ')}: ${started.length} copied${failed.length ? `, ${failed.length} FAILED` : ''}${r.collisions.length ? `, ${r.collisions.length} series COLLIDED` : ''}`;
  const lines = [
    ...r.regionErrors.map((e) => `region ${e.region}: ${e.error.message}`),
    ...r.warnings.map((w) => `warning: ${w}`),
    ...clip(
      failed.map((x) => `FAILED ${x.series} ${x.sourceId ?? ''} → ${x.dest ?? ''}: ${x.error ?? x.state}`),
    ),
    ...clip(
      started.map((x) => `${x.series}: ${x.sourceId ?? ''} → ${x.dest ?? ''} ${x.copyId ?? ''} (${x.state})`),
    ),
  ];
  return { ok, subject, body: lines.join('\n') || 'nothing to copy' };
}
