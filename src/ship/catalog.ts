import type { ObjectStore } from '../storage/object-store.js';
import { hostPrefix, parseManifestKey } from './layout.js';
import type { ManifestRef } from './layout.js';
import { decodeManifest, MAX_MANIFEST_BYTES } from './manifest.js';
import type { Manifest } from './manifest.js';

/** Every manifest of one host (or all hosts), oldest first. One listing, no per-file requests. */
export async function listManifests(store: Pick<ObjectStore, 'list'>, host?: string): Promise<ManifestRef[]> {
  const refs: ManifestRef[] = [];
  for await (const o of store.list(hostPrefix(host))) {
    const ref = parseManifestKey(o.key);
    if (ref) refs.push(ref);
  }
  return refs.sort((a, b) => a.time.getTime() - b.time.getTime() || (a.key < b.key ? -1 : 1));
}

/** The newest manifest of each series at or before `at` (all of them when `at` is undefined). */
export function newestPerSeries(refs: readonly ManifestRef[], at?: Date): ManifestRef[] {
  const best = new Map<string, ManifestRef>();
  for (const r of refs) {
    if (at && r.time.getTime() > at.getTime()) continue;
    const cur = best.get(r.series);
    if (!cur || r.time.getTime() > cur.time.getTime()) best.set(r.series, r);
  }
  return [...best.values()].sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
}

export function isUnder(dir: string, root: string): boolean {
  return root === '/' || dir === root || dir.startsWith(`${root}/`);
}

export async function readManifest(
  store: Pick<ObjectStore, 'getBuffer'>,
  ref: ManifestRef,
): Promise<Manifest> {
  const m = decodeManifest(await store.getBuffer(ref.key, { maxBytes: MAX_MANIFEST_BYTES }), ref.key);
  return m;
}
