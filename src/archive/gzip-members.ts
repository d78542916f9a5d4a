import { once } from 'node:events';
import { crc32, createGzip } from 'node:zlib';
import type { Gzip } from 'node:zlib';
import { CairnError } from '../core/errors.js';
import type { ByteSink } from './byte-sink.js';

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

/**
 * Compresses a byte stream as a sequence of gzip members (gunzip and `tar xz`
 * read concatenated members as one stream). A hole ends the current member and
 * becomes a stored member of known length, filled once its bytes are known.
 */
export class GzipMembers implements ByteSink {
  private gz: Gzip;
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private failure: Error | undefined;

  constructor(
    private readonly out: ByteSink,
    private readonly level: number,
  ) {
    this.gz = this.member();
  }

  private member(): Gzip {
    const gz = createGzip({ level: this.level, chunkSize: 256 * 1024 });
    gz.on('data', (d: Buffer) => {
      this.queued += d.length;
      this.chain = this.chain
        .then(async () => {
          if (this.failure) return;
          await this.out.write(d);
          this.queued -= d.length;
        })
        .catch((err: unknown) => {
          this.failure ??= err instanceof Error ? err : new Error(String(err));
        });
    });
    return gz;
  }

  async write(chunk: Buffer): Promise<void> {
    this.check();
    if (!this.gz.write(chunk)) await once(this.gz, 'drain');
    if (this.queued > 4 * 1024 * 1024) await this.chain;
    this.check();
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

  private async endMember(): Promise<void> {
    const ended = once(this.gz, 'end');
    this.gz.end();
    await ended;
    await this.chain;
    this.check();
  }

  async hole(length: number): Promise<number> {
    await this.endMember();
    const id = await this.out.hole(storedMemberLength(length));
    this.gz = this.member();
    return id;
  }

  fill(id: number, bytes: Buffer): Promise<void> {
    return this.out.fill(id, storedMember(bytes));
  }

  async finish(): Promise<void> {
    await this.endMember();
  }
}
