import { createHash } from 'node:crypto';
import type { ObjectWriter } from '../storage/object-writer.js';
import type { ByteSink } from './byte-sink.js';

/** Passes bytes to the object writer and hashes them in order; a hole stops the running hash. */
export class HashingSink implements ByteSink {
  private readonly hash = createHash('sha256');
  holes = 0;

  constructor(private readonly out: ObjectWriter) {}

  async write(chunk: Buffer): Promise<void> {
    if (this.holes === 0) this.hash.update(chunk);
    await this.out.write(chunk);
  }

  hole(length: number): number {
    this.holes += 1;
    return this.out.hole(length);
  }

  fill(id: number, bytes: Buffer): Promise<void> {
    return this.out.fill(id, bytes);
  }

  /** The SHA-256 of everything written, if no hole was made. */
  digest(): string | undefined {
    return this.holes === 0 ? this.hash.digest('hex') : undefined;
  }
}
