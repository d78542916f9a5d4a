import { z } from 'zod';
import type { ParseContext } from '../../core/request.js';
import { parseRequest } from '../../core/request.js';
import { archiveName } from './fields.js';

/** What `archive list` is asked to show: every archive, or those of one name. */
export const archiveListRequestSchema = z.object({
  name: archiveName.optional(),
  withMeta: z.boolean().optional(),
});

export type ArchiveListRequestInput = z.input<typeof archiveListRequestSchema>;
export type ArchiveListRequest = z.output<typeof archiveListRequestSchema>;

export function parseArchiveListRequest(input: unknown, c: Partial<ParseContext> = {}): ArchiveListRequest {
  return parseRequest(archiveListRequestSchema, input, {
    what: 'archive list',
    hint: 'see docs/archive.md for what archive list accepts',
    ...c,
  });
}
