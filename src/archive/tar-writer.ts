import type { Readable } from 'node:stream';
import type { ByteSink } from './byte-sink.js';
import { commandOutput } from './command.js';
import { fileBlocks } from './read-blocks.js';
import type { ArchiveEntry } from './sources.js';
import { encodeTarHeader, padding, TAR_END } from './tar-header.js';
import type { FormatWriter } from './format.js';

/** Command output up to this size is held in memory so its header carries the exact size. */
export const TAR_SPOOL_BYTES = 16 * 1024 * 1024;

/** Files are read in blocks of this size, all into one buffer. */
const READ_BLOCK = 256 * 1024;

export class TarWriter implements FormatWriter {
  private readonly readBuffer = Buffer.allocUnsafeSlow(READ_BLOCK);

  constructor(
    private readonly sink: ByteSink,
    private readonly onBytes: (n: number) => void,
    private readonly signal?: AbortSignal,
  ) {}

  private async data(chunk: Buffer): Promise<void> {
    await this.sink.write(chunk);
    this.onBytes(chunk.length);
  }

  async add(e: ArchiveEntry): Promise<void> {
    switch (e.type) {
      case 'dir':
        return this.sink.write(encodeTarHeader({ ...e, type: 'dir', size: 0 }));
      case 'symlink':
        return this.sink.write(encodeTarHeader({ ...e, type: 'symlink', size: 0, linkname: e.target }));
      case 'file':
        return this.addFile(e);
      case 'command':
        return this.addStream(e, commandOutput(e.argv, { cwd: e.cwd, env: e.env, signal: this.signal }));
    }
  }

  private async addFile(e: Extract<ArchiveEntry, { type: 'file' }>): Promise<void> {
    // The first block is read before the header is written: an unreadable file fails first.
    const blocks = fileBlocks(e.path, e.size, this.readBuffer);
    try {
      let next = await blocks.next();
      await this.sink.write(encodeTarHeader({ ...e, type: 'file' }));
      // Each block is written (the sink is done with it) before the next is read into the same buffer.
      for (; !next.done; next = await blocks.next()) await this.data(next.value[0]);
    } finally {
      await blocks.return(undefined);
    }
    await this.sink.write(Buffer.alloc(padding(e.size)));
  }

  private async addStream(e: Extract<ArchiveEntry, { type: 'command' }>, stream: Readable): Promise<void> {
    const header = (size: number): Buffer =>
      encodeTarHeader({ name: e.name, type: 'file', mode: e.mode, mtime: e.mtime, size });
    const spooled: Buffer[] = [];
    let size = 0;
    const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let next = await it.next();
    while (!next.done && size <= TAR_SPOOL_BYTES) {
      spooled.push(next.value);
      size += next.value.length;
      next = await it.next();
    }
    if (next.done) {
      await this.sink.write(header(size));
      for (const c of spooled) await this.data(c);
    } else {
      // Larger than the spool: reserve the header, stream the data, then fill in the size.
      const hole = await this.sink.hole(header(0).length);
      for (const c of spooled) await this.data(c);
      for (; !next.done; next = await it.next()) {
        size += next.value.length;
        await this.data(next.value);
      }
      await this.sink.fill(hole, header(size));
    }
    await this.sink.write(Buffer.alloc(padding(size)));
  }

  async finish(): Promise<void> {
    await this.sink.write(TAR_END);
  }
}
