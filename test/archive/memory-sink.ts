import type { ByteSink } from '../../src/archive/byte-sink.js';

/** An archive writer's output kept in memory, holes included, for tests that read it back. */
export class MemorySink implements ByteSink {
  private readonly chunks: Buffer[] = [];
  private readonly holes: { chunk: number; length: number }[] = [];

  write(chunk: Buffer): Promise<void> {
    this.chunks.push(Buffer.from(chunk));
    return Promise.resolve();
  }

  hole(length: number): number {
    this.chunks.push(Buffer.alloc(length));
    return this.holes.push({ chunk: this.chunks.length - 1, length }) - 1;
  }

  fill(id: number, bytes: Buffer): Promise<void> {
    const h = this.holes[id];
    if (!h || h.length !== bytes.length) throw new Error(`bad fill of hole ${id}`);
    this.chunks[h.chunk] = Buffer.from(bytes);
    return Promise.resolve();
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
