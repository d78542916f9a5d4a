import { z } from 'zod';
import { retentionPolicy } from '../core/retention-request.js';

const count = z.number().int().min(-1);

/**
 * A `keep` section (ship, archive jobs, snapshot): the shape the file may have, checked with the
 * rules of the request schemas' retention policy (counts of at least 1 or -1, a valid `within`,
 * at least one rule that keeps something), so that a bad policy is refused at load, naming its
 * key (`snapshot.keep.daily: …`), not only when a prune or trim runs.
 */
export const keepSchema = z
  .object({
    last: count.optional(),
    hourly: count.optional(),
    daily: count.optional(),
    weekly: count.optional(),
    monthly: count.optional(),
    yearly: count.optional(),
    within: z.string().optional(),
  })
  .strict()
  .superRefine((keep, ctx) => {
    const checked = retentionPolicy.safeParse(keep);
    if (checked.success) return;
    for (const issue of checked.error.issues) {
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    }
  });

export const s3Schema = z
  .object({
    region: z.string().optional(),
    endpoint: z.url().optional(),
    pathStyle: z.boolean().optional(),
    sse: z.enum(['AES256', 'aws:kms']).optional(),
    kmsKeyId: z.string().optional(),
    partSizeMiB: z.number().int().min(5).max(5120).optional(),
    partConcurrency: z.number().int().min(1).max(64).optional(),
    /** e.g. '2m': a connection idle this long is given up and the request retried. */
    requestTimeout: z.string().optional(),
  })
  .strict();

export const finishedModes = ['rename', 'close', 'hardlink', 'quiet'] as const;
export type FinishedMode = (typeof finishedModes)[number];

export const shipSchema = z
  .object({
    paths: z.array(z.string()).optional(),
    to: z.string().optional(),
    host: z.string().min(1).optional(),
    recursive: z.boolean().optional(),
    finished: z.array(z.enum(finishedModes)).min(1).optional(),
    quietPeriod: z.string().optional(),
    include: z.array(z.string()).optional(),
    exclude: z.array(z.string()).optional(),
    concurrency: z.number().int().min(1).max(256).optional(),
    maxRate: z.string().optional(),
    metrics: z.string().optional(),
    grace: z.string().optional(),
    keep: keepSchema.optional(),
  })
  .strict();

const archiveIncludeSchema = z.union([
  z.string(),
  z.object({ path: z.string(), name: z.string().optional(), preservePaths: z.boolean().optional() }).strict(),
]);

export const archiveJobSchema = z
  .object({
    name: z.string().optional(),
    format: z.enum(['tar.gz', 'tar', 'zip']).optional(),
    to: z.string().optional(),
    include: z.array(archiveIncludeSchema).optional(),
    files: z.array(z.object({ path: z.string(), name: z.string().optional() }).strict()).optional(),
    run: z
      .array(
        z.object({ name: z.string(), command: z.union([z.string(), z.array(z.string()).min(1)]) }).strict(),
      )
      .optional(),
    exclude: z.array(z.string()).optional(),
    preservePaths: z.boolean().optional(),
    skipUnreadable: z.boolean().optional(),
    level: z.number().int().min(0).max(9).optional(),
    keep: keepSchema.optional(),
  })
  .strict();

export const archiveSchema = z.object({ jobs: z.record(z.string(), archiveJobSchema).optional() }).strict();

/** Defaults of `cairn snapshot` (EBS snapshots); flags win over them. */
export const snapshotSchema = z
  .object({
    regions: z.array(z.string()).optional(),
    tags: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
    excludeDevices: z.array(z.string()).optional(),
    seriesKey: z.string().min(1).optional(),
    copyTags: z.boolean().optional(),
    keep: keepSchema.optional(),
    maxDeletions: z.number().int().min(0).optional(),
    copyTo: z.array(z.string()).optional(),
    kmsKeyId: z.string().optional(),
    notify: z.string().optional(),
    notifyError: z.string().optional(),
    stopTimeout: z.string().optional(),
    waitTimeout: z.string().optional(),
  })
  .strict();

/** The whole config file. Every key is optional: flags work alone. */
export const configSchema = z
  .object({
    repo: z.string().optional(),
    s3: s3Schema.optional(),
    log: z
      .object({ level: z.enum(['debug', 'info', 'warn', 'error']).optional() })
      .strict()
      .optional(),
    ship: shipSchema.optional(),
    archive: archiveSchema.optional(),
    snapshot: snapshotSchema.optional(),
  })
  .strict();

export type CairnConfig = z.infer<typeof configSchema>;
export type ShipConfig = z.infer<typeof shipSchema>;
export type S3Config = z.infer<typeof s3Schema>;
export type SnapshotConfig = z.infer<typeof snapshotSchema>;
export type ArchiveJob = z.infer<typeof archiveJobSchema>;
