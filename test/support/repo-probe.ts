import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openStore } from '../../src/storage/open-store.js';
import { listManifests, newestPerSeries, readManifest } from '../../src/ship/catalog.js';
import type { Manifest } from '../../src/ship/manifest.js';

/** The newest manifest of `dir` in a target (local path or s3:// with the env set), or undefined. */
export async function newestManifest(target: string, dir: string): Promise<Manifest | undefined> {
  const store = openStore(target);
  const refs = newestPerSeries(await listManifests(store)).filter((r) => r.dir === dir);
  const ref = refs[0];
  return ref ? readManifest(store, ref) : undefined;
}

/** Every manifest of `dir` in a target, oldest first. */
export async function allManifests(target: string, dir: string): Promise<Manifest[]> {
  const store = openStore(target);
  const refs = (await listManifests(store)).filter((r) => r.dir === dir);
  refs.sort((a, b) => a.time.getTime() - b.time.getTime());
  return Promise.all(refs.map((r) => readManifest(store, r)));
}

export async function manifestNames(target: string, dir: string): Promise<string[]> {
  return ((await newestManifest(target, dir))?.files ?? []).map((f) => f.name);
}

/** Count of stored objects in a local repository. */
export async function localObjectCount(repo: string): Promise<number> {
  let n = 0;
  const base = join(repo, 'objects', 'sha256');
  for (const d of await readdir(base).catch(() => [] as string[])) n += (await readdir(join(base, d))).length;
  return n;
}

export async function readJsonLines(path: string): Promise<unknown[]> {
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown);
}
