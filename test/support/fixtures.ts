import { parseDuration } from '../../src/core/duration.js';

export interface TimedItem {
  id: string;
  time: Date;
}

/** `makeItems({ every: '6h', for: '90d', until: '2026-11-25T00:00:00Z' })`: newest last. */
export function makeItems(o: { every: string; for: string; until: string | Date }): TimedItem[] {
  const step = parseDuration(o.every);
  const span = parseDuration(o.for);
  const end = new Date(o.until).getTime();
  const out: TimedItem[] = [];
  for (let t = end - span; t <= end; t += step) {
    const time = new Date(t);
    out.push({ id: time.toISOString(), time });
  }
  return out;
}
