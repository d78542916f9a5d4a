import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { CairnError } from '../core/errors.js';
import type { Reporter } from '../core/reporter.js';
import { silentReporter } from '../core/reporter.js';
import { fromAwsError } from '../aws/aws-errors.js';
import { executeCreate } from './execute-create.js';
import type { RestartLog } from './execute-create.js';
import { clip, sendSummary } from './notify.js';
import { countStates, isFailure, runOutcome } from './outcome.js';
import type { RegionFailure, RunOutcome, VolumeOutcome } from './outcome.js';
import { describeCollision, planCreate } from './plan-create.js';
import type { CreateOptions, SeriesCollision } from './plan-create.js';
import {
  plannedOutcomes,
  progressAcrossRegions,
  refusedOutcomes,
  skippedOutcomes,
  STOP_NOTE,
} from './create-outcomes.js';
import type { Ec2Api, Notifier } from './ports.js';
import { RegionFailures } from './region-failures.js';
import { isEmptySelection, missingIds, resolveRegions, selectTargets } from './select.js';
import type { NotSelected, Target } from './select.js';
import { needsVolumeTags, placeholderList } from './series.js';
import { parseCreateRequest } from './requests/create-request.js';
import type { SnapshotCreateRequestInput } from './requests/create-request.js';
import { newRunId } from './tags.js';
import { waitForSnapshots } from './wait.js';

export interface SnapshotCreateOptions extends SnapshotCreateRequestInput {
  api: Ec2Api;
  notifier?: Notifier | undefined;
  reporter?: Reporter | undefined;
  clock?: Clock | undefined;
  /** Ends the run early (SIGINT, a deadline): no new work starts, stopped instances are started again. */
  signal?: AbortSignal | undefined;
}

export interface SnapshotCreateResult {
  runId: string;
  dryRun: boolean;
  regions: string[];
  items: VolumeOutcome[];
  /**
   * Series the key would put two volumes into. The region of each created nothing (its rows
   * are failed); not empty means the request was refused (the CLI exits with 2).
   */
  collisions: SeriesCollision[];
  regionErrors: RegionFailure[];
  counts: Record<string, number>;
  /** Instances cairn stopped and started again. */
  restarted: string[];
  /** Instances cairn stopped and could not start again: they are still stopped. */
  restartFailures: RestartLog['failed'];
  outcome: RunOutcome;
  notified?: { topic: string; ok: boolean; error?: string } | undefined;
}

/**
 * Selects, plans and creates snapshots in every region; waits for them with `wait`. The request
 * is checked first (a CairnError USAGE names the bad key). Every instance it stops is started
 * again, whatever ends the run.
 */
