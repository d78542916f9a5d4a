import type { Progress, Reporter } from '../core/reporter.js';
import type { VolumeOutcome } from './outcome.js';
import { describeCollision } from './plan-create.js';
import type { CreatePlan, CreateRequest, PlannedVolume } from './plan-create.js';

type VolumeRef = Pick<PlannedVolume, 'volumeId' | 'device'> & { series: string | undefined };

/** The summary row of one volume of a request: failed unless `rest` says otherwise. */
export const outcomeRow = (r: CreateRequest, v: VolumeRef, rest: Partial<VolumeOutcome>): VolumeOutcome => ({
  region: r.region,
  instanceId: r.instanceId,
  volumeId: v.volumeId,
  device: v.device,
  series: v.series,
  snapshotId: undefined,
  state: 'failed',
  error: undefined,
  ...rest,
});

/** The summary rows of what a plan leaves out: excluded devices, refused instances. */
export function skippedOutcomes(plan: CreatePlan): VolumeOutcome[] {
  return plan.skipped.map((s) => ({
    region: s.region,
    instanceId: s.instanceId,
    volumeId: s.volumeId,
    device: s.device,
    series: s.series,
    snapshotId: undefined,
    state: s.error ? 'failed' : 'skipped',
    error: s.error ? s.reason : undefined,
    note: s.error ? undefined : s.reason,
  }));
}

/** The summary rows of a refused plan: nothing of its region was created. */
export function refusedOutcomes(plan: CreatePlan): VolumeOutcome[] {
  return plan.requests.flatMap((r) =>
    r.volumes.map((v) => {
      const c = plan.collisions.find((x) => x.series === v.series && x.region === r.region);
      return outcomeRow(r, v, {
        error: c
          ? `series collision: ${describeCollision(c)}; nothing was created in ${r.region}`
          : `not created: the plan of ${r.region} puts two volumes into one series`,
      });
    }),
  );
}

export const STOP_NOTE = 'would stop the instance first';

/** The summary rows of a dry run: what each request would do. */
export function plannedOutcomes(plan: CreatePlan): VolumeOutcome[] {
  return plan.requests.flatMap((r) =>
    r.volumes.map((v) =>
      outcomeRow(r, v, {
        state: 'planned',
        note: r.stop ? STOP_NOTE : r.perVolume ? 'CreateSnapshot' : 'CreateSnapshots',
      }),
    ),
  );
}

/**
 * A reporter per region that passes events on and adds up the regions' progress into one:
 * `total` grows as regions are planned.
 */
export function progressAcrossRegions(reporter: Reporter): (region: string) => Reporter {
  const byRegion = new Map<string, Progress>();
  return (region) => ({
    event: (e) => reporter.event(e),
    progress: (p) => {
      byRegion.set(region, p);
      let done = 0;
      let total = 0;
      for (const x of byRegion.values()) {
        done += x.done;
        total += x.total ?? 0;
      }
      reporter.progress?.({ ...p, done, total });
    },
  });
}
