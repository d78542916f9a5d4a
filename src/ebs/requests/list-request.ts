import { z } from 'zod';
import type { ParseContext } from '../../core/request.js';
import { parseRequest } from '../../core/request.js';
import { positiveMs, regionList, regionName, tagFilter } from './fields.js';

/** What `snapshot list` is asked to show, from the CLI, the Lambda payload or a library caller. */
export const listRequestSchema = z.object({
  homeRegion: regionName,
  regions: regionList.optional(),
  tags: tagFilter.optional(),
  series: z.array(z.string().min(1)).optional(),
  unmanaged: z.boolean().optional(),
  staleAfterMs: positiveMs.optional(),
});

export type SnapshotListRequestInput = z.input<typeof listRequestSchema>;
export type SnapshotListRequest = z.output<typeof listRequestSchema>;

export function parseListRequest(input: unknown, c: Partial<ParseContext> = {}): SnapshotListRequest {
  return parseRequest(listRequestSchema, input, {
    what: 'snapshot list',
    hint: 'see docs/snapshot.md for what snapshot list accepts',
    ...c,
  });
}
