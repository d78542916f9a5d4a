import { formatMs } from '../core/duration.js';
import { isAfterNow } from '../core/clock-skew.js';
import { planRetention } from '../core/retention.js';
import type { Kept, RetentionPolicy, Removed } from '../core/retention.js';
import { collisionIn, describeTrimCollision } from './collisions.js';
import type { TrimCollision } from './collisions.js';
import { factsOf, runOf, seriesOf } from './tags.js';
import type { Ec2Snapshot } from './types.js';

/** A snapshot as trim sees it. */
export interface TrimCandidate {
  id: string;
  time: Date;
  region: string;
  series: string;
  state: string;
  protected: boolean;
  /** The AMI that uses it, if any. */
  image: string | undefined;
  /** The run that made it (see runOf); unknown: it takes part in no collision check. */
  run?: string | undefined;
  /** The volume it is a snapshot of (for a copy: of the original). */
  volume?: string | undefined;
}

export interface TrimPlan {
  keep: Kept<TrimCandidate>[];
  remove: Removed<TrimCandidate>[];
  collisions: TrimCollision[];
}

export interface TrimOptions {
  /** Delete at most this many; the oldest go first, the rest are kept this time. */
  maxDeletions?: number | undefined;
}

export function toCandidates(
  snaps: readonly Ec2Snapshot[],
  images: ReadonlyMap<string, string>,
): TrimCandidate[] {
  return snaps.map((s) => ({
    id: s.id,
    time: s.startTime,
    region: s.region,
    series: seriesOf(s),
    state: s.state,
    protected: factsOf(s).protected,
    image: images.get(s.id),
    run: runOf(s),
    volume: factsOf(s).volume,
  }));
}

function age(t: Date, now: Date): string {
  const ms = Math.max(0, now.getTime() - t.getTime());
  return ms >= 2 * 86_400_000 ? `${Math.floor(ms / 86_400_000)}d` : formatMs(ms);
}

/**
 * Grandfather-father-son retention per series and region, with the shared planner. Never
 * removed: the newest completed snapshot of a series (not dated after now), one dated after
 * now, a protected one, one an AMI uses, one still pending. Removed whatever the policy:
 * snapshots that ended in error. Pure.
 */
export function planTrim(
  snapshots: readonly TrimCandidate[],
  policy: RetentionPolicy,
  now: Date,
  o: TrimOptions = {},
): TrimPlan {
  const groups = new Map<string, TrimCandidate[]>();
  for (const s of snapshots) {
    const key = `${s.region}\u0000${s.series}`;
    const g = groups.get(key);
    if (g) g.push(s);
    else groups.set(key, [s]);
  }
  const keep: Kept<TrimCandidate>[] = [];
  let remove: Removed<TrimCandidate>[] = [];
  const collisions: TrimCollision[] = [];
  for (const group of groups.values()) {
    const collision = collisionIn(group);
    if (collision) {
      collisions.push(collision);
      const why = `series collision: ${describeTrimCollision(collision)}; nothing in this series is deleted`;
      keep.push(...group.map((item) => ({ item, reasons: [why] })));
      continue;
    }
    const completed: TrimCandidate[] = [];
    for (const s of group) {
      if (s.state === 'completed') completed.push(s);
      else if (s.protected) keep.push({ item: s, reasons: ['protected'] });
      else if (s.state === 'error')
        remove.push({ item: s, reason: `ended in error (${age(s.time, now)} old)` });
      else keep.push({ item: s, reasons: [`still ${s.state}`] });
    }
    let newest: TrimCandidate | undefined;
    for (const s of completed) {
      if (isAfterNow(s.time, now)) continue;
      if (!newest || s.time > newest.time || (+s.time === +newest.time && s.id > newest.id)) newest = s;
    }
    const plan = planRetention(completed, policy, {
      now,
      pin: (s) => {
        const why: string[] = [];
        if (s === newest) why.push('newest completed snapshot of its series');
        if (s.protected) why.push('protected');
        if (s.image) why.push(`used by ${s.image}`);
        return why.length ? why.join('; ') : undefined;
      },
    });
    keep.push(...plan.keep);
    remove.push(
      ...plan.remove.map((r) => ({ item: r.item, reason: `${r.reason}; ${age(r.item.time, now)} old` })),
    );
  }
  if (o.maxDeletions !== undefined && remove.length > o.maxDeletions) {
    remove.sort((a, b) => a.item.time.getTime() - b.item.time.getTime());
    const deferred = remove.slice(o.maxDeletions);
    remove = remove.slice(0, o.maxDeletions);
    keep.push(
      ...deferred.map((r) => ({
        item: r.item,
        reasons: [`deferred by --max-deletions ${o.maxDeletions ?? 0} (would be removed: ${r.reason})`],
      })),
    );
  }
  return { keep, remove, collisions };
}
