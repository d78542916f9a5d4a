import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { CairnError, fromFsError } from '../core/errors.js';
import type { ObjectWriter } from './object-writer.js';
import { PRIVATE_FILE_MODE } from './private-fs.js';

/** Writes a temporary file with positional writes (holes are filled in place), then publishes it. */
export class LocalWriter implements ObjectWriter {
  private offset = 0;
  private readonly holes = new Map<number, { at: number; length: number; filled: boolean }>();
  private next = 0;

  private constructor(
    private readonly fh: FileHandle,
    private readonly tmp: string,
    private readonly publish: (tmp: string) => Promise<void>,
    private readonly discard: (tmp: string) => Promise<void>,
  ) {}

  static async open(
    tmp: string,
    publish: (tmp: string) => Promise<void>,
    discard: (tmp: string) => Promise<void>,
  ): Promise<LocalWriter> {
    const fh = await open(tmp, 'wx', PRIVATE_FILE_MODE).catch((err: unknown) => {
      throw fromFsError(err, tmp, 'writing object');
    });
    await fh.chmod(PRIVATE_FILE_MODE).catch(async (err: unknown) => {
      await fh.close();
      throw fromFsError(err, tmp, 'writing object');
    });
    return new LocalWriter(fh, tmp, publish, discard);
  }

  get size(): number {
    return this.offset;
  }

  async write(chunk: Buffer): Promise<void> {
    let done = 0;
    while (done < chunk.length) {
      const { bytesWritten } = await this.fh
        .write(chunk, done, chunk.length - done, this.offset + done)
        .catch((err: unknown) => {
          throw fromFsError(err, this.tmp, 'writing object');
        });
      done += bytesWritten;
    }
    this.offset += chunk.length;
  }

  hole(length: number): number {
    const id = this.next++;
    this.holes.set(id, { at: this.offset, length, filled: false });
    this.offset += length;
    return id;
  }

  async fill(id: number, bytes: Buffer): Promise<void> {
    const h = this.holes.get(id);
    if (!h || h.filled || bytes.length !== h.length)
      throw new CairnError('INTERNAL', `bad fill of hole ${id}`);
    await this.fh.write(bytes, 0, bytes.length, h.at);
    h.filled = true;
  }

  async complete(): Promise<{ size: number }> {
    if ([...this.holes.values()].some((h) => !h.filled))
      throw new CairnError('INTERNAL', 'object completed with an unfilled hole');
    try {
      await this.fh.sync();
      await this.fh.close();
    } catch (err) {
      throw fromFsError(err, this.tmp, 'writing object');
    }
    await this.publish(this.tmp);
    return { size: this.offset };
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await this.discard(this.tmp);
  }
}