export async function snapshotCreate(o: SnapshotCreateOptions): Promise<SnapshotCreateResult> {
  const { api, notifier, signal } = o;
  const reporter = o.reporter ?? silentReporter;
  const clock = o.clock ?? systemClock;
  const req = parseCreateRequest(o);
  if (isEmptySelection(req.selection)) {
    throw new CairnError('USAGE', 'choose what to snapshot', {
      hint: 'give --instances, --tags, --volumes or --filter (or snapshot.tags in the config file)',
    });
  }
  const runId = newRunId(clock.now());
  const regions = await resolveRegions(api, req.regions, req.homeRegion).catch((err: unknown) => {
    if (signal?.aborted) throw new CairnError('INTERRUPTED', 'interrupted before anything was done');
    throw fromAwsError(err, `listing regions from ${req.homeRegion}`);
  });
  const failures = new RegionFailures(reporter);
  const createOptions: CreateOptions = {
    mode: req.mode,
    perVolume: req.perVolume,
    runId,
    seriesTemplate: req.seriesKey,
    excludeDevices: req.selection.excludeDevices,
    label: req.label,
    protect: req.protect,
    copyTags: req.copyTags,
  };
  const progress = progressAcrossRegions(reporter);
  const restarts: RestartLog = { started: [], failed: [] };
  // Each region goes from selection to creation on its own: one that answers early does not
  // wait for the others. Every region is settled before the run returns, so that no instance
  // is left stopped behind an error of another region. A region whose plan puts two volumes
  // into one series creates nothing.
  const collisions: SeriesCollision[] = [];
  const settled = await Promise.allSettled(
    regions.map(async (region) => {
      let selected: { targets: Target[]; notSelected: NotSelected[] };
      try {
        selected = await selectTargets(api, region, req.selection, {
          volumeTags: needsVolumeTags(createOptions.seriesTemplate),
        });
      } catch (err) {
        failures.add(region, fromAwsError(err, `selecting in ${region}`));
        return { targets: [], notSelected: [], items: [], skipped: [] };
      }
      failures.someWorked();
      const plan = planCreate(selected.targets, createOptions);
      const refused = plan.collisions.length > 0;
      if (refused) collisions.push(...plan.collisions);
      else
        for (const r of plan.requests)
          for (const note of r.notes)
            reporter.event({
              level: 'warn',
              type: 'snapshot.tags',
              message: `${r.region} ${r.instanceId ?? r.volumes[0]?.volumeId ?? ''}: ${note}`,
              region: r.region,
              instanceId: r.instanceId,
            });
      const items = refused
        ? refusedOutcomes(plan)
        : req.dryRun
          ? plannedOutcomes(plan)
          : await executeCreate(plan, {
              api,
              reporter: progress(region),
              clock,
              pollMs: req.pollMs,
              stopTimeoutMs: req.stopTimeoutMs,
              restartTimeoutMs: req.restartTimeoutMs,
              signal,
              restarts,
            });
      return { ...selected, items, skipped: skippedOutcomes(plan) };
    }),
  );
  const rejected = settled.find((x) => x.status === 'rejected');
  if (rejected) throw rejected.reason;
  const done = settled.flatMap((x) => (x.status === 'fulfilled' ? [x.value] : []));
  failures.settle(regions);
  const targets = done.flatMap((d) => d.targets);
  const notSelected = done.flatMap((d) => d.notSelected);
  let items = done.flatMap((d) => d.items);
  const skipped = done.flatMap((d) => d.skipped);
  const answered = regions.filter((r) => !failures.has(r));
  for (const n of notSelected) {
    skipped.push({
      region: n.region,
      instanceId: n.instanceId,
      volumeId: undefined,
      device: undefined,
      series: undefined,
      snapshotId: undefined,
      state: 'skipped',
      error: undefined,
      note: n.reason,
    });
  }
  for (const id of missingIds(req.selection, targets, notSelected)) {
    skipped.push({
      region: answered.join(','),
      instanceId: id.startsWith('i-') ? id : undefined,
      volumeId: id.startsWith('vol-') ? id : undefined,
      device: undefined,
      series: undefined,
      snapshotId: undefined,
      state: 'failed',
      error: `not found in ${answered.join(', ')}`,
    });
  }
  if (!req.dryRun && req.wait && !signal?.aborted)
    await waitAndUpdate(api, items, {
      pollMs: req.pollMs,
      timeoutMs: req.waitTimeoutMs,
      clock,
      reporter,
      signal,
      runId,
    });
  items = [...items, ...skipped];
  const failed = items.filter((x) => isFailure(x) || x.error).length;
  const result: SnapshotCreateResult = {
    runId,
    dryRun: req.dryRun,
    regions,
    items,
    collisions,
    regionErrors: failures.all,
    counts: countStates(items),
    restarted: restarts.started.map((x) => x.instanceId),
    restartFailures: restarts.failed,
    outcome: runOutcome({
      interrupted: signal?.aborted === true,
      done: items.filter((x) => x.snapshotId || x.state === 'planned').length,
      problems: [
        ...restarts.failed.map((x) => x.error),
        failed ? `${failed} volume(s) failed` : '',
        failures.all.length ? `${failures.all.length} region(s) could not be used` : '',
        collisions.length ? `${collisions.length} series would hold two volumes` : '',
      ],
    }),
  };
  if (!req.dryRun && req.notify)
    result.notified = await sendSummary(notifier, req.notify, createSummary(result), reporter);
  return result;
}

async function waitAndUpdate(
  api: Ec2Api,
  items: VolumeOutcome[],
  w: {
    pollMs: number;
    timeoutMs: number;
    clock: Clock;
    reporter: Reporter;
    signal?: AbortSignal | undefined;
    runId: string;
  },
): Promise<void> {
  const byRegion = new Map<string, string[]>();
  for (const x of items)
    if (x.snapshotId && x.state === 'pending')
      byRegion.set(x.region, [...(byRegion.get(x.region) ?? []), x.snapshotId]);
  let seen: Awaited<ReturnType<typeof waitForSnapshots>>;
  try {
    seen = await waitForSnapshots(api, byRegion, { ...w, label: 'waiting for snapshots' });
  } catch (err) {
    // Interrupted while waiting: the snapshots go on; they are reported as pending.
    if (w.signal?.aborted) return;
    throw err;
  }
  for (const x of items) {
    const s = x.snapshotId ? seen.get(x.snapshotId) : undefined;
    if (!x.snapshotId || x.state !== 'pending') continue;
    if (s?.state === 'completed') x.state = 'completed';
    else if (s?.state === 'error') {
      x.state = 'error';
      x.error = `snapshot ended in error${s.stateMessage ? `: ${s.stateMessage}` : ''}`;
    } else x.error = 'still pending when --wait gave up';
  }
}

