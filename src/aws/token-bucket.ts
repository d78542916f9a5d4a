import { setTimeout as sleep } from 'node:timers/promises';
import type { BucketSpec } from './limits.js';

/**
 * A client-side token bucket mirroring one of EC2's: `take()` resolves when a call may go out,
 * first come first served. `drain()` empties it when the server said we were too fast, so every
 * waiting caller slows down rather than only the one that was refused.
 *
 * A full bucket on EC2's side starts refilling when the first call of a burst *arrives*, which is
 * later than when it was sent here; a copy that counted from the send would run ahead of EC2 by
 * that delay, and the first call after the burst would be refused. So once a call leaves a full
 * bucket, this one refills only from the first answer to a call of that burst (`answered`): EC2
 * had that call by then, so its own refill started no later.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();
  /** Bursts so far; a burst is the calls taken since the bucket was last full. */
  private burst = 0;
  private waitingForAnswer = false;

  constructor(
    readonly spec: BucketSpec,
    private readonly now: () => number = () => performance.now(),
    private readonly wait: (ms: number, signal?: AbortSignal) => Promise<unknown> = (ms, signal) =>
      sleep(ms, undefined, { signal }),
  ) {
    this.tokens = spec.capacity;
    this.last = now();
  }

  /** Resolves, with the burst the call belongs to, when a call may go out. */
  take(signal?: AbortSignal): Promise<number> {
    const next = this.queue.then(async () => {
      this.refill();
      while (this.tokens < 1) {
        await this.wait(((1 - this.tokens) / this.spec.refillPerSec) * 1000, signal);
        this.refill();
      }
      if (this.tokens > this.spec.capacity - 1) {
        this.burst += 1;
        this.waitingForAnswer = true;
      }
      this.tokens -= 1;
      return this.burst;
    });
    this.queue = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  /** A call of this burst was answered (or failed): EC2 has begun refilling by now. */
  answered(burst: number): void {
    if (!this.waitingForAnswer || burst !== this.burst) return;
    this.refill();
    this.waitingForAnswer = false;
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
    if (!this.waitingForAnswer)
      this.tokens = Math.min(
        this.spec.capacity,
        this.tokens + ((t - this.last) / 1000) * this.spec.refillPerSec,
      );
    this.last = t;
  }
}
