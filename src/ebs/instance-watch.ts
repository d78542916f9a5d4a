import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../core/clock.js';
import type { Ec2Api } from './ports.js';

interface Waiter {
  id: string;
  accept: readonly string[];
  deadline: number;
  resolve: (r: { state: string; timedOut: boolean }) => void;
  reject: (err: unknown) => void;
}

/**
 * Waits for instances of one region to reach a state, polling all of them with one
 * DescribeInstances call per round rather than one call per instance.
 */
export class InstanceWatcher {
  private readonly waiters: Waiter[] = [];
  private last = new Map<string, string>();
  private running = false;

  constructor(
    private readonly api: Ec2Api,
    private readonly region: string,
    private readonly pollMs: number,
    private readonly clock: Clock,
    private readonly signal?: AbortSignal,
  ) {}

  /** Resolves with the state once it is one of `accept`, or the last one seen after `timeoutMs`. */
  waitFor(
    id: string,
    accept: readonly string[],
    timeoutMs: number,
  ): Promise<{ state: string; timedOut: boolean }> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ id, accept, deadline: this.clock.now().getTime() + timeoutMs, resolve, reject });
      if (!this.running) void this.loop();
    });
  }

  /** The current state of one instance. */
  async stateOf(id: string): Promise<string> {
    const [i] = await this.api.findInstances(this.region, { ids: [id] });
    return i?.state ?? 'unknown';
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.waiters.length) {
        await sleep(this.pollMs, undefined, { signal: this.signal });
        const ids = [...new Set(this.waiters.map((w) => w.id))];
        const found = await this.api.findInstances(this.region, { ids });
        this.last = new Map(found.map((i) => [i.id, i.state]));
        const now = this.clock.now().getTime();
        for (const w of [...this.waiters]) {
          const state = this.last.get(w.id) ?? 'unknown';
          const done = w.accept.includes(state);
          if (done || now >= w.deadline) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve({ state, timedOut: !done });
          }
        }
      }
    } catch (err) {
      for (const w of this.waiters.splice(0)) w.reject(err);
    } finally {
      this.running = false;
    }
  }
}
