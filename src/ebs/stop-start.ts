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
  /** The restart's own deadline, counted from now: never the run's signal, which may be aborted. */
  timeoutMs: number;
  /** The instance is known to be stopped (no need to look first). */
  knownStopped?: boolean | undefined;
}

/**
 * Brings an instance cairn stopped (or tried to stop) back to running: waits until it has
 * stopped if it is stopping, then starts it. Its calls obey a deadline of their own, so an
 * interrupted run (SIGINT, SIGTERM, the Lambda's deadline) still starts what it stopped.
 */
export async function ensureStarted(
  api: Ec2Api,
  region: string,
  id: string,
  o: RestartOptions,
): Promise<RestartResult> {
  const signal = AbortSignal.timeout(o.timeoutMs);
  const own = api.withSignal?.(signal) ?? api;
  const watcher = new InstanceWatcher(own, region, o.pollMs, o.clock, signal);
  try {
    let state = o.knownStopped ? 'stopped' : await watcher.stateOf(id);
    if (state === 'stopping') state = (await watcher.waitFor(id, ['stopped'], o.timeoutMs)).state;
    if (state === 'running' || state === 'pending') return { state: 'running' };
    if (state !== 'stopped') {
      return { state: 'failed', problem: `instance ${id} is ${state}; could not start it again` };
    }
    await own.startInstance(region, id);
    return { state: 'started' };
  } catch (err) {
    const why = signal.aborted ? `no answer within ${formatMs(o.timeoutMs)}` : awsMessage(err);
    return { state: 'failed', problem: `instance ${id} could not be started again: ${why}` };
  }
}
