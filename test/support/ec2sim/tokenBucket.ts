/** Token buckets per account, region and API action (or action class), refilled in wall-clock time. */
import type { ActionClass, BucketSpec } from './options.js';

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly spec: BucketSpec,
    now: number,
  ) {
    this.tokens = spec.capacity;
    this.last = now;
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  available(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.tokens = Math.min(this.spec.capacity, this.tokens + elapsed * this.spec.refillPerSec);
    this.last = now;
  }
}

export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly specFor: (cls: ActionClass) => BucketSpec,
    private readonly scope: () => 'action' | 'class',
    private readonly wallNow: () => number = () => Date.now(),
  ) {}

  /** True when the call may proceed. */
  allow(region: string, action: string, cls: ActionClass): boolean {
    const key = this.scope() === 'class' ? `${region}|${cls}` : `${region}|${action}|${cls}`;
    let bucket = this.buckets.get(key);
    const now = this.wallNow();
    if (!bucket) {
      bucket = new TokenBucket(this.specFor(cls), now);
      this.buckets.set(key, bucket);
    }
    return bucket.take(now);
  }

  /** Forget every bucket (they start full again). */
  reset(): void {
    this.buckets.clear();
  }
}
