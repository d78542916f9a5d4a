import type { CairnError } from '../core/errors.js';

/** What happened to one volume (create) or one snapshot (copy, trim): the summary row. */
export interface VolumeOutcome {
  region: string;
  instanceId: string | undefined;
  volumeId: string | undefined;
  device: string | undefined;
  series: string | undefined;
  snapshotId: string | undefined;
  /** planned (dry run), pending, completed, error (the snapshot ended in error), failed, skipped */
  state: 'planned' | 'pending' | 'completed' | 'error' | 'failed' | 'skipped';
  error: string | undefined;
  note?: string | undefined;
}

/** A region that could not be worked on at all (access denied, unreachable). */
export interface RegionFailure {
  region: string;
  error: ReturnType<CairnError['toJSON']>;
}

export const isFailure = (o: { state: string }): boolean => o.state === 'failed' || o.state === 'error';

export function countStates(items: readonly { state: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[i.state] = (out[i.state] ?? 0) + 1;
  return out;
}

export { runOutcome } from '../core/outcome.js';
export type { RunOutcome } from '../core/outcome.js';
