import type { CairnEvent } from './reporter.js';

/**
 * Items dated after `now`: a host with a wrong clock, or one bad record. Retention never
 * removes them and never measures a window from them (see planRetention). Clocks of different
 * hosts differ by a little, so only items more than FUTURE_TOLERANCE_MS ahead are reported as
 * clock skew and shown as "in the future"; nearer ones count as now in lists and ages.
 */
export const FUTURE_TOLERANCE_MS = 60_000;

/** The reason every item dated after now is kept with. */
export const FUTURE_REASON = 'dated in the future (clock skew?)';

/** Dated after `now` at all: what retention keeps and ignores. */
export function isAfterNow(time: Date, now: Date): boolean {
  return time.getTime() > now.getTime();
}

/** Dated more than FUTURE_TOLERANCE_MS after `now`: what is reported as clock skew. */
export function isFuture(time: Date, now: Date): boolean {
  return time.getTime() > now.getTime() + FUTURE_TOLERANCE_MS;
}

/** Milliseconds since `time`, 0 for a time up to FUTURE_TOLERANCE_MS ahead, undefined further ahead. */
export function ageMs(time: Date, now: Date): number | undefined {
  return isFuture(time, now) ? undefined : Math.max(0, now.getTime() - time.getTime());
}

/** What retention does with items dated in the future: the usual end of the clock-skew warning. */
export const FUTURE_KEPT = 'kept, and not used to measure --keep-within or any other rule';

/**
 * The warning a command reports when items it prunes, lists, copies or restores are dated in the
 * future (`noun` is singular, e.g. 'archive'; `consequence` says what the command does with
 * them); undefined when none is.
 */
export function clockSkewWarning(
  noun: string,
  times: readonly Date[],
  now: Date,
  consequence: string = FUTURE_KEPT,
): CairnEvent | undefined {
  const ahead = times.filter((t) => isFuture(t, now));
  if (!ahead.length) return undefined;
  const latest = new Date(Math.max(...ahead.map((t) => t.getTime())));
  const n = ahead.length;
  return {
    level: 'warn',
    type: 'retention.clock-skew',
    message: `${n} ${noun}${n === 1 ? ' is' : 's are'} dated in the future (the latest ${latest.toISOString()}, now ${now.toISOString()}): ${consequence}`,
    hint: `check the clock of the host that made ${n === 1 ? 'it' : 'them'}, or where the record came from`,
    count: n,
    latest: latest.toISOString(),
    now: now.toISOString(),
  };
}
