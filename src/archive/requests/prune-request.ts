import { z } from 'zod';
import type { ParseContext } from '../../core/request.js';
import { parseRequest } from '../../core/request.js';
import { retentionPolicy } from '../../core/retention-request.js';
import { ARCHIVE_DEFAULTS } from '../options.js';
import { archiveName } from './fields.js';

/** What `archive prune` is asked to do, from the CLI (flags or a job's keep) or a library caller. */
export const archivePruneRequestSchema = z
  .object({
    name: archiveName,
    policy: retentionPolicy,
    dryRun: z.boolean().optional(),
  })
  .transform((r) => ({ ...r, dryRun: r.dryRun ?? ARCHIVE_DEFAULTS.dryRun }));

export type ArchivePruneRequestInput = z.input<typeof archivePruneRequestSchema>;
export type ArchivePruneRequest = z.output<typeof archivePruneRequestSchema>;

export function parseArchivePruneRequest(input: unknown, c: Partial<ParseContext> = {}): ArchivePruneRequest {
  return parseRequest(archivePruneRequestSchema, input, {
    what: 'archive prune',
    hint: 'e.g. keep daily 7, weekly 4, monthly 12; see docs/archive.md',
    ...c,
  });
}
