import { CairnError } from './errors.js';
import { parseDuration } from './duration.js';

/** Compact, sortable UTC stamp for object keys: 20261125T031502.123Z */
export function keyStamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '');
}

export function parseKeyStamp(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:\.(\d{3}))?Z$/.exec(s);
  if (!m) return undefined;
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7] ?? '000'}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/**
 * A point in time given by a user: an ISO date/time (`2026-11-25`, `2026-11-25T03:00Z`;
 * without a zone it is UTC), a key stamp, `now`, or an age such as `2h` / `3d ago`.
 */
export function parsePointInTime(text: string, now: Date): Date {
  const s = text.trim();
  if (s === 'now') return new Date(now);
  const stamp = parseKeyStamp(s);
  if (stamp) return stamp;
  const ago = /^(.+?)(?:\s*ago)?$/.exec(s)?.[1] ?? s;
  if (/^\d+(?:\.\d+)?(ms|s|m|h|d|w)/.test(ago) && !/^\d{4}-/.test(ago)) {
    try {
      return new Date(now.getTime() - parseDuration(ago));
    } catch {
      /* fall through to date parsing */
    }
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(s)) {
    const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(s);
    const d = new Date(hasZone || s.length === 10 ? s : `${s}Z`);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new CairnError('USAGE', `invalid time "${text}"`, {
    hint: 'use an ISO time (2026-11-25T03:00:00Z), a date (2026-11-25) or an age (6h, 2d ago)',
  });
}
