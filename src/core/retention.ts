import { CairnError } from './errors.js';
import { formatCalendarDuration, parseCalendarDuration, subtractCalendar } from './duration.js';
import type { CalendarDuration } from './duration.js';
import { FUTURE_REASON, isAfterNow } from './clock-skew.js';

/**
 * Retention with the meaning of restic's `forget`: --keep-last N keeps the N
 * newest items; --keep-hourly/daily/weekly/monthly/yearly N keep the newest item
 * of each of the last N calendar periods (UTC) that have items; --keep-within D
 * keeps every item within D of the newest item. While a period count is not
 * used up, the oldest item is kept too. -1 means unlimited.
 * Items dated after `now` are kept ("dated in the future (clock skew?)") and left out of the
 * policy: they take no count and never anchor --keep-within, whose window ends at the newest
 * item not after now (never later than now, so it keeps at least what a window ending at now
 * would, and a series whose backups stopped keeps its last D of them).
 * Pure: a function of the items, the policy and `now`; every decision has its reasons.
 */
export interface RetentionPolicy {
  last?: number | undefined;
  hourly?: number | undefined;
  daily?: number | undefined;
  weekly?: number | undefined;
  monthly?: number | undefined;
  yearly?: number | undefined;
  within?: CalendarDuration | undefined;
}

export interface RetentionItem {
  id: string;
  time: Date;
}

export interface Kept<T> {
  item: T;
  reasons: string[];
}

export interface Removed<T> {
  item: T;
  reason: string;
}

export interface RetentionPlan<T> {
  keep: Kept<T>[];
  remove: Removed<T>[];
  /** The items dated after now, newest first (also in `keep`). */
  future: T[];
}

export interface RetentionOptions<T> {
  /** The time of planning (the injected clock's): nothing dated after it is removed. */
  now: Date;
  /** Reasons to keep an item whatever the policy says (protected, in use, …). */
  pin?: (item: T) => string | undefined;
}

type BucketName = 'last' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function isoWeek(t: Date): string {
  const d = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${pad(week)}`;
}

const PERIOD: Record<Exclude<BucketName, 'last'>, (t: Date) => string> = {
  hourly: (t) => `${t.toISOString().slice(0, 13)}h`,
  daily: (t) => t.toISOString().slice(0, 10),
  weekly: isoWeek,
  monthly: (t) => t.toISOString().slice(0, 7),
  yearly: (t) => String(t.getUTCFullYear()),
};

const ORDER: BucketName[] = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'];

/** A keep-within of 0h keeps nothing by itself: it counts as not given. */
function withinOf(p: RetentionPolicy): CalendarDuration | undefined {
  const w = p.within;
  return w && (w.years || w.months || w.days || w.hours) ? w : undefined;
}

export function isEmptyPolicy(p: RetentionPolicy): boolean {
  return ORDER.every((b) => !p[b]) && !withinOf(p);
}

export function describePolicy(p: RetentionPolicy): string {
  const parts = ORDER.filter((b) => p[b]).map((b) => `${b} ${p[b] === -1 ? 'all' : String(p[b])}`);
  const within = withinOf(p);
  if (within) parts.push(`within ${formatCalendarDuration(within)}`);
  return parts.length ? parts.join(', ') : 'keep everything';
}

export function planRetention<T extends RetentionItem>(
  items: readonly T[],
  policy: RetentionPolicy,
  options: RetentionOptions<T>,
): RetentionPlan<T> {
  const sorted = [...items].sort((a, b) => b.time.getTime() - a.time.getTime() || (a.id < b.id ? 1 : -1));
  const future = sorted.filter((item) => isAfterNow(item.time, options.now));
  const keep: Kept<T>[] = future.map((item) => {
    const pinned = options.pin?.(item);
    return { item, reasons: pinned ? [FUTURE_REASON, pinned] : [FUTURE_REASON] };
  });
  const present = sorted.slice(future.length);
  const newest = present[0];
  const within = withinOf(policy);
  const withinFrom = within && newest ? subtractCalendar(newest.time, within) : undefined;
  const state = ORDER.map((name) => ({ name, total: policy[name] ?? 0, left: policy[name] ?? 0, last: '' }));
  const empty = isEmptyPolicy(policy);

  const remove: Removed<T>[] = [];
  present.forEach((item, index) => {
    const reasons: string[] = [];
    const pinned = options.pin?.(item);
    if (pinned) reasons.push(pinned);
    if (empty) reasons.push('no retention policy given');
    if (within && withinFrom && item.time.getTime() > withinFrom.getTime()) {
      reasons.push(`within ${formatCalendarDuration(within)} of the newest`);
    }
    const isOldest = index === present.length - 1;
    for (const b of state) {
      if (b.left === 0) continue;
      const period = b.name === 'last' ? item.id : PERIOD[b.name](item.time);
      if (period === b.last && !(isOldest && b.name !== 'last')) continue;
      const oldest = period === b.last;
      b.last = period;
      const nth = b.total === -1 ? '' : ` ${b.total - b.left + 1}/${b.total}`;
      if (b.left > 0) b.left -= 1;
      reasons.push(
        b.name === 'last' ? `last${nth}` : `${oldest ? 'oldest' : 'newest'} of ${period} (${b.name}${nth})`,
      );
    }
    if (reasons.length) keep.push({ item, reasons });
    else remove.push({ item, reason: `not kept by policy (${describePolicy(policy)})` });
  });
  return { keep, remove, future };
}

export interface RetentionFlags {
  keepLast?: string | number | undefined;
  keepHourly?: string | number | undefined;
  keepDaily?: string | number | undefined;
  keepWeekly?: string | number | undefined;
  keepMonthly?: string | number | undefined;
  keepYearly?: string | number | undefined;
  keepWithin?: string | undefined;
}

function count(v: string | number | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n) || n < -1) {
    throw new CairnError('USAGE', `--${flag} must be a whole number (or -1 for unlimited), got "${v}"`, {
      hint: `e.g. --${flag} 7`,
    });
  }
  return n;
}

/** Builds a policy from CLI flags or config keys, validating each. */
export function policyFromFlags(f: RetentionFlags): RetentionPolicy {
  return {
    last: count(f.keepLast, 'keep-last'),
    hourly: count(f.keepHourly, 'keep-hourly'),
    daily: count(f.keepDaily, 'keep-daily'),
    weekly: count(f.keepWeekly, 'keep-weekly'),
    monthly: count(f.keepMonthly, 'keep-monthly'),
    yearly: count(f.keepYearly, 'keep-yearly'),
    within: f.keepWithin === undefined ? undefined : parseCalendarDuration(f.keepWithin),
  };
}

/** The `keep` of a config file (counts, and `within` as a duration such as 7d). */
export type KeepSettings = Omit<RetentionPolicy, 'within'> & { within?: string | undefined };

export function policyFromKeep(k: KeepSettings): RetentionPolicy {
  return policyFromFlags({
    keepLast: k.last,
    keepHourly: k.hourly,
    keepDaily: k.daily,
    keepWeekly: k.weekly,
    keepMonthly: k.monthly,
    keepYearly: k.yearly,
    keepWithin: k.within,
  });
}
