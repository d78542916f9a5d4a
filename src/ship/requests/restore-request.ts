import { z } from 'zod';
import type { ParseContext } from '../../core/request.js';
import { parseRequest } from '../../core/request.js';
import { SHIP_DEFAULTS } from '../options.js';
import { SHIP_HINT } from './backup-request.js';
import { concurrency, hostName, nonEmpty, pointInTime } from './fields.js';

/** What `ship restore` is asked to do: where to, which host, directory and point in time. */
export const shipRestoreRequestSchema = z
  .object({
    dest: nonEmpty('the destination'),
    host: hostName.optional(),
    path: nonEmpty('the path').optional(),
    at: pointInTime.optional(),
    concurrency: concurrency.optional(),
    dryRun: z.boolean().optional(),
  })
  .transform((r) => ({
    ...r,
    concurrency: r.concurrency ?? SHIP_DEFAULTS.concurrency,
    dryRun: r.dryRun ?? false,
  }));

export type ShipRestoreRequestInput = z.input<typeof shipRestoreRequestSchema>;
export type ShipRestoreRequest = z.output<typeof shipRestoreRequestSchema>;

export function parseShipRestoreRequest(input: unknown, c: Partial<ParseContext> = {}): ShipRestoreRequest {
  return parseRequest(shipRestoreRequestSchema, input, { what: 'ship restore', hint: SHIP_HINT, ...c });
}
