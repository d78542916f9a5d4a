import type { Command } from 'commander';
import type { Runner } from './main.js';
import { registerSnapshotCopy } from './snapshot-copy.js';
import { registerSnapshotCreate } from './snapshot-create.js';
import { registerSnapshotList } from './snapshot-list.js';
import { registerSnapshotTrim } from './snapshot-trim.js';

export function registerSnapshot(program: Command, runner: Runner, controller: AbortController): void {
  const snapshot = program
    .command('snapshot')
    .description(
      'EBS snapshots for a fleet: create (live, --stop, --stopped), trim by policy, copy across regions, list.',
    );
  const onSignal = (): void => controller.abort();
  registerSnapshotCreate(snapshot, runner, onSignal);
  registerSnapshotTrim(snapshot, runner, onSignal);
  registerSnapshotCopy(snapshot, runner, onSignal);
  registerSnapshotList(snapshot, runner, onSignal);
}
