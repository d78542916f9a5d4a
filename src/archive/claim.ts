import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { CairnError, isCairnError } from '../core/errors.js';
import type { ObjectInfo, ObjectStore } from '../storage/object-store.js';
import type { ArchiveFormat } from './format.js';
import { archiveKey } from './naming.js';

/**
 * Two runs of one archive name started in the same second (two hosts running
 * one cron job) would want the same key. Before it writes, a run claims its
 * key with a write-once object under `.cairn-claims/`; a run that finds the
 * key claimed, or the archive there already, takes the next second's name.
 * The final writes are write-once too, so nothing is ever replaced even by a
 * writer that does not claim. A claim is removed when its run ends; one left
 * by a killed run is removed by a later run once it is older than the
 * leftover age.
 */
export const CLAIMS_PREFIX = '.cairn-claims/';

export const claimKey = (key: string): string => `${CLAIMS_PREFIX}${key}`;

/** Names tried after the first, one second apart, before giving up. */
export const MAX_NAME_TRIES = 60;

export interface Claim {
  key: string;
  /** The store's time when the claim was written (its LastModified). */
  storedAt: Date;
  release(): Promise<void>;
}

export async function claimArchiveKey(
  store: Pick<ObjectStore, 'put' | 'head' | 'delete'>,
  name: string,
  startedAt: Date,
  format: ArchiveFormat,
  fallbackNow: () => Date,
): Promise<Claim> {
  // Unique per run: a claim with these bytes found stored can only be this run's own retried write.
  const token = Buffer.from(
    JSON.stringify({
      host: hostname(),
      pid: process.pid,
      startedAt: startedAt.toISOString(),
      nonce: randomBytes(8).toString('hex'),
    }),
  );
  for (let i = 0; i <= MAX_NAME_TRIES; i++) {
    const key = archiveKey(name, new Date(startedAt.getTime() + i * 1000), format);
    try {
      await store.put(claimKey(key), token, { ifNoneMatch: true, contentType: 'application/json' });
    } catch (err) {
      if (isCairnError(err) && err.code === 'CONFLICT') continue; // another run has it
      throw err;
    }
    const release = (): Promise<void> => store.delete([claimKey(key)]).catch(() => undefined);
    // A run of this second that finished already has released its claim: its archive is there.
    if (await store.head(key)) {
      await release();
      continue;
    }
    const storedAt = (await store.head(claimKey(key)))?.lastModified ?? fallbackNow();
    return { key, storedAt, release };
  }
  throw new CairnError(
    'CONFLICT',
    `no free name for archive "${name}": ${MAX_NAME_TRIES + 1} names from ${archiveKey(name, startedAt, format)} on are taken`,
    { hint: 'too many runs of one archive name at once; give them different names' },
  );
}

export interface LeftoverPlan {
  remove: { key: string; reason: string }[];
  keep: { key: string; reason: string }[];
}

/** Claims older than `ageMs` by the store's clock are left by runs that were killed: remove them. */
export function planLeftoverClaims(
  claims: readonly ObjectInfo[],
  storeNow: Date,
  ageMs: number,
): LeftoverPlan {
  const plan: LeftoverPlan = { remove: [], keep: [] };
  for (const c of claims) {
    const age = storeNow.getTime() - c.lastModified.getTime();
    if (age > ageMs)
      plan.remove.push({
        key: c.key,
        reason: `claim ${Math.round(age / 1000)} s old, older than ${Math.round(ageMs / 1000)} s: its run was stopped`,
      });
    else
      plan.keep.push({
        key: c.key,
        reason: `claim ${Math.round(age / 1000)} s old: its run may still be going`,
      });
  }
  return plan;
}
