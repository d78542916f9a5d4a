import { clockSkewWarning, FUTURE_REASON } from '../core/clock-skew.js';
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { CairnError, isCairnError } from '../core/errors.js';
import { runOutcome } from '../core/outcome.js';
import type { RunOutcome } from '../core/outcome.js';
import type { RetentionPolicy } from '../core/retention.js';
import type { ShipPruneRequestInput } from './requests/prune-request.js';
import { silentReporter } from '../core/reporter.js';
import type { Reporter } from '../core/reporter.js';
import type { ObjectStore } from '../storage/object-store.js';
import { collect } from '../storage/object-store.js';
import { listManifests, readManifest } from './catalog.js';
import type { ManifestRef } from './layout.js';
import { OBJECTS_PREFIX } from './layout.js';
import { parseShipPruneRequest } from './requests/prune-request.js';
import { planManifests, planObjects, recheckObject } from './plan-prune.js';
import type { ManifestPlan, ObjectPlan } from './plan-prune.js';

export interface PruneOptions {
  store: ObjectStore;
  /** At least one keep rule; `within` may be text such as `30d`. */
  policy: ShipPruneRequestInput['policy'];
  /** The hosts whose manifests the policy applies to; leave out (or allHosts) for every host. */
  hosts?: string[] | undefined;
  allHosts?: boolean | undefined;
  /** At least SHIP_DEFAULTS.minGraceMs; default SHIP_DEFAULTS.graceMs. */
  graceMs?: number | undefined;
  dryRun?: boolean | undefined;
  clock?: Clock | undefined;
  reporter?: Reporter | undefined;
  /** Called between prune's phases; tests run a concurrent writer there. */
  hooks?: PruneHooks | undefined;
}

/** Points between prune's phases, for tests that drive a concurrent writer into each. */
export interface PruneHooks {
  /** Every manifest of the first listing is read; manifests written since are not yet looked for. */
  afterManifestsRead?: () => Promise<void>;
  /** Manifests written since the first listing are read; no candidate has been checked again yet. */
  beforeObjectsChecked?: () => Promise<void>;
}

export interface PruneResult {
  dryRun: boolean;
  manifests: ManifestPlan;
  objects: ObjectPlan;
  bytesFreed: number;
  /** Clock-skew warnings: manifests dated in the future, kept and not used to measure any rule. */
  warnings: string[];
  /** Manifests prune could not read: while there is one, no object is deleted. */
  unreadableManifests: { key: string; error: string }[];
  /** The policy applied, as checked. */
  policy: RetentionPolicy;
  /** ok, or partial when a manifest could not be read (manifests pruned, no object deleted). */
  outcome: RunOutcome;
}

/**
 * Tablechop with real retention: plan (pure), then delete manifests first and objects after.
 *
 * An object is deleted only if no manifest that exists, or may still be written, refers to it.
 * Writers hold up their side (docs/ship.md, "Prune and concurrent writers"): before a manifest
 * names an object, the writer has seen that object younger than EVIDENCE_WINDOW_MS, or stored it
 * again. Prune holds up its own: after reading every manifest it keeps, it lists the manifests
 * again and keeps what those written since refer to; then, right before deleting each candidate,
 * it looks at the object again (HEAD) and keeps it if it is younger than the grace period now.
 * The request is checked first (a CairnError USAGE names the bad key; nothing is deleted).
 */
