import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import type { LimitFunction } from 'p-limit';
import { backoffDelay } from '../core/retry.js';
import { awsCode, isThrottle, isTransient } from './aws-errors.js';
import { classOf, LARGEST_BURST, PUBLISHED_LIMITS } from './limits.js';
import type { ActionClass, BucketSpec } from './limits.js';
import { TokenBucket } from './token-bucket.js';

export interface SchedulerOptions {
  /** Bucket sizes per class (default: AWS's published limits). */
  limits?: Partial<Record<ActionClass, BucketSpec>> | undefined;
  /** One bucket per action (as EC2 meters today) or one per class (stricter). */
  scope?: 'action' | 'class' | undefined;
  /** Calls in flight per region (default: the largest bucket's burst, 100). */
  concurrency?: number | undefined;
  /** Backoff after RequestLimitExceeded: full jitter from this base up to maxMs; retried without end. */
  throttleBaseMs?: number | undefined;
  throttleMaxMs?: number | undefined;
  /** Attempts in all for transient failures (5xx, dropped connections). */
  transientAttempts?: number | undefined;
  signal?: AbortSignal | undefined;
  random?: (() => number) | undefined;
  onRetry?: ((e: RetryEvent) => void) | undefined;
}

export interface RetryEvent {
  region: string;
  action: string;
  code: string;
  attempt: number;
  delayMs: number;
  kind: 'throttled' | 'transient' | 'busy';
}

export interface CallOptions<T> {
  /** The action's bucket class when it is not the usual one (an unfiltered Describe). */
  cls?: ActionClass | undefined;
  /**
   * For a call that creates something: after an ambiguous failure, looks for what an earlier
   * attempt may have created; a value found is the result and nothing is sent again. Without
   * it, a transient failure of a creating call is not retried.
   */
  recover?: (() => Promise<T | undefined>) | undefined;
  /** Safe to send again after a transient failure (reads, deletes). */
  idempotent?: boolean | undefined;
  /** Error codes meaning "busy, try later" (ConcurrentSnapshotLimitExceeded …), retried this often. */
  busyCodes?: readonly string[] | undefined;
  busyAttempts?: number | undefined;
}

export interface SchedulerStats {
  calls: number;
  throttled: number;
  retried: number;
  byAction: Record<string, number>;
}

export const SCHEDULER_DEFAULTS = {
  scope: 'action',
  concurrency: LARGEST_BURST,
  throttleBaseMs: 200,
  throttleMaxMs: 20_000,
  transientAttempts: 5,
  busyAttempts: 12,
} as const;

/**
 * Every EC2 call goes through here: it waits for a token of the call's bucket (per region and
 * action, or class), caps calls in flight per region, and retries. RequestLimitExceeded is retried
 * without end with full-jitter backoff (a snapshot never fails for throttling), and empties the
 * local bucket so that the other callers slow down too. Transient failures are retried only when
 * that cannot create something twice.
 */
export class ApiScheduler {
  readonly stats: SchedulerStats = { calls: 0, throttled: 0, retried: 0, byAction: {} };
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly limits = new Map<string, LimitFunction>();
  private readonly o: Required<Omit<SchedulerOptions, 'signal' | 'random' | 'onRetry' | 'limits'>> &
    SchedulerOptions;

  constructor(options: SchedulerOptions = {}) {
    this.o = {
      ...options,
      scope: options.scope ?? SCHEDULER_DEFAULTS.scope,
      concurrency: options.concurrency ?? SCHEDULER_DEFAULTS.concurrency,
      throttleBaseMs: options.throttleBaseMs ?? SCHEDULER_DEFAULTS.throttleBaseMs,
      throttleMaxMs: options.throttleMaxMs ?? SCHEDULER_DEFAULTS.throttleMaxMs,
      transientAttempts: options.transientAttempts ?? SCHEDULER_DEFAULTS.transientAttempts,
    };
  }

  /**
   * The same scheduler (buckets, slots, stats) with another signal: the calls that put things
   * back after a run was interrupted (starting a stopped instance again) must not obey the run's
   * aborted signal, but a deadline of their own.
   */
  withSignal(signal: AbortSignal | undefined): ApiScheduler {
    const view = new ApiScheduler({ ...this.o, signal });
    Object.assign(view, { stats: this.stats, buckets: this.buckets, limits: this.limits });
    return view;
  }

  async call<T>(region: string, action: string, send: () => Promise<T>, o: CallOptions<T> = {}): Promise<T> {
    const cls = o.cls ?? classOf(action);
    const bucket = this.bucket(region, action, cls);
    const slots = this.slots(region);
    let throttles = 0;
    let transients = 0;
    let busy = 0;
    let mayExist = false;
    for (;;) {
      this.o.signal?.throwIfAborted();
      if (mayExist && o.recover) {
        const found = await o.recover();
        if (found !== undefined) return found;
      }
      const burst = await bucket.take(this.o.signal);
      try {
        this.count(action);
        return await slots(async () => {
          try {
            return await send();
          } finally {
            bucket.answered(burst);
          }
        });
      } catch (err) {
        const code = awsCode(err) ?? 'Error';
        let kind: RetryEvent['kind'];
        let attempt: number;
        if (isThrottle(err)) {
          bucket.drain();
          this.stats.throttled += 1;
          kind = 'throttled';
          attempt = ++throttles;
        } else if (o.busyCodes?.includes(code)) {
          kind = 'busy';
          attempt = ++busy;
          if (attempt >= (o.busyAttempts ?? SCHEDULER_DEFAULTS.busyAttempts)) throw err;
        } else if (isTransient(err) && (o.idempotent || o.recover)) {
          kind = 'transient';
          attempt = ++transients;
          mayExist = true;
          if (attempt >= this.o.transientAttempts) throw err;
        } else {
          throw err;
        }
        const max = kind === 'throttled' ? this.o.throttleMaxMs : Math.max(this.o.throttleMaxMs, 30_000);
        const base = kind === 'busy' ? 1000 : this.o.throttleBaseMs;
        const delayMs = backoffDelay(Math.min(attempt, 20), base, max, this.o.random);
        this.stats.retried += 1;
        this.o.onRetry?.({ region, action, code, attempt, delayMs, kind });
        await sleep(delayMs, undefined, { signal: this.o.signal });
      }
    }
  }

  private count(action: string): void {
    this.stats.calls += 1;
    this.stats.byAction[action] = (this.stats.byAction[action] ?? 0) + 1;
  }

  private bucket(region: string, action: string, cls: ActionClass): TokenBucket {
    const key = this.o.scope === 'class' ? `${region}|${cls}` : `${region}|${action}|${cls}`;
    let b = this.buckets.get(key);
    if (!b) {
      b = new TokenBucket(this.o.limits?.[cls] ?? PUBLISHED_LIMITS[cls]);
      this.buckets.set(key, b);
    }
    return b;
  }

  private slots(region: string): LimitFunction {
    let l = this.limits.get(region);
    if (!l) {
      l = pLimit(this.o.concurrency);
      this.limits.set(region, l);
    }
    return l;
  }
}
