import { crc32 } from 'node:zlib';
import { CairnError } from '../core/errors.js';
import { BlockDeflateStream, ParallelDeflater } from '../core/parallel-deflate.js';
import type { ByteSink } from './byte-sink.js';
import { OrderedWindow } from './ordered-window.js';

/** Length of a gzip member holding `n` bytes in one stored (uncompressed) deflate block. */
export const storedMemberLength = (n: number): number => 10 + 5 + n + 8;

/** A gzip member with `data` stored uncompressed: its length depends only on the data's length. */
export function storedMember(data: Buffer): Buffer {
  if (data.length > 0xffff) throw new CairnError('INTERNAL', 'stored gzip member too large');
  const out = Buffer.alloc(storedMemberLength(data.length));
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff], 0);
  out[10] = 1; // final block, stored
  out.writeUInt16LE(data.length, 11);
  out.writeUInt16LE(~data.length & 0xffff, 13);
  data.copy(out, 15);
  out.writeUInt32LE(crc32(data) >>> 0, 15 + data.length);
  out.writeUInt32LE(data.length, 19 + data.length);
  return out;
}

/** Bytes compressed as one block; gzip's CRC-32 and length are kept over the blocks of a member. */
export const GZIP_BLOCK = 256 * 1024;

/** mtime 0, no extra flags, OS 3 (Unix), as Node's gzip writes it. */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

function trailer(crc: number, size: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(crc >>> 0, 0);
  b.writeUInt32LE(size % 0x100000000, 4);
  return b;
}

/**
 * Compresses a byte stream as a sequence of gzip members (gunzip and `tar xz`
 * read concatenated members as one stream). Within a member the bytes are cut
 * into blocks of GZIP_BLOCK deflated in parallel on the deflate threads, each
 * with the 32 KiB before it as dictionary (pigz-style), and written in order;
 * about 2 × (concurrency + 1) blocks are held, in buffers that are used again
 * (see ParallelDeflater). A hole ends the
 * current member and becomes a stored member of known length, filled once its
 * bytes are known.
 */
export class GzipMembers implements ByteSink {
  private readonly deflater: ParallelDeflater;
  private readonly window: OrderedWindow;
  /** The member being written, from its first byte to its end. */
  private member: BlockDeflateStream | undefined;
  /** The block being filled: copied by the deflater when it is full, then filled again. */
  private readonly block = Buffer.allocUnsafeSlow(GZIP_BLOCK);
  private length = 0;

  constructor(
    private readonly out: ByteSink,
    level: number,
    concurrency?: number,
  ) {
    this.deflater = new ParallelDeflater(level, { blockSize: GZIP_BLOCK, concurrency });
    this.window = new OrderedWindow(this.deflater.windowBytes);
  }

  async write(chunk: Buffer): Promise<void> {
    for (let at = 0; at < chunk.length;) {
      const n = chunk.copy(this.block, this.length, at);
      this.length += n;
      at += n;
      if (this.length === GZIP_BLOCK) await this.pushBlock(false);
    }
  }

  private async pushBlock(final: boolean): Promise<void> {
    const input = this.block.subarray(0, this.length);
    if (!this.member) {
      this.member = new BlockDeflateStream(this.deflater);
      await this.window.push(Promise.resolve(GZIP_HEADER), (h) => this.out.write(h), 0);
    }
    const member = this.member;
    const length = input.length;
    const compressed = member.next(input, final);
    this.length = 0;
    await this.window.push(
      compressed,
      async ({ output, release }) => {
        await this.out.write(output);
        release();
      },
      length,
    );
    if (final) {
      this.member = undefined;
      await this.window.push(Promise.resolve(trailer(member.crc, member.size)), (t) => this.out.write(t), 0);
    }
  }

  /** Ends the current member, if any byte was written to it. */
  private async endMember(): Promise<void> {
    if (this.member || this.length > 0) await this.pushBlock(true);
    await this.window.drain();
  }

  async hole(length: number): Promise<number> {
    await this.endMember();
    return this.out.hole(storedMemberLength(length));
  }

  fill(id: number, bytes: Buffer): Promise<void> {
    return this.out.fill(id, storedMember(bytes));
  }

  async finish(): Promise<void> {
    await this.endMember();
  }
}
