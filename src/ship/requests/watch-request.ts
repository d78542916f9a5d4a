import { z } from 'zod';
import type { ParseContext } from '../../core/request.js';
import { parseRequest } from '../../core/request.js';
import { SHIP_DEFAULTS } from '../options.js';
import { SHIP_HINT, shipSourceFields } from './backup-request.js';
import { durationMs, finished } from './fields.js';

/** What `ship watch` is asked to do: `ship backup`'s request, and when a file counts as finished. */
export const shipWatchRequestSchema = z
  .object({
    ...shipSourceFields,
    finished: finished.optional(),
    quietPeriodMs: durationMs.optional(),
    flushDelayMs: durationMs.optional(),
    rescanMs: durationMs.optional(),
    stopTimeoutMs: durationMs.optional(),
  })
  .transform((r) => ({
    ...r,
    recursive: r.recursive ?? SHIP_DEFAULTS.recursive,
    concurrency: r.concurrency ?? SHIP_DEFAULTS.concurrency,
    finished: r.finished ?? [...SHIP_DEFAULTS.finished],
    quietPeriodMs: r.quietPeriodMs ?? SHIP_DEFAULTS.quietPeriodMs,
  }));

export type ShipWatchRequestInput = z.input<typeof shipWatchRequestSchema>;
export type ShipWatchRequest = z.output<typeof shipWatchRequestSchema>;

export function parseShipWatchRequest(input: unknown, c: Partial<ParseContext> = {}): ShipWatchRequest {
  return parseRequest(shipWatchRequestSchema, input, { what: 'ship watch', hint: SHIP_HINT, ...c });
}
