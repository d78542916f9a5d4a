import type { TrimCandidate } from './plan-trim.js';

/**
 * A series where one run holds snapshots of two or more volumes: its key does not tell the
 * volumes apart, so "the newest of the series" means nothing. Nothing in it is deleted.
 */
export interface TrimCollision {
  region: string;
  series: string;
  /** The runs that hold more than one volume's snapshot. */
  runs: string[];
  snapshots: { id: string; volume: string; run: string }[];
}

/** Each series (per region) where one run holds snapshots of more than one volume. */
export function findCollisions(snaps: readonly TrimCandidate[]): TrimCollision[] {
  const groups = new Map<string, TrimCandidate[]>();
  for (const s of snaps) {
    const key = `${s.region}\u0000${s.series}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.values()].flatMap((g) => collisionIn(g) ?? []);
}

/** The runs of a series that hold snapshots of more than one volume, if any. */
export function collisionIn(group: readonly TrimCandidate[]): TrimCollision | undefined {
  const byRun = new Map<string, TrimCandidate[]>();
  for (const s of group) {
    if (s.run === undefined || s.volume === undefined) continue;
    byRun.set(s.run, [...(byRun.get(s.run) ?? []), s]);
  }
  const runs = [...byRun].filter(([, xs]) => new Set(xs.map((x) => x.volume)).size > 1);
  const [first] = group;
  if (!runs.length || !first) return undefined;
  return {
    region: first.region,
    series: first.series,
    runs: runs.map(([run]) => run),
    snapshots: runs.flatMap(([run, xs]) => xs.map((x) => ({ id: x.id, volume: x.volume ?? '', run }))),
  };
}

/** `run R holds snapshots of vol-a (snap-1) and vol-b (snap-2)` (the first colliding run). */
export function describeTrimCollision(c: TrimCollision): string {
  const [run = ''] = c.runs;
  const of = c.snapshots.filter((x) => x.run === run).map((x) => `${x.volume} (${x.id})`);
  const more = c.runs.length > 1 ? ` (and ${c.runs.length - 1} more run(s))` : '';
  return `run ${run} holds snapshots of ${of.join(' and ')} in series "${c.series}" in ${c.region}${more}`;
}
