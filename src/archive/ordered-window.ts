/**
 * Lets work run ahead while its results are written in the order the work was
 * queued: each `push` queues `emit(await work)` after everything queued before
 * it, and returns once the bytes held by unwritten work fit under the bound
 * again. The first failure (of work or of emit) stops everything queued after
 * it and is thrown by every later call.
 */
export class OrderedWindow {
  private tail: Promise<void> = Promise.resolve();
  private held = 0;
  private failure: Error | undefined;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limitBytes: number) {}

  /** `bytes`: what the work holds in memory until its result is written. */
  async push<T>(work: Promise<T>, emit: (value: T) => Promise<void> | void, bytes: number): Promise<void> {
    // Observed at once, so a failure that comes before its turn is not an unhandled rejection.
    work.catch(() => undefined);
    this.check();
    this.held += bytes;
    this.tail = this.tail.then(async () => {
      try {
        if (!this.failure) await emit(await work);
      } catch (err) {
        this.failure ??= err instanceof Error ? err : new Error(String(err));
      } finally {
        this.held -= bytes;
        for (const wake of this.waiting.splice(0)) wake();
      }
    });
    while (this.held > this.limitBytes && this.held > bytes && !this.failure)
      await new Promise<void>((r) => this.waiting.push(r));
    this.check();
  }

  /** Waits until everything queued has been written. */
  async drain(): Promise<void> {
    await this.tail;
    this.check();
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }
}
