import type { Clock } from '../core/clock.js';
import { CairnError, isCairnError } from '../core/errors.js';
import type { Reporter } from '../core/reporter.js';
import { awsMessage } from '../aws/aws-errors.js';
import { InstanceWatcher } from './instance-watch.js';
import type { VolumeOutcome } from './outcome.js';
import { describeCollision } from './plan-create.js';
import type { CreatePlan, CreateRequest } from './plan-create.js';
import { outcomeRow as row } from './create-outcomes.js';
import type { Ec2Api } from './ports.js';
import { isAbort, Restarter, stopAndWait } from './stop-start.js';
import { TAG } from './tags.js';
import type { CreatedSnapshot } from './types.js';

export interface ExecuteCreateOptions {
  api: Ec2Api;
  reporter: Reporter;
  clock: Clock;
  pollMs: number;
  stopTimeoutMs: number;
  /** Starting an instance again has this long, on a deadline of its own (never `signal`). */
  restartTimeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Collects the instances cairn started again, and those it could not. */
  restarts: RestartLog;
}

export interface RestartLog {
  started: { region: string; instanceId: string }[];
  failed: { region: string; instanceId: string; error: string }[];
}

/**
 * Carries out a create plan: every request at once (the scheduler paces the calls), instances
 * stopped first where asked and always started again: when their snapshot failed, and when the
 * run was interrupted (the restart has its own deadline, not the run's signal).
 */
export async function executeCreate(plan: CreatePlan, o: ExecuteCreateOptions): Promise<VolumeOutcome[]> {
  const [collision] = plan.collisions;
  if (collision) {
    throw new CairnError('USAGE', `${describeCollision(collision)}; nothing was created`, {
      hint: 'a series holds at most one snapshot per run',
    });
  }
  const watchers = new Map<string, InstanceWatcher>();
  const watcher = (region: string): InstanceWatcher => {
    let w = watchers.get(region);
    if (!w) {
      w = new InstanceWatcher(o.api, region, o.pollMs, o.clock, o.signal);
      watchers.set(region, w);
    }
    return w;
  };
  const restarter = new Restarter(o.api, {
    pollMs: o.pollMs,
    clock: o.clock,
    timeoutMs: o.restartTimeoutMs,
  });
  const total = plan.requests.reduce((n, r) => n + r.volumes.length, 0);
  let done = 0;
  const results = await Promise.all(
    plan.requests.map(async (r) => {
      const out = await runRequest(r, o, watcher(r.region), restarter);
      done += r.volumes.length;
      o.reporter.progress?.({ unit: 'items', done, total, label: 'creating snapshots' });
      for (const x of out) {
        if (x.state === 'failed') {
          o.reporter.event({
            level: 'error',
            type: 'snapshot.failed',
            message: `${x.region} ${x.instanceId ?? ''} ${x.volumeId ?? ''}: ${x.error ?? ''}`,
            ...x,
          });
        }
      }
      return out;
    }),
  );
  return results.flat();
}

/** Why a step failed: "interrupted" when the run's signal ended it, else the error's own words. */
const reasonOf = (err: unknown, o: ExecuteCreateOptions, step: string): string =>
  isAbort(err) && o.signal?.aborted
    ? `interrupted ${step}`
    : isCairnError(err)
      ? err.message
      : awsMessage(err);

