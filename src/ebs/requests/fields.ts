import { z } from 'zod';
import { isCairnError } from '../../core/errors.js';
import { parseCalendarDuration } from '../../core/duration.js';
import type { CalendarDuration } from '../../core/duration.js';
import { parseTopic } from '../notify.js';
import { checkSeriesTemplate } from '../series.js';

/** The pieces the snapshot request schemas are built from: ids, regions, tags, templates, policies. */

export const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
export const VOLUME_ID = /^vol-[0-9a-f]{8,17}$/;
export const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d$/;

const matching = (re: RegExp, what: string, example: string) =>
  z.string().superRefine((s, ctx) => {
    if (!re.test(s)) ctx.addIssue({ code: 'custom', message: `"${s}" is not ${what}, e.g. ${example}` });
  });

export const instanceId = matching(INSTANCE_ID, 'an instance id', 'i-0abc1234def567890');
export const volumeId = matching(VOLUME_ID, 'a volume id', 'vol-0abc1234def567890');
export const regionName = matching(REGION_NAME, 'a region name', 'us-east-1');

/** Region names (comma-separated ones are split), or `all`. */
export const regionList = z
  .array(z.string())
  .transform((xs) =>
    xs
      .flatMap((x) => x.split(','))
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.union([z.literal('all'), regionName])));

/** `{ Key: [values] }`: every key must match one of its values. */
export const tagFilter = z.record(z.string().min(1, 'a tag key is empty'), z.array(z.string()));

/** A series key template: known placeholders only, and at least one (else one series for everything). */
export const seriesTemplate = z.string().superRefine((s, ctx) => {
  try {
    checkSeriesTemplate(s);
  } catch (err) {
    if (!isCairnError(err)) throw err;
    ctx.addIssue({ code: 'custom', message: `${err.message}${err.hint ? ` (${err.hint})` : ''}` });
  }
});

/** Milliseconds: a whole number above zero. */
export const positiveMs = z.number().int('must be whole milliseconds').positive('must be above zero');

/** An SNS topic: `sns:arn:aws:sns:…` or a bare ARN, resolved to the ARN. */
export const topic = z.string().transform((s, ctx) => {
  try {
    return parseTopic(s, 'the topic');
  } catch (err) {
    if (!isCairnError(err)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message });
    return z.NEVER;
  }
});

export const notifyTargets = z.object({ onSuccess: topic.optional(), onError: topic.optional() });

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
    if (KEEP_RULES.every((k) => p[k] === undefined) && p.within === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `a retention policy needs at least one keep rule (${KEEP_RULES.join(', ')} or within)`,
      });
    }
  });
