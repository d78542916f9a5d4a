/**
 * Buffers of one size that are used again instead of being left to the
 * collector. A pipeline that takes a new buffer for every block holds its
 * garbage until the next collection, and V8 collects array buffers late
 * (tens of MiB of them can wait); buffers that go round a pool keep memory at
 * what is in use. Every buffer owns its memory, so it can move to a thread
 * and back.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  /** `keep`: spare buffers kept at most; more given back are left to the collector. */
  constructor(
    readonly size: number,
    private readonly keep: number,
  ) {}

  /** A buffer of `size` bytes, whose contents are undefined. */
  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  /** Gives a buffer back: whoever gives it must not use it, or any view of it, again. */
  give(b: Uint8Array): void {
    if (this.free.length >= this.keep || b.buffer.byteLength !== this.size) return;
    this.free.push(Buffer.from(b.buffer, 0, this.size));
  }
}
