import { crc32 } from 'node:zlib';
import { deflateThreads } from './deflate-threads.js';
import type { Deflated, DeflatedFile, DeflateThreads } from './deflate-threads.js';

export { deflateBound } from './deflate-bound.js';

/** Deflate looks back at most this far: the dictionary a block needs from the one before it. */
export const DEFLATE_WINDOW = 32 * 1024;

/** Blocks in flight by default: two per deflate thread, so that none waits for its next block. */
export function defaultDeflateConcurrency(threads: DeflateThreads = deflateThreads()): number {
  return 2 * threads.size;
}

export interface DeflateBlock {
  input: Buffer;
  /** The 32 KiB of the stream before `input`, when it continues a stream. */
  dictionary?: Buffer | undefined;
  /** The last block of its stream: ended with Z_FINISH (final deflate block), else Z_SYNC_FLUSH. */
  final: boolean;
}

/**
 * Raw deflate of independent blocks on the deflate threads, at most
 * `concurrency` at once. A block compressed with the previous 32 KiB of its
 * stream as dictionary and ended with Z_SYNC_FLUSH ends on a byte boundary
 * without a final bit, so the outputs of consecutive blocks, concatenated, are
 * one valid deflate stream (as pigz makes them). Memory: the blocks given to
 * it and their outputs.
 */
export class ParallelDeflater {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  readonly concurrency: number;

  constructor(
    private readonly level: number,
    concurrency?: number,
    private readonly threads: DeflateThreads = deflateThreads(),
  ) {
    this.concurrency = concurrency ?? defaultDeflateConcurrency(threads);
  }

  /** Blocks given to the threads and not yet returned. */
  get inFlight(): number {
    return this.running;
  }

  /** The block's buffers move to a thread: use the input that comes back, not the one given. */
  deflate(block: DeflateBlock): Promise<Deflated> {
    return this.inSlot(() => this.threads.deflate({ level: this.level, ...block }));
  }

  /** A small file, read and compressed whole on a thread (see DeflateThreads.deflateFile). */
  deflateFile(path: string, size: number): Promise<DeflatedFile> {
    return this.inSlot(() => this.threads.deflateFile({ level: this.level, path, size }));
  }

  /** Runs `work` once a slot is free, and frees it after. */
  private async inSlot<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  /** Slots are taken in the order deflate() and deflateFile() were called. */
  private async acquire(): Promise<void> {
    if (this.running < this.concurrency) this.running += 1;
    else await new Promise<void>((r) => this.waiting.push(r));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }
}

/** The last DEFLATE_WINDOW bytes of `before` followed by `block`, copied (neither is kept). */
function windowAfter(before: Buffer | undefined, block: Buffer): Buffer {
  if (block.length >= DEFLATE_WINDOW) return Buffer.from(block.subarray(block.length - DEFLATE_WINDOW));
  const joined = before ? Buffer.concat([before, block]) : Buffer.from(block);
  return joined.length > DEFLATE_WINDOW ? joined.subarray(joined.length - DEFLATE_WINDOW) : joined;
}

/**
 * One raw deflate stream cut into blocks that are compressed in parallel: each
 * block gets the 32 KiB before it as dictionary. The CRC-32 and length of the
 * uncompressed stream are kept as blocks go by. The caller writes the outputs
 * in the order the blocks were given.
 */
export class BlockDeflateStream {
  crc = 0;
  size = 0;
  private window: Buffer | undefined;

  constructor(private readonly deflater: ParallelDeflater) {}

  /** Starts compressing the next block; `final` ends the stream. `input` moves to a thread and comes back. */
  next(input: Buffer, final: boolean): Promise<Deflated> {
    this.crc = crc32(input, this.crc);
    this.size += input.length;
    const dictionary = this.window;
    this.window = final ? undefined : windowAfter(dictionary, input);
    return this.deflater.deflate({ input, dictionary, final });
  }
}
