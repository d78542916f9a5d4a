import { z } from 'zod';
import type { ParseContext } from '../../core/request.js';
import { parseRequest } from '../../core/request.js';
import { retentionPolicy } from '../../core/retention-request.js';
import { notifyTargets, regionList, regionName, tagFilter } from './fields.js';

/** What `snapshot trim` is asked to do, from the CLI, the Lambda payload or a library caller. */
export const trimRequestSchema = z
  .object({
    homeRegion: regionName,
    regions: regionList.optional(),
    policy: retentionPolicy,
    tags: tagFilter.optional(),
    series: z.array(z.string().min(1)).optional(),
    unmanaged: z.boolean().optional(),
    maxDeletions: z.number().int('must be a whole number').min(0, 'must not be negative').optional(),
    dryRun: z.boolean().optional(),
    notify: notifyTargets.optional(),
  })
  .transform((r) => ({ ...r, dryRun: r.dryRun ?? false }));

export type SnapshotTrimRequestInput = z.input<typeof trimRequestSchema>;
export type SnapshotTrimRequest = z.output<typeof trimRequestSchema>;

export function parseTrimRequest(input: unknown, c: Partial<ParseContext> = {}): SnapshotTrimRequest {
  return parseRequest(trimRequestSchema, input, {
    what: 'snapshot trim',
    hint: 'e.g. keep daily 7, weekly 4, monthly 12; see docs/snapshot.md',
    ...c,
  });
}
