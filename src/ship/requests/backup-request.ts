import { z } from 'zod';
import type { ParseContext } from '../../core/request.js';
import { parseRequest } from '../../core/request.js';
import { SHIP_DEFAULTS } from '../options.js';
import { concurrency, hostName, nonEmpty, rate } from './fields.js';

/** What `ship backup` and `ship watch` share: the paths, the host and how files are chosen and sent. */
export const shipSourceFields = {
  paths: z.array(nonEmpty('a path')).min(1, 'no path to ship'),
  host: hostName.optional(),
  recursive: z.boolean().optional(),
  include: z.array(nonEmpty('a pattern')).optional(),
  exclude: z.array(nonEmpty('a pattern')).optional(),
  concurrency: concurrency.optional(),
  maxRate: rate.optional(),
};

/**
 * What `ship backup` is asked to do, from the CLI (flags and config file) or a library caller.
 * Defaults come from SHIP_DEFAULTS. The target, clock, reporter and signal are not part of it.
 */
export const shipBackupRequestSchema = z
  .object({ ...shipSourceFields, dryRun: z.boolean().optional() })
  .transform((r) => ({
    ...r,
    recursive: r.recursive ?? SHIP_DEFAULTS.recursive,
    concurrency: r.concurrency ?? SHIP_DEFAULTS.concurrency,
    dryRun: r.dryRun ?? false,
  }));

export type ShipBackupRequestInput = z.input<typeof shipBackupRequestSchema>;
/** A checked request with every default filled in. */
export type ShipBackupRequest = z.output<typeof shipBackupRequestSchema>;

export const SHIP_HINT = 'see docs/ship.md for what each ship job accepts';

export function parseShipBackupRequest(input: unknown, c: Partial<ParseContext> = {}): ShipBackupRequest {
  return parseRequest(shipBackupRequestSchema, input, { what: 'ship backup', hint: SHIP_HINT, ...c });
}