async function runRequest(
  r: CreateRequest,
  o: ExecuteCreateOptions,
  watcher: InstanceWatcher,
  restarter: Restarter,
): Promise<VolumeOutcome[]> {
  const id = r.instanceId;
  if (!r.stop || !id) {
    try {
      return await create(r, o);
    } catch (err) {
      return r.volumes.map((v) => row(r, v, { error: reasonOf(err, o, 'before the snapshot') }));
    }
  }
  o.reporter.event({
    level: 'info',
    type: 'snapshot.stop',
    message: `stopping ${id}`,
    region: r.region,
    instanceId: id,
  });
  let out: VolumeOutcome[] | undefined;
  let stopped = false;
  try {
    await stopAndWait(o.api, watcher, r.region, id, o.stopTimeoutMs);
    stopped = true;
  } catch (err) {
    const msg = reasonOf(err, o, 'while the instance was stopping');
    out = r.volumes.map((v) => row(r, v, { error: msg }));
  }
  if (!out) {
    try {
      out = await create(r, o);
    } catch (err) {
      out = r.volumes.map((v) => row(r, v, { error: reasonOf(err, o, 'before the snapshot') }));
    }
  }
  const restart = await restarter.ensureStarted(r.region, id, stopped);
  if (restart.state === 'failed') {
    o.restarts.failed.push({ region: r.region, instanceId: id, error: restart.problem });
    o.reporter.event({
      level: 'error',
      type: 'snapshot.restart-failed',
      message: restart.problem,
      region: r.region,
      instanceId: id,
    });
    return out.map((x) => ({
      ...x,
      state: 'failed',
      error: x.error ? `${x.error}; ${restart.problem}` : restart.problem,
    }));
  }
  if (restart.state === 'running')
    // Never stopped (StopInstances failed): the summary must not claim it was started again.
    return stopped ? out : out.map((x) => (x.error ? { ...x, error: `${x.error}; it is still running` } : x));
  o.restarts.started.push({ region: r.region, instanceId: id });
  o.reporter.event({
    level: 'info',
    type: 'snapshot.start',
    message: `started ${id} again`,
    region: r.region,
    instanceId: id,
  });
  return out.map((x) => (x.error ? { ...x, error: `${x.error}; started it again` } : x));
}

async function create(r: CreateRequest, o: ExecuteCreateOptions): Promise<VolumeOutcome[]> {
  const note = r.notes.length ? r.notes.join('; ') : undefined;
  if (r.perVolume || !r.instanceId) {
    return Promise.all(
      r.volumes.map(async (v) => {
        try {
          const tags = r.volumeTags[v.volumeId] ?? r.tags;
          const s = await o.api.createSnapshot(r.region, {
            volumeId: v.volumeId,
            description: r.description,
            tags,
            identity: { [TAG.run]: tags[TAG.run] ?? '', [TAG.volume]: v.volumeId },
          });
          return row(r, v, { snapshotId: s.snapshotId, state: 'pending', note });
        } catch (err) {
          return row(r, v, { error: awsMessage(err) });
        }
      }),
    );
  }
  const created: CreatedSnapshot[] = await o.api.createSnapshots(r.region, {
    instanceId: r.instanceId,
    excludeVolumeIds: r.excludeVolumeIds,
    excludeBoot: r.excludeBoot,
    description: r.description,
    tags: r.tags,
    identity: { [TAG.run]: r.tags[TAG.run] ?? '', [TAG.instance]: r.instanceId },
  });
  const byVolume = new Map(created.map((c) => [c.volumeId, c]));
  const out = r.volumes.map((v) => {
    const c = byVolume.get(v.volumeId);
    return c
      ? row(r, v, { snapshotId: c.snapshotId, state: 'pending', note })
      : row(r, v, { error: 'EC2 made no snapshot of this volume (detached meanwhile?)' });
  });
  for (const c of created) {
    if (!r.volumes.some((v) => v.volumeId === c.volumeId)) {
      out.push(
        row(
          r,
          { volumeId: c.volumeId, device: undefined, series: undefined },
          { snapshotId: c.snapshotId, state: 'pending', note: 'volume attached after selection' },
        ),
      );
    }
  }
  for (const [volumeId, tags] of Object.entries(r.lateTags)) {
    const c = byVolume.get(volumeId);
    if (!c) continue;
    try {
      await o.api.tagSnapshots(r.region, [c.snapshotId], tags);
    } catch (err) {
      // A snapshot without its series tag would fall into a series of its own: report it.
      const x = out.find((y) => y.volumeId === volumeId);
      if (x) x.error = `series tag not written: ${awsMessage(err)}`;
    }
  }
  return out;
}
