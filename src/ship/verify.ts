import { createHash } from 'node:crypto';
import { CairnError } from '../core/errors.js';
import { silentReporter } from '../core/reporter.js';
import type { Reporter } from '../core/reporter.js';
import type { ObjectStore } from '../storage/object-store.js';
import { listManifests, newestPerSeries, readManifest } from './catalog.js';
import { objectKey, OBJECTS_PREFIX, shaFromObjectKey } from './layout.js';

export interface VerifyOptions {
  store: ObjectStore;
  host?: string | undefined;
  /** Only the newest manifest of each directory at this time; default every manifest. */
  at?: Date | undefined;
  readData?: boolean | undefined;
  reporter?: Reporter | undefined;
  signal?: AbortSignal | undefined;
}

export interface VerifyProblem {
  manifest: string;
  file: string;
  sha256: string;
  problem: 'missing' | 'wrong size' | 'wrong hash' | 'unreadable manifest';
}

export interface VerifyResult {
  manifests: number;
  objectsChecked: number;
  bytesRead: number;
  problems: VerifyProblem[];
}

/** Every object a manifest refers to exists with the right size; with readData, the right SHA-256. */
export async function shipVerify(o: VerifyOptions): Promise<VerifyResult> {
  const reporter = o.reporter ?? silentReporter;
  const sizes = new Map<string, number>();
  for await (const obj of o.store.list(OBJECTS_PREFIX)) {
    const sha = shaFromObjectKey(obj.key);
    if (sha) sizes.set(sha, obj.size);
  }
  let refs = await listManifests(o.store, o.host);
  if (o.at) refs = newestPerSeries(refs, o.at);
  const result: VerifyResult = { manifests: refs.length, objectsChecked: 0, bytesRead: 0, problems: [] };
  const wanted = new Map<string, { manifest: string; file: string; size: number }>();
  for (const ref of refs) {
    let m;
    try {
      m = await readManifest(o.store, ref);
    } catch (err) {
      if (!(err instanceof CairnError) || err.code !== 'INTEGRITY') throw err;
      result.problems.push({ manifest: ref.key, file: '', sha256: '', problem: 'unreadable manifest' });
      continue;
    }
    for (const f of m.files) {
      const size = sizes.get(f.sha256);
      const file = `${m.dir}/${f.name}`;
      if (size === undefined)
        result.problems.push({ manifest: ref.key, file, sha256: f.sha256, problem: 'missing' });
      else if (size !== f.size)
        result.problems.push({ manifest: ref.key, file, sha256: f.sha256, problem: 'wrong size' });
      else if (!wanted.has(f.sha256)) wanted.set(f.sha256, { manifest: ref.key, file, size });
    }
  }
  result.objectsChecked = wanted.size;
  if (!o.readData) return result;
  const total = [...wanted.values()].reduce((n, w) => n + w.size, 0);
  for (const [sha, w] of wanted) {
    const h = createHash('sha256');
    for await (const chunk of await o.store.get(objectKey(sha), { signal: o.signal })) {
      h.update(chunk as Buffer);
      result.bytesRead += (chunk as Buffer).length;
    }
    if (h.digest('hex') !== sha)
      result.problems.push({ manifest: w.manifest, file: w.file, sha256: sha, problem: 'wrong hash' });
    reporter.progress?.({ unit: 'bytes', done: result.bytesRead, total, label: 'reading data' });
  }
  return result;
}
