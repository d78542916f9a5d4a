import { z } from 'zod';
import { SNAPSHOT_DEFAULTS } from '../options.js';
import type { ParseContext } from '../../core/request.js';
import { parseRequest } from '../../core/request.js';
import {
  instanceId,
  notifyTargets,
  positiveMs,
  regionList,
  regionName,
  seriesTemplate,
  tagFilter,
  volumeId,
} from './fields.js';

const selection = z.object({
  instanceIds: z.array(instanceId),
  volumeIds: z.array(volumeId),
  tags: tagFilter,
  excludeDevices: z.array(z.string().min(1)),
});

/**
 * What `snapshot create` is asked to do, from any entry point: the CLI (flags and config file),
 * the Lambda payload, or a library caller. Defaults come from SNAPSHOT_DEFAULTS.
 */
export const createRequestSchema = z
  .object({
    homeRegion: regionName,
    regions: regionList.optional(),
    selection,
    /** `stop` and `stopped` are the payload's and the flags' way of saying `mode`. */
    mode: z.enum(['live', 'stop', 'stopped']).optional(),
    stop: z.boolean().optional(),
    stopped: z.boolean().optional(),
    perVolume: z.boolean().optional(),
    label: z.string().max(255).optional(),
    protect: z.boolean().optional(),
    copyTags: z.boolean().optional(),
    seriesKey: seriesTemplate.optional(),
    wait: z.boolean().optional(),
    pollMs: positiveMs.optional(),
    waitTimeoutMs: positiveMs.optional(),
    stopTimeoutMs: positiveMs.optional(),
    restartTimeoutMs: positiveMs.optional(),
    dryRun: z.boolean().optional(),
    notify: notifyTargets.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.stop && r.stopped) {
      ctx.addIssue({
        code: 'custom',
        path: ['stopped'],
        message: 'stop and stopped exclude each other: stop stops running instances, stopped skips them',
      });
    } else if (r.mode && ((r.stop && r.mode !== 'stop') || (r.stopped && r.mode !== 'stopped'))) {
      ctx.addIssue({
        code: 'custom',
        path: ['mode'],
        message: `mode "${r.mode}" and ${r.stop ? 'stop' : 'stopped'} exclude each other`,
      });
    }
  })
  .transform(({ stop, stopped, ...r }) => ({
    ...r,
    mode: r.mode ?? (stop ? 'stop' : stopped ? 'stopped' : 'live'),
    perVolume: r.perVolume ?? false,
    seriesKey: r.seriesKey ?? SNAPSHOT_DEFAULTS.seriesKey,
    wait: r.wait ?? false,
    pollMs: r.pollMs ?? SNAPSHOT_DEFAULTS.pollMs,
    waitTimeoutMs: r.waitTimeoutMs ?? SNAPSHOT_DEFAULTS.waitTimeoutMs,
    stopTimeoutMs: r.stopTimeoutMs ?? SNAPSHOT_DEFAULTS.stopTimeoutMs,
    restartTimeoutMs: r.restartTimeoutMs ?? SNAPSHOT_DEFAULTS.restartTimeoutMs,
    dryRun: r.dryRun ?? false,
  }));

export type SnapshotCreateRequestInput = z.input<typeof createRequestSchema>;
/** A checked request with every default filled in. */
export type SnapshotCreateRequest = z.output<typeof createRequestSchema>;

export function parseCreateRequest(input: unknown, c: Partial<ParseContext> = {}): SnapshotCreateRequest {
  return parseRequest(createRequestSchema, input, {
    what: 'snapshot create',
    hint: 'see docs/snapshot.md for what snapshot create accepts',
    ...c,
  });
}
