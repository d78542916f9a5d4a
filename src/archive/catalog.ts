import { isFuture } from '../core/clock-skew.js';
import { CairnError } from '../core/errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { archiveMetaSchema } from './meta.js';
import type { ArchiveMeta } from './meta.js';
import { metaKey, parseArchiveKey } from './naming.js';
import { parseArchiveListRequest } from './requests/list-request.js';
import type { ArchiveRef } from './naming.js';

export interface ArchiveInfo extends ArchiveRef {
  size: number;
  /** Absent when the run that stored the archive stopped before writing its record. */
  meta?: ArchiveMeta | undefined;
}

/** Archives in the target (of one name, or all), oldest first. A bad name is a USAGE CairnError. */
export async function listArchives(
  store: Pick<ObjectStore, 'list' | 'getBuffer'>,
  name?: string,
  o: { withMeta?: boolean } = {},
): Promise<ArchiveInfo[]> {
  parseArchiveListRequest({ name, withMeta: o.withMeta });
  const found: ArchiveInfo[] = [];
  const metas = new Set<string>();
  for await (const obj of store.list(name ? `${name}_` : '')) {
    if (obj.key.includes('/')) continue;
    if (obj.key.endsWith('.json')) metas.add(obj.key);
    const ref = parseArchiveKey(obj.key, name);
    if (ref) found.push({ ...ref, size: obj.size });
  }
  if (o.withMeta !== false) {
    for (const a of found) {
      if (!metas.has(metaKey(a.key))) continue;
      const raw = await store.getBuffer(metaKey(a.key), { maxBytes: 1 << 20 }).catch(() => undefined);
      const parsed = raw ? archiveMetaSchema.safeParse(JSON.parse(raw.toString('utf8'))) : undefined;
      if (parsed?.success) a.meta = parsed.data;
    }
  }
  return found.sort((a, b) => a.time.getTime() - b.time.getTime());
}

/**
 * `NAME` or `NAME@TIME`: the newest archive of NAME at or before TIME. Without TIME, the newest
 * not dated in the future (more than FUTURE_TOLERANCE_MS after `now`: a host with a wrong
 * clock); `future` lists the archives of NAME that were passed over for that reason.
 */
export function pickArchive(
  all: readonly ArchiveInfo[],
  name: string,
  at: Date | undefined,
  where: string,
  now: Date,
): { pick: ArchiveInfo; future: ArchiveInfo[] } {
  const future = at ? [] : all.filter((a) => a.name === name && isFuture(a.time, now));
  const candidates = all.filter(
    (a) => a.name === name && (at ? a.time.getTime() <= at.getTime() : !isFuture(a.time, now)),
  );
  const pick = candidates.at(-1);
  if (!pick) {
    const latest = future.at(-1);
    throw new CairnError(
      'NOT_FOUND',
      `no archive "${name}"${at ? ` at or before ${at.toISOString()}` : latest ? ' not dated in the future' : ''} in ${where}${latest ? ` (${future.length} dated in the future, the latest ${latest.key}: clock skew?)` : ''}`,
      {
        hint: latest
          ? `restore it by its time if it is the one you want: ${name}@${latest.time.toISOString()}`
          : 'see cairn archive list',
      },
    );
  }
  return { pick, future };
}
