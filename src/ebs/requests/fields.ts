import { z } from 'zod';
import { isCairnError } from '../../core/errors.js';
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
