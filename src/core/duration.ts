import { CairnError } from './errors.js';

const UNIT_MS = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
} as const;

/**
 * Parses a duration such as `90s`, `15m`, `1h30m`, `7d`, `2w`. Months and years
 * are not fixed lengths; calendar durations (`1y2m3d`) are handled by
 * parseCalendarDuration for retention.
 */
export function parseDuration(text: string, what = 'duration'): number {
  const s = text.trim();
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
    matched = re.lastIndex;
  }
  if (s.length === 0 || matched !== s.length) {
    throw new CairnError('USAGE', `invalid ${what} "${text}"`, {
      hint: 'use a number and a unit, e.g. 30s, 15m, 6h, 7d, 2w',
    });
  }
  return total;
}

export interface CalendarDuration {
  years: number;
  months: number;
  days: number;
  hours: number;
}

/** restic's --keep-within syntax: `2y5m7d3h` (y=years, m=months, d=days, h=hours). */
export function parseCalendarDuration(text: string): CalendarDuration {
  const s = text.trim();
  const re = /(\d+)([ymdh])/gy;
  const out: CalendarDuration = { years: 0, months: 0, days: 0, hours: 0 };
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const n = Number(m[1]);
    if (m[2] === 'y') out.years += n;
    else if (m[2] === 'm') out.months += n;
    else if (m[2] === 'd') out.days += n;
    else out.hours += n;
    matched = re.lastIndex;
  }
  if (s.length === 0 || matched !== s.length) {
    throw new CairnError('USAGE', `invalid duration "${text}"`, {
      hint: 'use y, m (months), d and h, e.g. 7d, 1y6m, 36h',
    });
  }
  return out;
}

/** `at` minus a calendar duration, in UTC. */
export function subtractCalendar(at: Date, d: CalendarDuration): Date {
  const t = new Date(at);
  t.setUTCFullYear(t.getUTCFullYear() - d.years, t.getUTCMonth() - d.months, t.getUTCDate() - d.days);
  t.setUTCHours(t.getUTCHours() - d.hours);
  return t;
}

export function formatCalendarDuration(d: CalendarDuration): string {
  const parts = [
    d.years ? `${d.years}y` : '',
    d.months ? `${d.months}m` : '',
    d.days ? `${d.days}d` : '',
    d.hours ? `${d.hours}h` : '',
  ].join('');
  return parts || '0h';
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  if (m < 60) return `${m}m${s ? `${s}s` : ''}`;
  return `${Math.floor(m / 60)}h${m % 60 ? `${m % 60}m` : ''}`;
}
