import { isFuture } from '../core/clock-skew.js';
import { describeTrimCollision, findCollisions } from './collisions.js';
import type { TrimCollision } from './collisions.js';
import { toCandidates } from './plan-trim.js';
import { planOwnTags } from './tag-budget.js';
import { carriedTags, factsOf, seriesOf, TAG } from './tags.js';
import type { Ec2Snapshot, Tags } from './types.js';

export interface CopyItem {
  series: string;
  sourceRegion: string;
  sourceId: string;
  sourceTime: Date;
  dest: string;
  description: string;
  tags: Tags;
  /** Tags of the source left out to stay within EC2's 50 per snapshot. */
  notes: string[];
}

export interface CopySkip {
  series: string;
  dest: string | undefined;
  sourceId: string | undefined;
  reason: string;
  /** An existing copy that makes this one unnecessary. */
  existing?: string | undefined;
  /** True when the series is refused: one run holds snapshots of two volumes in it. */
  collision?: boolean | undefined;
}

export interface CopyPlan {
  copies: CopyItem[];
  skipped: CopySkip[];
  /** Source series where one run holds two snapshots: not copied anywhere. */
  collisions: TrimCollision[];
  /**
   * Completed source snapshots dated in the future (more than FUTURE_TOLERANCE_MS after `now`: a
   * bad record, a wrong clock): never taken as the newest of their series, never copied.
   */
  future: Ec2Snapshot[];
}

/** The newest completed snapshot of each series, leaving out those dated in the future. */
export function newestCompleted(snaps: readonly Ec2Snapshot[], now: Date): Map<string, Ec2Snapshot> {
  const out = new Map<string, Ec2Snapshot>();
  for (const s of snaps) {
    if (s.state !== 'completed' || isFuture(s.startTime, now)) continue;
    const key = seriesOf(s);
    const cur = out.get(key);
    if (!cur || s.startTime > cur.startTime) out.set(key, s);
  }
  return out;
}

/**
 * Which snapshots to copy where: the newest completed one of every series in the source
 * region that is not dated in the future (after `now`, beyond the clocks' tolerance), to every
 * destination that has no copy of it yet (a copy that ended in error does not count). Copies
 * carry the source's tags, its series and where they came from. Pure.
 */
export function planCopy(
  sources: readonly Ec2Snapshot[],
  sourceRegion: string,
  destinations: ReadonlyMap<string, readonly Ec2Snapshot[]>,
  runId: string,
  now: Date,
): CopyPlan {
  const copies: CopyItem[] = [];
  const skipped: CopySkip[] = [];
  // A series holds at most one snapshot per run; one that does not cannot say which volume's
  // snapshot is "the newest of the series", so it is not copied at all.
  const collisions = findCollisions(toCandidates(sources, new Map()));
  const collided = new Set(collisions.map((c) => c.series));
  for (const c of collisions) {
    skipped.push({
      series: c.series,
      dest: undefined,
      sourceId: undefined,
      reason: `series collision: ${describeTrimCollision(c)}; not copied`,
      collision: true,
    });
  }
  const future = sources.filter((s) => s.state === 'completed' && isFuture(s.startTime, now));
  const newest = newestCompleted(
    sources.filter((s) => !collided.has(seriesOf(s))),
    now,
  );
  for (const s of sources) {
    const series = seriesOf(s);
    if (!newest.has(series) && !collided.has(series) && !skipped.some((x) => x.series === series)) {
      const ahead = future.filter((f) => seriesOf(f) === series).length;
      skipped.push({
        series,
        dest: undefined,
        sourceId: undefined,
        reason: ahead
          ? `no completed snapshot in ${sourceRegion} not dated in the future (${ahead} dated in the future: clock skew?)`
          : `no completed snapshot in ${sourceRegion} yet`,
      });
    }
  }
  for (const [dest, existing] of destinations) {
    const copied = new Map<string, Ec2Snapshot>();
    for (const d of existing) {
      const from = factsOf(d).sourceSnapshot;
      if (from && d.state !== 'error') copied.set(from, d);
    }
    for (const [series, s] of newest) {
      const there = copied.get(s.id);
      if (there) {
        skipped.push({
          series,
          dest,
          sourceId: s.id,
          reason: `already in ${dest} as ${there.id} (${there.state})`,
          existing: there.id,
        });
        continue;
      }
      const f = factsOf(s);
      const sourceRun = s.tags[TAG.sourceRun] ?? s.tags[TAG.run];
      const carried = carriedTags(s.tags);
      const cairnCarried = Object.fromEntries(
        Object.entries(carried).filter(([k]) => k.startsWith('cairn:')),
      );
      const userCarried = Object.fromEntries(
        Object.entries(carried).filter(([k]) => !k.startsWith('cairn:')),
      );
      const own = planOwnTags(
        {
          ...cairnCarried,
          [TAG.managed]: 'true',
          [TAG.series]: series,
          [TAG.volume]: f.volume,
          ...(f.device ? { [TAG.device]: f.device } : {}),
          [TAG.sourceSnapshot]: s.id,
          [TAG.sourceRegion]: sourceRegion,
          [TAG.run]: runId,
          ...(sourceRun ? { [TAG.sourceRun]: sourceRun } : {}),
        },
        userCarried,
        `tags of ${s.id}`,
      );
      copies.push({
        series,
        sourceRegion,
        sourceId: s.id,
        sourceTime: s.startTime,
        dest,
        description: `${s.description || `cairn: ${series}`} [copy of ${s.id} from ${sourceRegion}]`.slice(
          0,
          255,
        ),
        tags: own.tags,
        notes: own.notes,
      });
    }
  }
  return { copies, skipped, collisions, future };
}
