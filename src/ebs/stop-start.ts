import type { Clock } from '../core/clock.js';
import { CairnError } from '../core/errors.js';
import { formatMs } from '../core/duration.js';
import { awsMessage } from '../aws/aws-errors.js';
import { InstanceWatcher } from './instance-watch.js';
import type { Ec2Api } from './ports.js';

export const isAbort = (err: unknown): boolean => err instanceof Error && err.name === 'AbortError';

/**
 * Stops an instance and waits until it is stopped. One that hangs in `stopping` past the
 * timeout is force-stopped (so that it can be started again) and the snapshot is given up.
 * An interruption (the run's signal) is passed on as the AbortError it is.
 */
export async function stopAndWait(
  api: Ec2Api,
  watcher: InstanceWatcher,
  region: string,
  id: string,
  timeoutMs: number,
): Promise<void> {
  try {
    await api.stopInstance(region, id, false);
  } catch (err) {
    if (isAbort(err)) throw err;
    throw new CairnError('PARTIAL', `could not stop ${id}: ${awsMessage(err)}`, { cause: err });
  }
  const r = await watcher.waitFor(id, ['stopped'], timeoutMs);
  if (!r.timedOut) return;
  await api.stopInstance(region, id, true).catch(() => undefined);
  await watcher.waitFor(id, ['stopped'], timeoutMs);
  throw new CairnError(
    'PARTIAL',
    `${id} did not stop within ${formatMs(timeoutMs)} (it was ${r.state}); forced it to stop`,
  );
}

/** What bringing an instance back gave: started by cairn, found running (never stopped), or a problem. */
export type RestartResult =
  { state: 'started' } | { state: 'running' } | { state: 'failed'; problem: string };

export interface RestartOptions {
  pollMs: number;
  clock: Clock;
  /** Each restart's own deadline, counted from its start: never the run's signal, which may be aborted. */
  timeoutMs: number;
}

/**
 * Brings instances cairn stopped (or tried to stop) back to running: waits until one has
 * stopped if it is stopping, then starts it. Its calls obey deadlines of their own, so an
 * interrupted run (SIGINT, SIGTERM, the Lambda's deadline) still starts what it stopped.
 * Instances that are still stopping are watched together, one DescribeInstances per region
 * and round.
 */
export class Restarter {
  private readonly watchers = new Map<string, InstanceWatcher>();
  /** Never aborted: the watchers' rounds end with the deadlines of their waiters. */
  private readonly unbound = new AbortController().signal;

  constructor(
    private readonly api: Ec2Api,
    private readonly o: RestartOptions,
  ) {}

  private watcher(region: string): InstanceWatcher {
    let w = this.watchers.get(region);
    if (!w) {
      const api = this.api.withSignal?.(this.unbound) ?? this.api;
      w = new InstanceWatcher(api, region, this.o.pollMs, this.o.clock);
      this.watchers.set(region, w);
    }
    return w;
  }

  /** Starts one instance again; `knownStopped` skips the first look at its state. */
  async ensureStarted(region: string, id: string, knownStopped = false): Promise<RestartResult> {
    const deadline = AbortSignal.timeout(this.o.timeoutMs);
    const own = this.api.withSignal?.(deadline) ?? this.api;
    try {
      let state = knownStopped
        ? 'stopped'
        : ((await own.findInstances(region, { ids: [id] }))[0]?.state ?? 'unknown');
      if (state === 'stopping')
        state = (await this.watcher(region).waitFor(id, ['stopped'], this.o.timeoutMs)).state;
      if (state === 'running' || state === 'pending') return { state: 'running' };
      if (state !== 'stopped') {
        return { state: 'failed', problem: `instance ${id} is ${state}; could not start it again` };
      }
      await own.startInstance(region, id);
      return { state: 'started' };
    } catch (err) {
      const why = deadline.aborted ? `no answer within ${formatMs(this.o.timeoutMs)}` : awsMessage(err);
      return { state: 'failed', problem: `instance ${id} could not be started again: ${why}` };
    }
  }
}
