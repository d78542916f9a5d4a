import { CairnError, isCairnError } from '../core/errors.js';
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

/** A manifest that could not be used: its key and why. */
export interface DamagedManifest {
  key: string;
  error: CairnError;
}

/**
 * Reads a manifest, telling damage apart from failure: a manifest that is not valid, or that
 * claims another host or directory than its key, is returned as damaged (so that one bad
 * manifest does not stop every command); an error of the store (unreachable, denied) is thrown.
 */
export async function readManifestChecked(
  store: Pick<ObjectStore, 'getBuffer'>,
  ref: ManifestRef,
): Promise<{ manifest: Manifest } | { damaged: DamagedManifest }> {
  try {
    const manifest = await readManifest(store, ref);
    if (manifest.dir !== ref.dir || manifest.host !== ref.host) {
      const error = new CairnError(
        'INTEGRITY',
        `manifest ${ref.key} claims to be of ${manifest.host}:${manifest.dir}`,
        { hint: 'it may be corrupted or hostile' },
      );
      return { damaged: { key: ref.key, error } };
    }
    return { manifest };
  } catch (err) {
    if (isCairnError(err) && err.code === 'INTEGRITY') return { damaged: { key: ref.key, error: err } };
    throw err;
  }
}
