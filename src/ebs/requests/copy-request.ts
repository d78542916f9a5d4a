import { z } from 'zod';
import { SNAPSHOT_DEFAULTS } from '../options.js';
import type { ParseContext } from '../../core/request.js';
import { parseRequest } from '../../core/request.js';
import { notifyTargets, positiveMs, regionList, regionName, tagFilter } from './fields.js';

/** What `snapshot copy` is asked to do, from the CLI, the Lambda payload or a library caller. */
export const copyRequestSchema = z
  .object({
    fromRegion: regionName,
    toRegions: regionList.pipe(z.array(z.string()).min(1, 'name at least one destination region')),
    tags: tagFilter.optional(),
    series: z.array(z.string().min(1)).optional(),
    unmanaged: z.boolean().optional(),
    kmsKeyId: z.string().min(1).optional(),
    wait: z.boolean().optional(),
    pollMs: positiveMs.optional(),
    waitTimeoutMs: positiveMs.optional(),
    inFlight: z.number().int().min(1).max(SNAPSHOT_DEFAULTS.copiesInFlight).optional(),
    dryRun: z.boolean().optional(),
    notify: notifyTargets.optional(),
  })
  .transform((r) => ({
    ...r,
    wait: r.wait ?? false,
    pollMs: r.pollMs ?? SNAPSHOT_DEFAULTS.pollMs,
    waitTimeoutMs: r.waitTimeoutMs ?? SNAPSHOT_DEFAULTS.waitTimeoutMs,
    inFlight: r.inFlight ?? SNAPSHOT_DEFAULTS.copiesInFlight,
    dryRun: r.dryRun ?? false,
  }));

export type SnapshotCopyRequestInput = z.input<typeof copyRequestSchema>;
export type SnapshotCopyRequest = z.output<typeof copyRequestSchema>;

export function parseCopyRequest(input: unknown, c: Partial<ParseContext> = {}): SnapshotCopyRequest {
  return parseRequest(copyRequestSchema, input, {
    what: 'snapshot copy',
    hint: 'e.g. copy to eu-west-1; see docs/snapshot.md',
    ...c,
  });
}
