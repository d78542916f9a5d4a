import { deviceTagOf, MAX_TAGS, seriesTagOf, TAG } from './tags.js';
import type { Tags } from './types.js';

/**
 * EC2 allows 50 tags per resource, counted per call: a snapshot made by CreateSnapshots carries
 * the whole tag set of the call, and a CreateTags after it adds to those. These functions decide
 * which tags go where so that the series and identity tags always fit; copied instance tags are
 * dropped first, and the notes name what was dropped.
 */

export interface SharedTagPlan {
  /** The one tag set of a CreateSnapshots call (every snapshot of it carries all of them). */
  tags: Tags;
  /** Per volume: its series and volume tags, written with CreateTags right after creation. */
  lateTags: Record<string, Tags>;
  notes: string[];
}

/** What CreateTags may add after creation (the IAM policy allows these keys only). */
const LATE_TAGS_PER_SNAPSHOT = 2;

const take = (t: Tags, n: number): Tags => Object.fromEntries(Object.entries(t).slice(0, Math.max(0, n)));
const count = (t: Tags): number => Object.keys(t).length;

export const droppedNote = (dropped: readonly string[], what = 'instance tags'): string =>
  `${what} not copied (EC2 allows ${MAX_TAGS} tags per snapshot): ${dropped.join(', ')}`;

/**
 * One CreateSnapshots for several volumes: `base` (managed, run, instance, …) always, then the
 * per-volume series tags, then the per-volume device tags, then copied instance tags. When the
 * series tags of all volumes do not fit beside `base`, the ones that do not are written after
 * creation, and the shared set leaves room for them.
 */
export function planSharedTags(
  base: Tags,
  volumes: readonly { volumeId: string; device: string | undefined; series: string }[],
  copied: Tags,
): SharedTagPlan {
  const notes: string[] = [];
  const series: Tags = {};
  const devices: Tags = {};
  for (const v of volumes) {
    series[seriesTagOf(v.volumeId)] = v.series;
    if (v.device) devices[deviceTagOf(v.volumeId)] = v.device;
  }
  const room = MAX_TAGS - count(base);
  const allFit = count(series) <= room;
  // Late tags need room on every snapshot of the call, so the shared set shrinks by as much.
  const shared = allFit ? room : room - LATE_TAGS_PER_SNAPSHOT;
  const inline = take(series, shared);
  const dev = allFit ? take(devices, shared - count(inline)) : {};
  const kept = take(copied, shared - count(inline) - count(dev));
  const lateTags: Record<string, Tags> = {};
  for (const v of volumes) {
    if (inline[seriesTagOf(v.volumeId)] !== undefined) continue;
    lateTags[v.volumeId] = { [TAG.series]: v.series, [TAG.volume]: v.volumeId };
  }
  const dropped = Object.keys(copied).filter((k) => !(k in kept));
  if (dropped.length) notes.push(droppedNote(dropped));
  if (count(dev) < count(devices)) notes.push('device tags left out: too many volumes for one tag set');
  if (Object.keys(lateTags).length)
    notes.push(`series tags of ${Object.keys(lateTags).length} volume(s) are added right after creation`);
  return { tags: { ...kept, ...base, ...dev, ...inline }, lateTags, notes };
}

/** One snapshot's own tag set (CreateSnapshot, CopySnapshot): `own` always, copied tags while they fit. */
export function planOwnTags(
  own: Tags,
  copied: Tags,
  what = 'instance tags',
): { tags: Tags; notes: string[] } {
  const rest = Object.fromEntries(Object.entries(copied).filter(([k]) => !(k in own)));
  const kept = take(rest, MAX_TAGS - count(own));
  const dropped = Object.keys(rest).filter((k) => !(k in kept));
  return { tags: { ...kept, ...own }, notes: dropped.length ? [droppedNote(dropped, what)] : [] };
}
