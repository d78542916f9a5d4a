import { availableParallelism } from 'node:os';
import { constants, crc32, deflateRaw } from 'node:zlib';

/** Deflate looks back at most this far: the dictionary a block needs from the one before it. */
export const DEFLATE_WINDOW = 32 * 1024;

/** Compressed output never exceeds this for `n` input bytes (zlib's deflateBound, plus a flush marker). */
export const deflateBound = (n: number): number => n + (n >>> 12) + (n >>> 14) + (n >>> 25) + 13 + 5 + 6;

/**
 * Blocks compressed at once by default: one per core, at most one fewer than
 * libuv's thread pool (UV_THREADPOOL_SIZE, 4 unless set) so that file reads,
 * which run on the same pool, never wait behind compression.
 */
export function defaultDeflateConcurrency(): number {
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(1, Math.min(availableParallelism(), pool - 1));
}

export interface DeflateBlock {
  input: Buffer;
  /** The 32 KiB of the stream before `input`, when it continues a stream. */
  dictionary?: Buffer | undefined;
  /** The last block of its stream: ended with Z_FINISH (final deflate block), else Z_SYNC_FLUSH. */
  final: boolean;
}

/**
 * Raw deflate of independent blocks on libuv's thread pool (Node's asynchronous
 * zlib), at most `concurrency` at once. A block compressed with the previous
 * 32 KiB of its stream as dictionary and ended with Z_SYNC_FLUSH ends on a byte
 * boundary without a final bit, so the outputs of consecutive blocks,
 * concatenated, are one valid deflate stream (as pigz makes them). Memory:
 * `concurrency` zlib states (about 300 KiB each at the default memLevel) and
 * the blocks given to it.
 */
export class ThreadPoolDeflater {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly level: number,
    readonly concurrency: number = defaultDeflateConcurrency(),
  ) {}

  /** Blocks on the thread pool now. */
  get inFlight(): number {
    return this.running;
  }

  async deflate(block: DeflateBlock): Promise<Buffer> {
    await this.acquire();
    try {
      return await new Promise<Buffer>((resolve, reject) =>
        deflateRaw(
          block.input,
          {
            level: this.level,
            ...(block.dictionary ? { dictionary: block.dictionary } : {}),
            finishFlush: block.final ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
            // Room for the whole output: one trip to the thread pool per block.
            chunkSize: Math.max(64, deflateBound(block.input.length)),
          },
          (err, out) => (err ? reject(err) : resolve(out)),
        ),
      );
    } finally {
      this.release();
    }
  }

  /** Slots are taken in the order deflate() was called. */
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

  constructor(private readonly deflater: ThreadPoolDeflater) {}

  /** Starts compressing the next block; `final` ends the stream. */
  next(input: Buffer, final: boolean): Promise<Buffer> {
    this.crc = crc32(input, this.crc);
    this.size += input.length;
    const dictionary = this.window;
    this.window = final ? undefined : windowAfter(dictionary, input);
    return this.deflater.deflate({ input, dictionary, final });
  }
}
