import { z } from 'zod';
import type { ParseContext } from '../../core/request.js';
import { parseRequest } from '../../core/request.js';
import { SHIP_HINT } from './backup-request.js';
import { hostName, pointInTime } from './fields.js';

/** What `ship verify` is asked to do; a dry run only goes with repair (verifying writes nothing). */
export const shipVerifyRequestSchema = z
  .object({
    host: hostName.optional(),
    at: pointInTime.optional(),
    readData: z.boolean().optional(),
    repair: z.boolean().optional(),
    dryRun: z.boolean().optional(),
  })
  .superRefine((r, ctx) => {
    if (r.dryRun && !r.repair) {
      ctx.addIssue({
        code: 'custom',
        path: ['dryRun'],
        message: 'goes with repair: a verify that repairs nothing writes nothing',
      });
    }
  })
  .transform((r) => ({
    ...r,
    readData: r.readData ?? false,
    repair: r.repair ?? false,
    dryRun: r.dryRun ?? false,
  }));

export type ShipVerifyRequestInput = z.input<typeof shipVerifyRequestSchema>;
export type ShipVerifyRequest = z.output<typeof shipVerifyRequestSchema>;

export function parseShipVerifyRequest(input: unknown, c: Partial<ParseContext> = {}): ShipVerifyRequest {
  return parseRequest(shipVerifyRequestSchema, input, { what: 'ship verify', hint: SHIP_HINT, ...c });
}
