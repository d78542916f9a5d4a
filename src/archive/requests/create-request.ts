import { resolve } from 'node:path';
import { z } from 'zod';
import type { ParseContext } from '../../core/request.js';
import { parseRequest } from '../../core/request.js';
import type { ArchiveFormat } from '../format.js';
import { ARCHIVE_DEFAULTS } from '../options.js';
import {
  archiveFormat,
  archiveName,
  checkEntry,
  compressionLevel,
  positiveMs,
  s3Settings,
  target,
} from './fields.js';

/** How an archive is written: its name, format, level, target and what is left out. */
const optionsShape = {
  name: archiveName,
  format: archiveFormat.optional(),
  level: compressionLevel.optional(),
  to: target.optional(),
  s3: s3Settings.optional(),
  exclude: z.array(z.string().min(1, 'a pattern is empty')).optional(),
  skipUnreadable: z.boolean().optional(),
  leftoverAgeMs: positiveMs.optional(),
};

/** A level says how hard to compress: a tar is not compressed, so the two exclude each other. */
function levelConflict(
  r: { format?: string | undefined; level?: number | undefined },
  ctx: z.RefinementCtx,
): void {
  if (r.format === 'tar' && r.level !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['level'],
      message: `level ${r.level} and format tar exclude each other: a tar is not compressed (levels apply to tar.gz and zip)`,
    });
  }
}

const withDefaults = <T extends { format?: ArchiveFormat | undefined; level?: number | undefined }>(
  r: T,
) => ({
  ...r,
  format: r.format ?? ARCHIVE_DEFAULTS.format,
  /** A tar is not compressed: it has no level. */
  level: r.format === 'tar' ? undefined : (r.level ?? ARCHIVE_DEFAULTS.level),
  exclude: (r as { exclude?: string[] | undefined }).exclude ?? [],
  skipUnreadable:
    (r as { skipUnreadable?: boolean | undefined }).skipUnreadable ?? ARCHIVE_DEFAULTS.skipUnreadable,
  leftoverAgeMs:
    (r as { leftoverAgeMs?: number | undefined }).leftoverAgeMs ?? ARCHIVE_DEFAULTS.leftoverAgeMs,
});

/** The options of `archive(name, options)`, the builder: everything but what goes in. */
export const archiveOptionsSchema = z.object(optionsShape).superRefine(levelConflict).transform(withDefaults);

const include = z
  .object({
    path: z.string().min(1, 'is empty'),
    name: z.string().optional(),
    preservePaths: z.boolean().optional(),
  })
  .superRefine((i, ctx) => checkEntry(i.name, resolve(i.path), ctx, ['name']));

const file = z
  .object({ path: z.string().min(1, 'is empty'), name: z.string().optional() })
  .superRefine((f, ctx) => checkEntry(f.name, resolve(f.path), ctx, ['name']));

/** A command whose standard output is stored as `name`: argv as is, or a string run by /bin/sh -c. */
const run = z
  .object({
    name: z.string(),
    command: z.union([z.string().min(1, 'is empty'), z.array(z.string()).min(1, 'is empty')]),
    cwd: z.string().optional(),
    env: z.record(z.string(), z.string()).optional(),
  })
  .superRefine((r, ctx) =>
    checkEntry(r.name, typeof r.command === 'string' ? r.command : r.command.join(' '), ctx, ['name']),
  );

/**
 * What `archive create` is asked to do, from any entry point: the CLI (flags and a config-file
 * job), or a library caller of `createArchive`. Defaults come from ARCHIVE_DEFAULTS.
 */
export const archiveCreateRequestSchema = z
  .object({
    ...optionsShape,
    includes: z.array(include).optional(),
    files: z.array(file).optional(),
    runs: z.array(run).optional(),
    /** The default of `preservePaths` for includes that do not say. */
    preservePaths: z.boolean().optional(),
    dryRun: z.boolean().optional(),
  })
  .superRefine(levelConflict)
  .transform((r) => {
    const preservePaths = r.preservePaths ?? ARCHIVE_DEFAULTS.preservePaths;
    return {
      ...withDefaults(r),
      preservePaths,
      includes: (r.includes ?? []).map((i) => ({ ...i, preservePaths: i.preservePaths ?? preservePaths })),
      files: r.files ?? [],
      runs: (r.runs ?? []).map((x) => ({
        ...x,
        argv: typeof x.command === 'string' ? ['/bin/sh', '-c', x.command] : x.command,
      })),
      dryRun: r.dryRun ?? ARCHIVE_DEFAULTS.dryRun,
    };
  });

export type ArchiveOptionsRequestInput = z.input<typeof archiveOptionsSchema>;
export type ArchiveOptionsRequest = z.output<typeof archiveOptionsSchema>;
export type ArchiveCreateRequestInput = z.input<typeof archiveCreateRequestSchema>;
/** A checked request with every default filled in. */
export type ArchiveCreateRequest = z.output<typeof archiveCreateRequestSchema>;

const HINT = 'see docs/archive.md for what archive create accepts';

export function parseArchiveOptions(input: unknown, c: Partial<ParseContext> = {}): ArchiveOptionsRequest {
  return parseRequest(archiveOptionsSchema, input, { what: 'archive create', hint: HINT, ...c });
}

export function parseArchiveCreateRequest(
  input: unknown,
  c: Partial<ParseContext> = {},
): ArchiveCreateRequest {
  return parseRequest(archiveCreateRequestSchema, input, { what: 'archive create', hint: HINT, ...c });
}
