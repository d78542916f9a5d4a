import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { CairnError } from '../core/errors.js';
import { silentReporter } from '../core/reporter.js';
import type { Reporter } from '../core/reporter.js';
import type { ObjectStore } from '../storage/object-store.js';
import { listManifests, newestPerSeries, readManifest } from './catalog.js';
import { objectKey, OBJECTS_PREFIX, shaFromObjectKey } from './layout.js';
import { repairObjects } from './repair.js';
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { runOutcome } from '../core/outcome.js';
import type { RunOutcome } from '../core/outcome.js';
import { pointInTimeAt } from './requests/fields.js';
import { parseShipVerifyRequest } from './requests/verify-request.js';
import type { BrokenObject, RepairResult } from './repair.js';

export interface VerifyOptions {
  store: ObjectStore;
  host?: string | undefined;
  /** Only the newest manifest of each directory at this time (a Date, or text such as `6h ago`); default every manifest. */
  at?: Date | string | undefined;
  readData?: boolean | undefined;
  /** Store each missing or damaged object again from a local file that has its content (reads all data). */
  repair?: boolean | undefined;
  /** With repair: find the files, store nothing. */
  dryRun?: boolean | undefined;
  reporter?: Reporter | undefined;
  signal?: AbortSignal | undefined;
  clock?: Clock | undefined;
}

export interface VerifyProblem {
  manifest: string;
  file: string;
  sha256: string;
  problem:
    'missing' | 'wrong size' | 'wrong hash' | 'unreadable manifest' | 'manifest does not match its key';
  detail?: string;
}

export interface VerifyResult {
  manifests: number;
  objectsChecked: number;
  bytesRead: number;
  problems: VerifyProblem[];
  repair?: RepairResult;
  /** ok, or failed with what is still wrong (after repair, what could not be repaired); or interrupted. */
  outcome: RunOutcome;
}

const OBJECT_PROBLEMS = new Set<VerifyProblem['problem']>(['missing', 'wrong size', 'wrong hash']);

/**
 * Every object a manifest refers to exists with the right size; with readData, the right SHA-256;
 * every manifest is valid and of the host and directory its key names. With repair, each missing
 * or damaged object is stored again from a local file that still has its content.
 */
export async function shipVerify(options: VerifyOptions): Promise<VerifyResult> {
  const req = parseShipVerifyRequest(options);
  const o = { ...options, ...req, at: pointInTimeAt(req.at, (options.clock ?? systemClock).now()) };
  const reporter = o.reporter ?? silentReporter;
  const sizes = new Map<string, number>();
  for await (const obj of o.store.list(OBJECTS_PREFIX)) {
    const sha = shaFromObjectKey(obj.key);
    if (sha) sizes.set(sha, obj.size);
  }
  let refs = await listManifests(o.store, o.host);
  if (o.at) refs = newestPerSeries(refs, o.at);
  const result: VerifyResult = {
    manifests: refs.length,
    objectsChecked: 0,
    bytesRead: 0,
    problems: [],
    outcome: { status: 'ok', reasons: [] },
  };
  const wanted = new Map<string, { manifest: string; file: string; size: number }>();
  /** sha → every file (absolute path) a manifest names with it, and its size. */
  const named = new Map<string, { size: number; files: Set<string> }>();
  const sameSize = new Map<number, string[]>();
  for (const ref of refs) {
    let m;
    try {
      m = await readManifest(o.store, ref);
    } catch (err) {
      if (!(err instanceof CairnError) || err.code !== 'INTEGRITY') throw err;
      result.problems.push({
        manifest: ref.key,
        file: '',
        sha256: '',
        problem: 'unreadable manifest',
        detail: err.message,
      });
      continue;
    }
    if (m.host !== ref.host || m.dir !== ref.dir) {
      // Restore refuses it: a manifest that passes here must restore.
      result.problems.push({
        manifest: ref.key,
        file: '',
        sha256: '',
        problem: 'manifest does not match its key',
        detail: `it claims to be of ${m.host}:${m.dir}`,
      });
      continue;
    }
    for (const f of m.files) {
      const size = sizes.get(f.sha256);
      const file = join(m.dir, f.name);
      const n = named.get(f.sha256) ?? { size: f.size, files: new Set<string>() };
      n.files.add(file);
      named.set(f.sha256, n);
      const same = sameSize.get(f.size) ?? [];
      if (same.length < 64) same.push(file); // enough places to look for a lost content
      sameSize.set(f.size, same);
      if (size === undefined)
        result.problems.push({ manifest: ref.key, file, sha256: f.sha256, problem: 'missing' });
      else if (size !== f.size)
        result.problems.push({ manifest: ref.key, file, sha256: f.sha256, problem: 'wrong size' });
      else if (!wanted.has(f.sha256)) wanted.set(f.sha256, { manifest: ref.key, file, size });
    }
  }
  result.objectsChecked = wanted.size;
  if (o.readData || o.repair) {
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
  }
  if (!o.repair) return withOutcome(result, o.signal);
  const broken: BrokenObject[] = [];
  for (const sha of new Set(
    result.problems.filter((p) => OBJECT_PROBLEMS.has(p.problem)).map((p) => p.sha256),
  )) {
    const n = named.get(sha);
    if (n) broken.push({ sha256: sha, size: n.size, files: [...n.files].sort() });
  }
  result.repair = await repairObjects(o.store, broken, sameSize, {
    dryRun: o.dryRun,
    reporter,
    signal: o.signal,
  });
  return withOutcome(result, o.signal);
}

/** What is still wrong: every problem, or with repair, what could not be repaired. */
function withOutcome(r: VerifyResult, signal: AbortSignal | undefined): VerifyResult {
  const manifests = r.problems.filter((p) => p.manifest && !p.sha256).length;
  const objects = r.repair ? r.repair.notRepaired.length : r.problems.length - manifests;
  r.outcome = runOutcome({
    interrupted: signal?.aborted === true,
    problems: [
      objects ? `${objects} object(s) ${r.repair ? 'could not be repaired' : 'missing or damaged'}` : '',
      manifests ? `${manifests} manifest(s) damaged` : '',
    ],
    done: r.repair?.repaired.length ?? 0,
  });
  return r;
}
