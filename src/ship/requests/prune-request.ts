import { z } from 'zod';
import { formatMs } from '../../core/duration.js';
import type { ParseContext } from '../../core/request.js';
import { parseRequest } from '../../core/request.js';
import { retentionPolicy } from '../../core/retention-request.js';
import { SHIP_DEFAULTS } from '../options.js';
import { durationMs, hostName } from './fields.js';

/**
 * What `ship prune` is asked to do: a retention policy with at least one keep rule, the hosts
 * (leave out, or allHosts, for every host) and a grace period of at least SHIP_DEFAULTS.minGraceMs.
 */
export const shipPruneRequestSchema = z
  .object({
    policy: retentionPolicy,
    hosts: z.array(hostName).min(1, 'names no host (leave it out for every host)').optional(),
    allHosts: z.boolean().optional(),
    graceMs: durationMs
      .refine((ms) => ms >= SHIP_DEFAULTS.minGraceMs, {
        message: `the grace period must be at least ${formatMs(SHIP_DEFAULTS.minGraceMs)}: a running daemon may be about to refer to younger objects`,
      })
      .optional(),
    dryRun: z.boolean().optional(),
  })
  .superRefine((r, ctx) => {
    if (r.allHosts && r.hosts) {
      ctx.addIssue({
        code: 'custom',
        path: ['allHosts'],
        message: 'allHosts and hosts exclude each other: prune every host, or the ones named',
      });
    }
  })
  .transform(({ allHosts: _all, ...r }) => ({
    ...r,
    graceMs: r.graceMs ?? SHIP_DEFAULTS.graceMs,
    dryRun: r.dryRun ?? false,
  }));

export type ShipPruneRequestInput = z.input<typeof shipPruneRequestSchema>;
export type ShipPruneRequest = z.output<typeof shipPruneRequestSchema>;

export function parseShipPruneRequest(input: unknown, c: Partial<ParseContext> = {}): ShipPruneRequest {
  return parseRequest(shipPruneRequestSchema, input, {
    what: 'ship prune',
    hint: 'say what to keep, e.g. --keep-daily 7 --keep-weekly 4 (or ship.keep in the config file); see docs/ship.md',
    ...c,
  });
}
