import { planRetention } from '../core/retention.js';
import type { RetentionPolicy } from '../core/retention.js';
import { formatMs } from '../core/duration.js';
import type { ObjectInfo } from '../storage/object-store.js';
import type { ManifestRef } from './layout.js';
import { shaFromObjectKey } from './layout.js';

export interface ManifestDecision {
  ref: ManifestRef;
  reasons: string[];
}

export interface ManifestPlan {
  keep: ManifestDecision[];
  remove: ManifestDecision[];
}

/**
 * Which manifests prune keeps. Per directory series of the selected hosts: what
 * the retention policy keeps, plus always the newest of each series (not dated after now,
 * nor anything dated after now: see planRetention), every
 * manifest younger than the grace period, and every manifest superseded less
 * than the grace period ago (a running daemon may still rely on it; see
 * references.ts). Manifests of hosts not selected are kept.
 */
export function planManifests(
  refs: readonly ManifestRef[],
  policy: RetentionPolicy,
  o: { now: Date; graceMs: number; hosts?: readonly string[] | undefined },
): ManifestPlan {
  const keep: ManifestDecision[] = [];
  const remove: ManifestDecision[] = [];
  const series = new Map<string, ManifestRef[]>();
  for (const r of refs) {
    if (o.hosts && !o.hosts.includes(r.host)) {
      keep.push({ ref: r, reasons: ['host not selected'] });
      continue;
    }
    const list = series.get(r.series) ?? [];
    list.push(r);
    series.set(r.series, list);
  }
  const graceFrom = o.now.getTime() - o.graceMs;
  const grace = formatMs(o.graceMs);
  for (const list of series.values()) {
    list.sort((a, b) => a.time.getTime() - b.time.getTime());
    const successor = new Map<string, ManifestRef>();
    list.forEach((r, i) => {
      const next = list[i + 1];
      if (next) successor.set(r.key, next);
    });
    const plan = planRetention(
      list.map((ref) => ({ id: ref.key, time: ref.time, ref })),
      policy,
      {
        now: o.now,
        pin: (item) => {
          if (item.time > o.now) return undefined; // kept as dated in the future
          const next = successor.get(item.id);
          if (!next || next.time > o.now) return 'newest of its directory';
          if (item.time.getTime() > graceFrom) return `younger than the grace period (${grace})`;
          if (next.time.getTime() > graceFrom) return `replaced less than the grace period (${grace}) ago`;
          return undefined;
        },
      },
    );
    for (const k of plan.keep) keep.push({ ref: k.item.ref, reasons: k.reasons });
    for (const r of plan.remove) remove.push({ ref: r.item.ref, reasons: [r.reason] });
  }
  return { keep, remove };
}

export interface ObjectPlan {
  remove: { key: string; size: number; reason: string }[];
  keptReferenced: number;
  keptYoung: number;
  /**
   * Candidates kept at the last moment, each with its reason: named by a manifest written while
   * prune ran, stored again since it was listed, or kept because a manifest cannot be read.
   */
  keptOnRecheck: { key: string; reason: string }[];
}

/** Objects no kept manifest refers to are deleted, unless younger than the grace period. */
export function planObjects(
  objects: readonly ObjectInfo[],
  referenced: ReadonlySet<string>,
  o: { now: Date; graceMs: number },
): ObjectPlan {
  const graceFrom = o.now.getTime() - o.graceMs;
  const plan: ObjectPlan = { remove: [], keptReferenced: 0, keptYoung: 0, keptOnRecheck: [] };
  for (const obj of objects) {
    const sha = shaFromObjectKey(obj.key);
    if (!sha) continue; // not ours: never touched
    if (referenced.has(sha)) plan.keptReferenced += 1;
    else if (obj.lastModified.getTime() > graceFrom) plan.keptYoung += 1;
    else plan.remove.push({ key: obj.key, size: obj.size, reason: 'no kept manifest refers to it' });
  }
  return plan;
}

export type Recheck = { delete: true } | { delete: false; reason: string };

/**
 * The last look at a deletion candidate, right before it is deleted: what the store says of it now
 * (a fresh HEAD). An object stored again since prune listed it (a writer refreshes the age of an
 * old object before a manifest names it) is younger than the grace period now, and is kept.
 */
export function recheckObject(now: ObjectInfo | undefined, o: { at: Date; graceMs: number }): Recheck {
  if (!now) return { delete: false, reason: 'gone already' };
  if (now.lastModified.getTime() > o.at.getTime() - o.graceMs) {
    return {
      delete: false,
      reason: `stored again while prune ran (younger than the grace period, ${formatMs(o.graceMs)})`,
    };
  }
  return { delete: true };
}
