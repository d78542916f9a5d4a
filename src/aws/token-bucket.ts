import { setTimeout as sleep } from 'node:timers/promises';
import type { BucketSpec } from './limits.js';

/**
 * A client-side token bucket mirroring one of EC2's: `take()` resolves when a call may go out,
 * first come first served. `drain()` empties it when the server said we were too fast, so every
 * waiting caller slows down rather than only the one that was refused.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly spec: BucketSpec,
    private readonly now: () => number = () => performance.now(),
    private readonly wait: (ms: number, signal?: AbortSignal) => Promise<unknown> = (ms, signal) =>
      sleep(ms, undefined, { signal }),
  ) {
    this.tokens = spec.capacity;
    this.last = now();
  }

  take(signal?: AbortSignal): Promise<void> {
    const next = this.queue.then(async () => {
      this.refill();
      if (this.tokens < 1) {
        await this.wait(((1 - this.tokens) / this.spec.refillPerSec) * 1000, signal);
        this.refill();
      }
      this.tokens -= 1;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  drain(): void {
    this.refill();
    this.tokens = Math.min(this.tokens, 0);
  }

  get available(): number {
    this.refill();
    return this.tokens;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(
      this.spec.capacity,
      this.tokens + ((t - this.last) / 1000) * this.spec.refillPerSec,
    );
    this.last = t;
  }
}
