import { z } from 'zod';
import type { ParseContext } from '../../core/request.js';
import { parseRequest } from '../../core/request.js';
import { archiveName } from './fields.js';

/** `NAME` or `NAME@TIME`: the name is checked here, the time against the clock when restoring. */
const spec = z.string().superRefine((s, ctx) => {
  const at = s.indexOf('@');
  const name = archiveName.safeParse(at === -1 ? s : s.slice(0, at));
  if (!name.success) for (const i of name.error.issues) ctx.addIssue({ code: 'custom', message: i.message });
  else if (at !== -1 && !s.slice(at + 1).trim()) {
    ctx.addIssue({ code: 'custom', message: `no time after "@" in "${s}" (e.g. nightly@2026-11-20)` });
  }
});

/** What `archive restore` is asked to do, from the CLI or a library caller. */
export const archiveRestoreRequestSchema = z.object({
  spec,
  dest: z.string().min(1, 'is empty'),
});

export type ArchiveRestoreRequestInput = z.input<typeof archiveRestoreRequestSchema>;
export type ArchiveRestoreRequest = z.output<typeof archiveRestoreRequestSchema>;

export function parseArchiveRestoreRequest(
  input: unknown,
  c: Partial<ParseContext> = {},
): ArchiveRestoreRequest {
  return parseRequest(archiveRestoreRequestSchema, input, {
    what: 'archive restore',
    hint: 'e.g. restore nightly@2026-11-20 into /restore; see docs/archive.md',
    ...c,
  });
}
