import { crc32 } from 'node:zlib';
import { BufferPool } from './buffer-pool.js';
import { deflateBound } from './deflate-bound.js';
import { deflateThreads } from './deflate-threads.js';
import type { DeflateThreads } from './deflate-threads.js';

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

/** Compressed bytes in a buffer of the deflater's: give it back with `release` once they are written. */
export interface Deflated {
  output: Buffer;
  /** Neither `output` nor any view of it may be used after. */
  readonly release: () => void;
}

/** A small file read and compressed on a thread: its bytes, deflated or stored. */
export interface DeflatedFileData extends Deflated {
  stored: boolean;
  crc: number;
  /** Bytes read: less than asked when the file shrank. */
  size: number;
}

export interface ParallelDeflaterOptions {
  /** The largest block (and small file) it is given. */
  blockSize: number;
  /** Blocks compressed at once; default: see defaultDeflateConcurrency. */
  concurrency?: number | undefined;
}

/** Output buffers come in these sizes (of input), so that a small file does not hold a block's worth. */
const SIZE_CLASSES = [16 * 1024, 64 * 1024];

/**
 * Raw deflate of independent blocks on the deflate threads, at most
 * `concurrency` at once. A block compressed with the previous 32 KiB of its
 * stream as dictionary and ended with Z_SYNC_FLUSH ends on a byte boundary
 * without a final bit, so the outputs of consecutive blocks, concatenated, are
 * one valid deflate stream (as pigz makes them).
 *
 * Memory: a block is copied, with its dictionary, into a buffer of the
 * deflater's as it is given (so the caller may reuse its own at once), and
 * compressed into another; both come from pools and go back to them (the
 * output once the caller releases it), so a long archive allocates nothing
 * per block.
 */
export class ParallelDeflater {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  readonly concurrency: number;
  readonly blockSize: number;
  private readonly inputs: BufferPool;
  /** Output pools, smallest first: one per size class, the last for a whole block. */
  private readonly outputs: { fits: number; pool: BufferPool }[];

  constructor(
    private readonly level: number,
    o: ParallelDeflaterOptions,
    private readonly threads: DeflateThreads = deflateThreads(),
  ) {
    this.concurrency = o.concurrency ?? defaultDeflateConcurrency(threads);
    this.blockSize = o.blockSize;
    this.windowBytes = 2 * (this.concurrency + 1) * o.blockSize;
    // Pools that keep as many buffers as a writer's window can hold (and those on the
    // threads) allocate nothing once they are warm.
    const keep = (fits: number): number => Math.ceil(this.windowBytes / fits) + this.concurrency;
    this.inputs = new BufferPool(DEFLATE_WINDOW + o.blockSize, keep(o.blockSize));
    this.outputs = [...SIZE_CLASSES.filter((n) => n < o.blockSize), o.blockSize].map((fits) => ({
      fits,
      pool: new BufferPool(deflateBound(fits), keep(fits)),
    }));
  }

  /**
   * What a writer lets its unwritten blocks hold (see OrderedWindow), counting
   * each at its size or, for small files, at outputBytes: enough to keep every
   * thread busy while earlier blocks are written.
   */
  readonly windowBytes: number;

  /** Blocks given to the threads and not yet returned. */
  get inFlight(): number {
    return this.running;
  }

  /** The memory that compressing `size` bytes holds until it is released: the output buffer's size. */
  outputBytes(size: number): number {
    return this.outputPool(size).size;
  }

  /** Compresses a block; its input and dictionary are copied before this returns. */
  deflate(block: DeflateBlock): Promise<Deflated> {
    const { input, dictionary, final } = block;
    if (input.length > this.blockSize) throw new RangeError(`deflate: a block of ${input.length} bytes`);
    const job = this.inputs.take();
    const dictionaryLength = dictionary
      ? dictionary.copy(job, 0, Math.max(0, dictionary.length - DEFLATE_WINDOW))
      : 0;
    input.copy(job, dictionaryLength);
    const pool = this.outputPool(input.length);
    const output = pool.take();
    return this.inSlot(async () => {
      const r = await this.threads.deflate({
        level: this.level,
        input: job,
        dictionaryLength,
        length: input.length,
        output,
        final,
      });
      this.inputs.give(r.input);
      return { output: r.output.subarray(0, r.length), release: () => pool.give(r.output) };
    });
  }

  /** A small file (at most blockSize bytes), read and compressed whole on a thread (see DeflateThreads.deflateFile). */
  deflateFile(path: string, size: number): Promise<DeflatedFileData> {
    if (size > this.blockSize) throw new RangeError(`deflate: a file of ${size} bytes`);
    const pool = this.outputPool(size);
    return this.inSlot(async () => {
      const r = await this.threads.deflateFile({ level: this.level, path, size, output: pool.take() });
      const release = (): void => pool.give(r.output);
      return { output: r.output.subarray(0, r.length), stored: r.stored, crc: r.crc, size: r.size, release };
    });
  }

  private outputPool(size: number): BufferPool {
    return (this.outputs.find((o) => size <= o.fits) ?? this.outputs[this.outputs.length - 1]!).pool;
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

/**
 * One raw deflate stream cut into blocks that are compressed in parallel: each
 * block gets the 32 KiB before it as dictionary. The CRC-32 and length of the
 * uncompressed stream are kept as blocks go by. The caller writes the outputs
 * in the order the blocks were given.
 */
export class BlockDeflateStream {
  crc = 0;
  size = 0;
  /** The last DEFLATE_WINDOW bytes of the stream so far (fewer at its start). */
  private readonly window = Buffer.allocUnsafeSlow(DEFLATE_WINDOW);
  private windowLength = 0;

  constructor(private readonly deflater: ParallelDeflater) {}

  /** Starts compressing the next block; `final` ends the stream. `input` is copied before this returns. */
  next(input: Buffer, final: boolean): Promise<Deflated> {
    this.crc = crc32(input, this.crc);
    this.size += input.length;
    const dictionary = this.windowLength > 0 ? this.window.subarray(0, this.windowLength) : undefined;
    const done = this.deflater.deflate({ input, dictionary, final });
    this.slide(input);
    return done;
  }

  /** Moves the window on past `input`. */
  private slide(input: Buffer): void {
    if (input.length >= DEFLATE_WINDOW) {
      input.copy(this.window, 0, input.length - DEFLATE_WINDOW);
      this.windowLength = DEFLATE_WINDOW;
      return;
    }
    const keep = Math.min(this.windowLength, DEFLATE_WINDOW - input.length);
    this.window.copyWithin(0, this.windowLength - keep, this.windowLength);
    input.copy(this.window, keep);
    this.windowLength = keep + input.length;
  }
}
