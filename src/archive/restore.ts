import { createHash } from 'node:crypto';
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { clockSkewWarning } from '../core/clock-skew.js';
import { CairnError, isCairnError } from '../core/errors.js';
import { silentReporter } from '../core/reporter.js';
import type { Reporter } from '../core/reporter.js';
import type { Restorer } from '../core/special-bits.js';
import { parsePointInTime } from '../core/timestamp.js';
import type { ObjectStore } from '../storage/object-store.js';
import { listArchives, pickArchive } from './catalog.js';
import type { ArchiveInfo } from './catalog.js';
import { archiveMetaSchema } from './meta.js';
import type { ArchiveMeta } from './meta.js';
import { ExtractTarget } from './extract-target.js';
import { extractTar } from './extract-tar.js';
import type { StoredDigest } from './extract-tar.js';
import { extractZip } from './extract-zip.js';
import { checkArchiveName, metaKey } from './naming.js';
import { archiveOutcome } from './outcome.js';
import type { ArchiveOutcome } from './outcome.js';
import { parseArchiveRestoreRequest } from './requests/restore-request.js';
import type { ArchiveRestoreRequestInput } from './requests/restore-request.js';

export interface ArchiveRestoreOptions extends ArchiveRestoreRequestInput {
  store: ObjectStore;
  clock?: Clock | undefined;
  reporter?: Reporter | undefined;
  /** Who restores (default: this process); only root gives entries back to their recorded owners. */
  restorer?: Restorer | undefined;
}

export interface ArchiveRestoreResult {
  key: string;
  dest: string;
  files: number;
  bytes: number;
  /** Whether the stored bytes were checked against the SHA-256 of the archive's record. */
  sha256Checked: boolean;
  /** Entries whose setuid/setgid/sticky bits were cleared because their owner could not be restored. */
  specialBitsCleared: number;
  /** `ok`: a restore is exact or fails (a CairnError, DEST's files as they were). */
  outcome: ArchiveOutcome;
}

export function parseSpec(spec: string, now: Date): { name: string; at: Date | undefined } {
  const at = spec.indexOf('@');
  const name = checkArchiveName(at === -1 ? spec : spec.slice(0, at));
  return { name, at: at === -1 ? undefined : parsePointInTime(spec.slice(at + 1), now) };
}

const damaged = (key: string, what: string): CairnError =>
  new CairnError('INTEGRITY', `${key} is damaged: ${what}; nothing was restored`, {
    hint: 'restore an earlier archive (NAME@TIME)',
  });

/** The record stored beside the archive, or undefined when the run that stored it never wrote one. */
async function readMeta(store: ObjectStore, a: ArchiveInfo): Promise<ArchiveMeta | undefined> {
  let raw: Buffer;
  try {
    raw = await store.getBuffer(metaKey(a.key), { maxBytes: 1 << 20 });
  } catch (err) {
    if (isCairnError(err) && err.code === 'NOT_FOUND') return undefined;
    throw err;
  }
  let parsed: ReturnType<typeof archiveMetaSchema.safeParse>;
  try {
    parsed = archiveMetaSchema.safeParse(JSON.parse(raw.toString('utf8')));
  } catch {
    throw damaged(a.key, `its record ${metaKey(a.key)} is not valid JSON`);
  }
  if (!parsed.success || parsed.data.key !== a.key) {
    throw damaged(a.key, `its record ${metaKey(a.key)} is invalid`);
  }
  if (parsed.data.bytes !== a.size) {
    throw damaged(a.key, `it is ${a.size} bytes, its record says ${parsed.data.bytes}`);
  }
  return parsed.data;
}

/** Reads the whole stored object once, for its SHA-256 (zip is extracted with ranged reads). */
async function digestObject(store: ObjectStore, key: string, signal: AbortSignal): Promise<StoredDigest> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const c of await store.get(key, { signal })) {
    hash.update(c as Buffer);
    bytes += (c as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * Extracts the newest archive of NAME (at or before TIME) into DEST, streaming
 * from storage. Nothing is renamed into place until every byte is checked: the
 * SHA-256 of the stored archive against its record, each zip entry against its
 * CRC-32. A restore that fails leaves DEST's existing files as they were. The request is
 * checked first (a USAGE CairnError names the bad key; DEST is not touched).
 */
export async function restoreArchive(o: ArchiveRestoreOptions): Promise<ArchiveRestoreResult> {
  const req = parseArchiveRestoreRequest(o);
  const now = (o.clock ?? systemClock).now();
  const { name, at } = parseSpec(req.spec, now);
  const reporter = o.reporter ?? silentReporter;
  const picked = pickArchive(
    await listArchives(o.store, name, { withMeta: false }),
    name,
    at,
    o.store.url,
    now,
  );
  const a = picked.pick;
  const skew = clockSkewWarning(
    'archive',
    picked.future.map((f) => f.time),
    now,
    `not restored as the newest of "${name}" (the latest is ${picked.future.at(-1)?.key ?? ''}); restoring ${a.key}, the newest not after now. Restore a future one with ${name}@TIME`,
  );
  if (skew) reporter.event(skew);
  const meta = await readMeta(o.store, a);
  if (!meta) {
    reporter.event({
      level: 'warn',
      type: 'archive.restore.unchecked',
      message: `${a.key} has no record (${metaKey(a.key)}): its bytes are checked only by the ${a.format} format's own checks`,
    });
  }
  const target = await ExtractTarget.open(req.dest, { reporter, who: o.restorer });
  const stop = new AbortController();
  try {
    let digest: StoredDigest | undefined;
    if (a.format === 'zip') {
      const whole = meta ? digestObject(o.store, a.key, stop.signal) : Promise.resolve(undefined);
      whole.catch(() => undefined);
      await extractZip(o.store, a.key, a.size, target);
      digest = await whole;
    } else {
      digest = await extractTar(await o.store.get(a.key), a.format === 'tar.gz', target, reporter);
    }
    if (meta && digest && (digest.sha256 !== meta.sha256 || digest.bytes !== meta.bytes)) {
      throw damaged(a.key, `its SHA-256 is ${digest.sha256}, its record says ${meta.sha256}`);
    }
    await target.commit();
  } catch (err) {
    stop.abort();
    await target.abort();
    if (err instanceof CairnError) throw err;
    throw new CairnError(
      'INTEGRITY',
      `${a.key} could not be extracted: ${(err as Error).message}; nothing was restored`,
      {
        cause: err,
      },
    );
  }
  return {
    key: a.key,
    dest: target.dest,
    files: target.files,
    bytes: target.bytes,
    sha256Checked: meta !== undefined,
    specialBitsCleared: target.specialBitsCleared,
    outcome: archiveOutcome([]),
  };
}