export async function shipPrune(o: PruneOptions): Promise<PruneResult> {
  const req = parseShipPruneRequest(o);
  const graceMs = req.graceMs;
  const clock = o.clock ?? systemClock;
  const reporter = o.reporter ?? silentReporter;
  const now = clock.now();
  const objects = await collect(o.store.list(OBJECTS_PREFIX));
  const refs = await listManifests(o.store);
  const manifests = planManifests(refs, req.policy, { now, graceMs, hosts: req.hosts });
  const skew = clockSkewWarning(
    'manifest',
    manifests.keep.filter((k) => k.reasons.includes(FUTURE_REASON)).map((k) => k.ref.time),
    now,
  );
  if (skew) reporter.event(skew);
  const referenced = new Set<string>();
  const unreadable: { key: string; error: string }[] = [];
  const readInto = async (refsToRead: readonly ManifestRef[], label: string): Promise<void> => {
    let read = 0;
    for (const ref of refsToRead) {
      const damage = await addReferences(o.store, ref, referenced);
      if (damage) {
        unreadable.push({ key: ref.key, error: damage });
        reporter.event({
          level: 'warn',
          type: 'ship.prune.unreadable-manifest',
          message: `${damage}; no object is deleted while a manifest cannot be read`,
          key: ref.key,
          hint: 'see cairn ship verify; delete the damaged manifest (or restore it) to let prune delete objects again',
        });
      }
      reporter.progress?.({ unit: 'items', done: ++read, total: refsToRead.length, label });
    }
  };
  await readInto(
    manifests.keep.map((k) => k.ref),
    'reading manifests',
  );
  await o.hooks?.afterManifestsRead?.();
  // Manifests written since the first listing: a writer may have named an old object there.
  const listed = new Set(refs.map((r) => r.key));
  const relistedAt = clock.now();
  const written = (await listManifests(o.store)).filter((r) => !listed.has(r.key));
  await readInto(written, 'reading manifests written meanwhile');

  const objectPlan = planObjects(objects, referenced, { now, graceMs });
  if (unreadable.length) {
    for (const x of objectPlan.remove) {
      objectPlan.keptOnRecheck.push({ key: x.key, reason: 'a manifest cannot be read; it may refer to it' });
    }
    objectPlan.remove = [];
  }
  const result: PruneResult = {
    dryRun: req.dryRun,
    manifests,
    objects: objectPlan,
    bytesFreed: 0,
    unreadableManifests: unreadable,
    warnings: skew ? [skew.message] : [],
    policy: req.policy,
    outcome: runOutcome({
      interrupted: false,
      problems: unreadable.length
        ? [`${unreadable.length} manifest(s) could not be read; no object was deleted`]
        : [],
      done: 1,
    }),
  };
  if (req.dryRun) {
    result.bytesFreed = objectPlan.remove.reduce((n, x) => n + x.size, 0);
    return result;
  }

  await o.store.delete(manifests.remove.map((m) => m.ref.key));
  reporter.event({
    level: 'info',
    type: 'ship.prune.manifests',
    message: `deleted ${manifests.remove.length} manifests`,
  });
  await o.hooks?.beforeObjectsChecked?.();
  const candidates = objectPlan.remove;
  objectPlan.remove = [];
  for (const x of candidates) {
    // The writers' side of the protocol holds only within a bounded time of the second listing.
    if (clock.now().getTime() - relistedAt.getTime() > graceMs / 4) {
      throw new CairnError(
        'UNAVAILABLE',
        `prune took too long between reading manifests and deleting objects; ${objectPlan.remove.length} of ${candidates.length} objects were deleted`,
        { hint: 'run it again' },
      );
    }
    const check = recheckObject(await o.store.head(x.key), { at: clock.now(), graceMs });
    if (!check.delete) {
      objectPlan.keptOnRecheck.push({ key: x.key, reason: check.reason });
      continue;
    }
    await o.store.delete([x.key]);
    objectPlan.remove.push(x);
    result.bytesFreed += x.size;
  }
  reporter.event({
    level: 'info',
    type: 'ship.prune.objects',
    message: `deleted ${objectPlan.remove.length} objects`,
  });
  return result;
}

/** Adds what the manifest refers to; returns why it could not be read, if it is damaged. */
async function addReferences(
  store: ObjectStore,
  ref: ManifestRef,
  into: Set<string>,
): Promise<string | undefined> {
  try {
    const m = await readManifest(store, ref);
    for (const f of m.files) into.add(f.sha256);
    return undefined;
  } catch (err) {
    if (isCairnError(err) && err.code === 'INTEGRITY') return err.message;
    // Deleted since it was listed (by another prune): it refers to nothing any more.
    if (isCairnError(err) && err.code === 'NOT_FOUND') return undefined;
    throw err;
  }
}
