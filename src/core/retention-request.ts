import { z } from 'zod';
import { isCairnError } from './errors.js';
import { parseCalendarDuration } from './duration.js';
import type { CalendarDuration } from './duration.js';
import { isEmptyPolicy } from './retention.js';

/**
 * The retention policy every prune takes (ship prune, archive prune, snapshot trim), as a zod
 * schema shared by their request schemas: counts of at least 1 (or -1 for all), a `within`
 * duration, and at least one rule that keeps something (`within 0h` alone keeps nothing).
 */

/** A keep count: a whole number of at least 1, or -1 for all. Digits in a string are accepted. */
const keepCount = z.unknown().transform((v, ctx) => {
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || (n < 1 && n !== -1)) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a whole number of at least 1 (or -1 for all), got ${JSON.stringify(v)}`,
    });
    return z.NEVER;
  }
  return n;
});

const calendar = z.object({
  years: z.number().int().min(0),
  months: z.number().int().min(0),
  days: z.number().int().min(0),
  hours: z.number().int().min(0),
});

const within = z.union([calendar, z.string()]).transform((v, ctx): CalendarDuration => {
  if (typeof v !== 'string') return v;
  try {
    return parseCalendarDuration(v);
  } catch (err) {
    if (!isCairnError(err)) throw err;
    ctx.addIssue({ code: 'custom', message: `${err.message}${err.hint ? ` (${err.hint})` : ''}` });
    return z.NEVER;
  }
});

export const KEEP_RULES = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;

/** A retention policy with at least one keep rule. */
export const retentionPolicy = z
  .object({
    last: keepCount.optional(),
    hourly: keepCount.optional(),
    daily: keepCount.optional(),
    weekly: keepCount.optional(),
    monthly: keepCount.optional(),
    yearly: keepCount.optional(),
    within: within.optional(),
  })
  .superRefine((p, ctx) => {
    if (isEmptyPolicy(p)) {
      ctx.addIssue({
        code: 'custom',
        message: `a retention policy needs at least one keep rule (${KEEP_RULES.join(', ')} or within)`,
      });
    }
  });
