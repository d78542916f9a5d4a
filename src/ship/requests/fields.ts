import { z } from 'zod';
import { isCairnError } from '../../core/errors.js';
import { parseDuration } from '../../core/duration.js';
import { parseRate } from '../../core/rate.js';
import { parsePointInTime } from '../../core/timestamp.js';
import { finishedModes } from '../../config/schema.js';
import { checkHost } from '../layout.js';

/** The pieces the ship request schemas are built from: hosts, durations, times, rates, counts. */

/** Runs a cairn parser inside a schema: its USAGE error becomes the issue's message. */
function via<T>(parse: (s: string) => T, withHint = true) {
  return (s: string, ctx: z.RefinementCtx): T => {
    try {
      return parse(s);
    } catch (err) {
      if (!isCairnError(err)) throw err;
      ctx.addIssue({
        code: 'custom',
        message: `${err.message}${withHint && err.hint ? ` (${err.hint})` : ''}`,
      });
      return z.NEVER;
    }
  };
}

/** A host name as it names manifests: not empty, no control characters, at most 253 characters. */
export const hostName = z.string().transform(via(checkHost, false));

/** A duration in milliseconds: a whole number of at least 0, or text such as `30s`, `6h`, `7d`. */
export const durationMs = z.union([z.number(), z.string()]).transform((v, ctx): number => {
  if (typeof v === 'string') return via((s) => parseDuration(s))(v, ctx);
  if (Number.isInteger(v) && v >= 0) return v;
  ctx.addIssue({ code: 'custom', message: `must be whole milliseconds of at least 0, got ${v}` });
  return z.NEVER;
});

/**
 * A point in time: a Date, or text (ISO time, date, key stamp, `now`, or an age such as `6h ago`)
 * that is checked here and resolved against the run's clock by `pointInTimeAt`.
 */
export const pointInTime = z.union([
  z.date(),
  z.string().superRefine((s, ctx) => void via((t) => parsePointInTime(t, new Date(0)))(s, ctx)),
]);

export function pointInTimeAt(at: Date | string | undefined, now: Date): Date | undefined {
  return typeof at === 'string' ? parsePointInTime(at, now) : at;
}

/** Files or downloads in flight at once. */
export const concurrency = z
  .number()
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(256, 'must be at most 256');

/** Bytes per second above zero, or text such as `50MB/s`. */
export const rate = z.union([z.number(), z.string()]).transform((v, ctx): number => {
  if (typeof v === 'string') return via(parseRate)(v, ctx);
  if (Number.isFinite(v) && v > 0) return v;
  ctx.addIssue({ code: 'custom', message: `must be above zero bytes per second, got ${v}` });
  return z.NEVER;
});

/** What makes a file finished: a list, or comma-separated text (`rename,close`). */
export const finished = z
  .union([z.array(z.string()), z.string().transform((s) => s.split(','))])
  .transform((xs) => xs.map((m) => m.trim()).filter(Boolean))
  .pipe(
    z
      .array(
        z.enum(finishedModes, {
          error: (i) =>
            `unknown mode ${JSON.stringify(i.input)}; use one or more of ${finishedModes.join(', ')}`,
        }),
      )
      .min(1, `needs at least one mode (${finishedModes.join(', ')})`),
  );

/** A non-empty text, e.g. a path. */
export const nonEmpty = (what: string) => z.string().min(1, `${what} is empty`);
