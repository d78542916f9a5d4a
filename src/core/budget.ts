/**
 * A cap on bytes held in memory at once, shared by everything a run does in
 * parallel (whole small files, multipart parts). `take(n)` waits, in order,
 * until n bytes fit; a request larger than the whole budget runs alone.
 */
export class MemoryBudget {
  private used = 0;
  private readonly waiting: { n: number; go: () => void }[] = [];

  constructor(readonly bytes: number) {}

  private fits(n: number): boolean {
    return this.used === 0 || this.used + n <= this.bytes;
  }

  async take(n: number): Promise<() => void> {
    if (this.waiting.length === 0 && this.fits(n)) this.used += n;
    else await new Promise<void>((go) => this.waiting.push({ n, go })); // wake() counts it
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= n;
      this.wake();
    };
  }

  private wake(): void {
    for (let w = this.waiting[0]; w && this.fits(w.n); w = this.waiting[0]) {
      this.waiting.shift();
      this.used += w.n;
      w.go();
    }
  }

  /** Buffers of one size given back after use, so steady streams of parts reuse memory instead of churning it. */
  private readonly spare = new Map<number, Buffer[]>();

  /** A buffer of `n` bytes counted against the budget; `release` returns both. */
  async buffer(n: number): Promise<{ buf: Buffer; release: () => void }> {
    const give = await this.take(n);
    const buf = this.spare.get(n)?.pop() ?? Buffer.allocUnsafe(n);
    return {
      buf,
      release: () => {
        const list = this.spare.get(n) ?? [];
        if ((list.length + 1) * n <= this.bytes) list.push(buf);
        this.spare.set(n, list);
        give();
      },
    };
  }

  get inUse(): number {
    return this.used;
  }
}
