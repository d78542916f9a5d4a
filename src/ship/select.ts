import { hostname } from 'node:os';
import { CairnError } from '../core/errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { isUnder, listManifests, newestPerSeries, readManifestChecked } from './catalog.js';
import type { DamagedManifest } from './catalog.js';
import type { ManifestRef } from './layout.js';
import type { Manifest } from './manifest.js';

export interface Selection {
  host: string;
  at: Date;
  path: string;
  manifests: { ref: ManifestRef; manifest: Manifest }[];
  /** Manifests that are needed but damaged (not valid, or not of the directory their key names). */
  damaged: DamagedManifest[];
}

/** Picks the host (given, this machine's, or the only one) and reads the newest manifest of each directory at `at`. */
export async function selectManifests(
  store: ObjectStore,
  o: { host?: string | undefined; path?: string | undefined; at: Date },
): Promise<Selection> {
  const all = await listManifests(store);
  const hosts = [...new Set(all.map((r) => r.host))].sort();
  if (hosts.length === 0) {
    throw new CairnError('NOT_FOUND', `nothing has been shipped to ${store.url}`, {
      hint: 'check --from, or run cairn ship backup first',
    });
  }
  let host = o.host;
  if (!host) {
    const me = hostname();
    if (hosts.includes(me)) host = me;
    else if (hosts.length === 1) host = hosts[0];
    else {
      throw new CairnError('USAGE', `${store.url} holds several hosts (${hosts.join(', ')})`, {
        hint: 'choose one with --host',
      });
    }
  }
  if (!host || !hosts.includes(host)) {
    throw new CairnError('NOT_FOUND', `no host "${host}" in ${store.url}`, {
      hint: `hosts there: ${hosts.join(', ')}`,
    });
  }
  const path = o.path ?? '/';
  const refs = newestPerSeries(
    all.filter((r) => r.host === host && isUnder(r.dir, path)),
    o.at,
  );
  if (refs.length === 0) {
    throw new CairnError(
      'NOT_FOUND',
      `no manifest of ${path} for host ${host} at or before ${o.at.toISOString()}`,
      {
        hint: 'list the points in time with cairn ship list',
      },
    );
  }
  const manifests = [];
  const damaged: DamagedManifest[] = [];
  for (const ref of refs) {
    const read = await readManifestChecked(store, ref);
    if ('damaged' in read) damaged.push(read.damaged);
    else manifests.push({ ref, manifest: read.manifest });
  }
  return { host, at: o.at, path, manifests, damaged };
}
