import { z } from 'zod';
import type { ParseContext } from '../../core/request.js';
import { parseRequest } from '../../core/request.js';
import { SHIP_HINT } from './backup-request.js';
import { hostName, nonEmpty } from './fields.js';

/** What `ship list` is asked for: one host's points in time (default every host), under a path. */
export const shipListRequestSchema = z.object({
  host: hostName.optional(),
  path: nonEmpty('the path').optional(),
});

export type ShipListRequestInput = z.input<typeof shipListRequestSchema>;
export type ShipListRequest = z.output<typeof shipListRequestSchema>;

export function parseShipListRequest(input: unknown, c: Partial<ParseContext> = {}): ShipListRequest {
  return parseRequest(shipListRequestSchema, input, { what: 'ship list', hint: SHIP_HINT, ...c });
}
