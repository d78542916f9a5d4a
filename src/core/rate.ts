import { setTimeout as sleep } from 'node:timers/promises';
import { CairnError } from './errors.js';

/** A token bucket over bytes: `take(n)` resolves when n bytes may go out at `bytesPerSecond`. */
export class ByteRate {
  private available: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly bytesPerSecond: number,
    private readonly burst = Math.max(bytesPerSecond / 4, 64 * 1024),
    private readonly now: () => number = () => performance.now(),
    private readonly wait: (ms: number, signal?: AbortSignal) => Promise<unknown> = (ms, signal) =>
      sleep(ms, undefined, { signal }),
  ) {
    this.available = this.burst;
    this.last = this.now();
  }

  take(bytes: number, signal?: AbortSignal): Promise<void> {
    const next = this.queue.then(async () => {
      const t = this.now();
      this.available = Math.min(this.burst, this.available + ((t - this.last) / 1000) * this.bytesPerSecond);
      this.last = t;
      this.available -= bytes;
      if (this.available < 0) await this.wait((-this.available / this.bytesPerSecond) * 1000, signal);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}

const RATE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gib: 1024 ** 3,
};

/** `50MB/s`, `20MiB`, `800k` → bytes per second. */
export function parseRate(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*(?:\/s)?\s*$/i.exec(text);
  const unit = RATE_UNITS[(m?.[2] ?? 'x').toLowerCase()];
  if (!m || unit === undefined || Number(m[1]) <= 0) {
    throw new CairnError('USAGE', `invalid rate "${text}"`, {
      hint: 'use bytes per second with a unit, e.g. 50MB/s, 20MiB/s, 800KB/s',
    });
  }
  return Number(m[1]) * unit;
}

export function parseSize(text: string): number {
  return parseRate(text.replace(/\/s$/, ''));
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
