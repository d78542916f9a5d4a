import type { CalendarDuration } from '../../src/core/duration.js';
import type { RetentionPolicy } from '../../src/core/retention.js';
import type { Random } from './random.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A random `now` between 2020 and 2030. */
export function randomNow(rng: Random): Date {
  return new Date(Date.UTC(2020, 0, 1) + rng.int(0, 10 * 365) * DAY + rng.int(0, DAY - 1));
}

/**
 * A random item time around `now`: mostly past (years, days, minutes back), some within a
 * couple of minutes of now either way, some up to two years ahead (a host with a wrong clock).
 */
export function randomTime(rng: Random, now: Date, earlier: readonly Date[] = []): Date {
  const t = now.getTime();
  const previous = earlier.length ? rng.pick(earlier) : undefined;
  if (previous && rng.chance(0.1)) return new Date(previous); // same time as another item
  switch (rng.int(0, 5)) {
    case 0:
    case 1:
      return new Date(t - rng.int(0, 3 * 365 * 24) * HOUR - rng.int(0, HOUR));
    case 2:
      return new Date(t - rng.int(0, 2 * DAY));
    case 3:
      return new Date(t + rng.int(-120_000, 120_000));
    case 4:
      return new Date(t + rng.int(1, 2 * DAY));
    default:
      return new Date(t + rng.int(1, 2 * 365) * DAY + rng.int(0, DAY));
  }
}

function randomCount(rng: Random): number | undefined {
  return rng.chance(0.35) ? rng.pick([-1, 0, 1, 1, 2, 3, 5, 10]) : undefined;
}

/** A random policy: any mix of counts (−1 = unlimited, 0 = off) and a keep-within of 0h to years. */
export function randomPolicy(rng: Random): RetentionPolicy {
  const within: CalendarDuration | undefined = rng.chance(0.45)
    ? {
        years: rng.chance(0.15) ? 1 : 0,
        months: rng.chance(0.3) ? rng.int(0, 3) : 0,
        days: rng.int(0, 40),
        hours: rng.chance(0.5) ? rng.int(0, 48) : 0,
      }
    : undefined;
  return {
    last: randomCount(rng),
    hourly: randomCount(rng),
    daily: randomCount(rng),
    weekly: randomCount(rng),
    monthly: randomCount(rng),
    yearly: randomCount(rng),
    within,
  };
}
