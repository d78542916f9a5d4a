import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { CairnError } from '../core/errors.js';
import { formatMs } from '../core/duration.js';
import { isEmptyPolicy } from '../core/retention.js';
import type { RetentionPolicy } from '../core/retention.js';
import { silentReporter } from '../core/reporter.js';
import type { Reporter } from '../core/reporter.js';
import type { ObjectStore } from '../storage/object-store.js';
import { collect } from '../storage/object-store.js';
import { listManifests, readManifest } from './catalog.js';
import { OBJECTS_PREFIX } from './layout.js';
import { SHIP_DEFAULTS } from './options.js';
import { planManifests, planObjects } from './plan-prune.js';
import type { ManifestPlan, ObjectPlan } from './plan-prune.js';

export interface PruneOptions {
  store: ObjectStore;
  policy: RetentionPolicy;
  hosts?: string[] | undefined;
  graceMs?: number | undefined;
  dryRun?: boolean | undefined;
  clock?: Clock | undefined;
  reporter?: Reporter | undefined;
  hooks?: PruneHooks | undefined;
}

/** Points between prune's phases, for tests that drive a concurrent writer into each. */
export interface PruneHooks {
  afterManifestsRead?: () => Promise<void>;
  beforeObjectsChecked?: () => Promise<void>;
}

export interface PruneResult {
  dryRun: boolean;
  manifests: ManifestPlan;
  objects: ObjectPlan;
  bytesFreed: number;
}

/** Tablechop with real retention: plan (pure), then delete manifests first and objects after. */
export async function shipPrune(o: PruneOptions): Promise<PruneResult> {
  if (isEmptyPolicy(o.policy)) {
    throw new CairnError('USAGE', 'no retention policy given', {
      hint: 'say what to keep, e.g. --keep-daily 7 --keep-weekly 4 (or ship.keep in the config file)',
    });
  }
  const graceMs = o.graceMs ?? SHIP_DEFAULTS.graceMs;
  if (graceMs < SHIP_DEFAULTS.minGraceMs) {
    throw new CairnError('USAGE', `the grace period must be at least ${formatMs(SHIP_DEFAULTS.minGraceMs)}`, {
      hint: 'a running daemon may be about to refer to younger objects',
    });
  }
  const clock = o.clock ?? systemClock;
  const reporter = o.reporter ?? silentReporter;
  const now = clock.now();
  // Objects are listed before manifests are read: an object stored after the listing is not a candidate.
  const objects = await collect(o.store.list(OBJECTS_PREFIX));
  const refs = await listManifests(o.store);
  const manifests = planManifests(refs, o.policy, { now, graceMs, hosts: o.hosts });
  const referenced = new Set<string>();
  let read = 0;
  for (const k of manifests.keep) {
    const m = await readManifest(o.store, k.ref);
    for (const f of m.files) referenced.add(f.sha256);
    reporter.progress?.({
      unit: 'items',
      done: ++read,
      total: manifests.keep.length,
      label: 'reading manifests',
    });
  }
  await o.hooks?.afterManifestsRead?.();
  const objectPlan = planObjects(objects, referenced, { now, graceMs });
  const bytesFreed = objectPlan.remove.reduce((n, x) => n + x.size, 0);
  const result: PruneResult = { dryRun: o.dryRun === true, manifests, objects: objectPlan, bytesFreed };
  if (o.dryRun) return result;

  await o.store.delete(manifests.remove.map((m) => m.ref.key));
  reporter.event({
    level: 'info',
    type: 'ship.prune.manifests',
    message: `deleted ${manifests.remove.length} manifests`,
  });
  if (clock.now().getTime() - now.getTime() > graceMs / 4) {
    throw new CairnError(
      'UNAVAILABLE',
      'prune took too long between planning and deleting objects; no object was deleted',
      {
        hint: 'run it again',
      },
    );
  }
  await o.hooks?.beforeObjectsChecked?.();
  await o.store.delete(objectPlan.remove.map((x) => x.key));
  reporter.event({
    level: 'info',
    type: 'ship.prune.objects',
    message: `deleted ${objectPlan.remove.length} objects`,
  });
  return result;
}
