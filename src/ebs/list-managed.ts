import { fromAwsError } from '../aws/aws-errors.js';
import type { Ec2Api, TagFilter } from './ports.js';
import type { RegionFailures } from './region-failures.js';
import { seriesOf, TAG } from './tags.js';
import type { Ec2Snapshot } from './types.js';

export interface SnapshotFilter {
  /** Only snapshots with these tags (all must match). */
  tags?: TagFilter | undefined;
  /** Only these series (exact, or with a trailing `*`). */
  series?: string[] | undefined;
  /** Include snapshots cairn did not make (they form one series per volume). */
  unmanaged?: boolean | undefined;
}

export function seriesMatcher(patterns: readonly string[] | undefined): (s: string) => boolean {
  if (!patterns?.length) return () => true;
  return (s) => patterns.some((p) => (p.endsWith('*') ? s.startsWith(p.slice(0, -1)) : s === p));
}

/** The snapshots of each region a filter selects; a region that fails is added to `failures`. */
export async function listSnapshots(
  api: Ec2Api,
  regions: readonly string[],
  f: SnapshotFilter,
  failures: RegionFailures,
  doing: string,
): Promise<Ec2Snapshot[]> {
  const tags: TagFilter = { ...(f.unmanaged ? {} : { [TAG.managed]: ['true'] }), ...(f.tags ?? {}) };
  const match = seriesMatcher(f.series);
  const snapshots: Ec2Snapshot[] = [];
  await Promise.all(
    regions.map(async (region) => {
      try {
        const found = await api.findSnapshots(region, { tags });
        snapshots.push(...found.filter((s) => match(seriesOf(s))));
      } catch (err) {
        failures.add(region, fromAwsError(err, `${doing} in ${region}`));
      }
    }),
  );
  return snapshots;
}
