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

/**
 * How a run ended, for the CLI and the Lambda to map (exit code, `ok`): everything done, some
 * of it, none of it, or interrupted (a signal, the Lambda's deadline). `reasons` say why.
 */
export interface RunOutcome {
  status: 'ok' | 'partial' | 'failed' | 'interrupted';
  reasons: string[];
}

export function runOutcome(o: { interrupted: boolean; problems: string[]; done: number }): RunOutcome {
  const reasons = o.problems.filter(Boolean);
  if (o.interrupted) return { status: 'interrupted', reasons: ['interrupted', ...reasons] };
  if (!reasons.length) return { status: 'ok', reasons: [] };
  return { status: o.done > 0 ? 'partial' : 'failed', reasons };
}
