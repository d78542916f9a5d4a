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

  get inUse(): number {
    return this.used;
  }
}