/** The usage error of a refused plan: one line naming the volumes and the key, and a hint. */
export function collisionError(collisions: readonly SeriesCollision[]): CairnError {
  const [first] = collisions;
  const regions = [...new Set(collisions.map((c) => c.region))].join(', ');
  const more = collisions.length > 1 ? ` (and ${collisions.length - 1} more series)` : '';
  return new CairnError(
    'USAGE',
    `${first ? describeCollision(first) : 'series collision'}${more}; nothing was created in ${regions}`,
    {
      hint: `a series holds at most one snapshot per run: make the key tell the volumes apart, e.g. add {device} or {volume} (placeholders: ${placeholderList()})`,
    },
  );
}

/**
 * The last line of a create summary: how many volumes ended in which state, or with a dry run
 * what would be done, e.g. `dry run: would create 3 snapshot(s), skip 1; nothing was created`.
 */
export function createSummaryLine(r: SnapshotCreateResult): string {
  const n = (state: string): number => r.items.filter((x) => x.state === state).length;
  const failed = r.items.filter(isFailure).length;
  const tail = [
    n('skipped') ? `${r.dryRun ? 'skip' : 'skipped'} ${n('skipped')}` : '',
    failed ? `${failed} ${r.dryRun ? 'refused' : 'failed'}` : '',
  ].filter(Boolean);
  if (r.dryRun) {
    const planned = r.items.filter((x) => x.state === 'planned');
    const stops = new Set(
      planned.filter((x) => x.note === STOP_NOTE && x.instanceId).map((x) => x.instanceId),
    ).size;
    return `dry run: would create ${planned.length} snapshot(s)${stops ? ` (stopping ${stops} instance(s) first and starting them again)` : ''}${tail.length ? `, ${tail.join(', ')}` : ''}; nothing was created (run ${r.runId})`;
  }
  const counts = Object.entries(r.counts)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  return `${counts || 'no volumes'} (run ${r.runId})`;
}

export function createSummary(r: SnapshotCreateResult): { ok: boolean; subject: string; body: string } {
  const failed = r.items.filter(isFailure);
  const made = r.items.filter((x) => x.snapshotId).length;
  const ok = r.outcome.status === 'ok';
  const stuck = r.restartFailures.map((x) => x.instanceId);
  const subject = [
    `cairn snapshot create: ${stuck.length ? `${stuck.join(', ')} LEFT STOPPED; ` : ''}`,
    r.outcome.status === 'interrupted' ? 'interrupted; ' : '',
    r.restarted.length && r.outcome.status === 'interrupted'
      ? `started ${r.restarted.join(', ')} again; `
      : '',
    `${made} snapshot(s)`,
    failed.length ? `, ${failed.length} FAILED` : '',
    r.regionErrors.length ? `, ${r.regionErrors.length} region(s) failed` : '',
    r.collisions.length ? `, ${r.collisions.length} series COLLIDED` : '',
  ].join('');
  const lines = [
    // The first line names what needs a person now: an instance cairn stopped and could not start.
    ...r.restartFailures.map((x) => `${x.instanceId} (${x.region}) IS STILL STOPPED: ${x.error}`),
    r.outcome.status === 'interrupted' ? 'the run was interrupted before it was done' : '',
    r.restarted.length ? `started again: ${r.restarted.join(', ')}` : '',
    `run ${r.runId} in ${r.regions.join(', ')}`,
    `counts: ${Object.entries(r.counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    ...r.regionErrors.map((e) => `region ${e.region}: ${e.error.message}`),
  ].filter(Boolean);
  if (failed.length)
    lines.push(
      '',
      'failures:',
      ...clip(
        failed.map(
          (x) =>
            `${x.region} ${x.instanceId ?? '-'} ${x.volumeId ?? '-'} ${x.device ?? ''}: ${x.error ?? x.state}`,
        ),
      ),
    );
  if (ok)
    lines.push(
      '',
      ...clip(
        r.items
          .filter((x) => x.snapshotId)
          .map((x) => `${x.region} ${x.series ?? x.volumeId ?? ''} → ${x.snapshotId ?? ''} (${x.state})`),
      ),
    );
  return { ok, subject, body: lines.join('\n') };
}
