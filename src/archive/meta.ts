import { z } from 'zod';
import { FORMATS } from './format.js';

/** The small record stored beside each archive. */
export const archiveMetaSchema = z.object({
  version: z.literal(1),
  name: z.string(),
  key: z.string(),
  format: z.enum(FORMATS),
  createdAt: z.string(),
  bytes: z.number().int().nonnegative(),
  files: z.number().int().nonnegative(),
  entries: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
  cairn: z.string(),
});

export type ArchiveMeta = z.infer<typeof archiveMetaSchema>;
