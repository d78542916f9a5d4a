import { clockSkewWarning } from '../core/clock-skew.js';
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { CairnError } from '../core/errors.js';
import { silentReporter } from '../core/reporter.js';
import type { Reporter } from '../core/reporter.js';
import { planRetention } from '../core/retention.js';
import type { ObjectStore } from '../storage/object-store.js';
import { listArchives } from './catalog.js';
import { metaKey } from './naming.js';
import { archiveOutcome } from './outcome.js';
import type { ArchiveOutcome } from './outcome.js';
import { parseArchivePruneRequest } from './requests/prune-request.js';
import type { ArchivePruneRequestInput } from './requests/prune-request.js';

export interface ArchivePruneResult {
  dryRun: boolean;
  keep: { key: string; time: string; reasons: string[] }[];
  remove: { key: string; time: string; reason: string; size: number }[];
  bytesFreed: number;
  /** Clock-skew warnings: archives dated in the future, kept and not used to measure any rule. */
  warnings: string[];
  /** `ok`: a prune that cannot delete what it planned throws. */
  outcome: ArchiveOutcome;
}

export interface ArchivePruneOptions extends ArchivePruneRequestInput {
  store: ObjectStore;
  clock?: Clock | undefined;
  reporter?: Reporter | undefined;
}

/**
 * Applies the shared retention planner to the archives of one name; deletes each removed archive
 * and its record. Archives dated in the future are kept and reported (`retention.clock-skew`).
 * The request is checked first: a bad name or a policy that keeps nothing is a USAGE CairnError
 * naming the key, and nothing is listed or deleted.
 */
export async function pruneArchives(o: ArchivePruneOptions): Promise<ArchivePruneResult> {
  const { name, policy, dryRun } = parseArchivePruneRequest(o);
  const all = await listArchives(o.store, name, { withMeta: false });
  if (all.length === 0) {
    throw new CairnError('NOT_FOUND', `no archives "${name}" in ${o.store.url}`, {
      hint: 'see cairn archive list',
    });
  }
  const now = (o.clock ?? systemClock).now();
  const plan = planRetention(
    all.map((a) => ({ id: a.key, time: a.time, a })),
    policy,
    { now },
  );
  const skew = clockSkewWarning(
    'archive',
    plan.future.map((f) => f.time),
    now,
  );
  if (skew) (o.reporter ?? silentReporter).event(skew);
  const result: ArchivePruneResult = {
    dryRun,
    keep: plan.keep.map((k) => ({ key: k.item.id, time: k.item.time.toISOString(), reasons: k.reasons })),
    remove: plan.remove.map((r) => ({
      key: r.item.id,
      time: r.item.time.toISOString(),
      reason: r.reason,
      size: r.item.a.size,
    })),
    bytesFreed: plan.remove.reduce((n, r) => n + r.item.a.size, 0),
    warnings: skew ? [skew.message] : [],
    outcome: archiveOutcome([]),
  };
  if (!dryRun && result.remove.length)
    await o.store.delete(result.remove.flatMap((r) => [r.key, metaKey(r.key)]));
  return result;
}
