import { CairnError } from '../core/errors.js';
import { formatMs } from '../core/duration.js';
import { awsMessage } from '../aws/aws-errors.js';
import type { InstanceWatcher } from './instance-watch.js';
import type { Ec2Api } from './ports.js';

/**
 * Stops an instance and waits until it is stopped. One that hangs in `stopping` past the
 * timeout is force-stopped (so that it can be started again) and the snapshot is given up.
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

/**
 * Brings an instance cairn stopped (or tried to stop) back to running: starts it once it is
 * stopped. Returns a problem to report, or undefined when it is running or starting.
 */
export async function ensureStarted(
  api: Ec2Api,
  watcher: InstanceWatcher,
  region: string,
  id: string,
  timeoutMs: number,
  knownStopped = false,
): Promise<string | undefined> {
  try {
    let state = knownStopped ? 'stopped' : await watcher.stateOf(id);
    if (state === 'stopping') state = (await watcher.waitFor(id, ['stopped'], timeoutMs)).state;
    if (state === 'running' || state === 'pending') return undefined;
    if (state !== 'stopped') return `instance ${id} is ${state}; could not start it again`;
    await api.startInstance(region, id);
    return undefined;
  } catch (err) {
    return `instance ${id} could not be started again: ${awsMessage(err)}`;
  }
}
