import { crc32 } from 'node:zlib';
import { fromFsError } from '../core/errors.js';
import { BlockDeflateStream, deflateBound, ParallelDeflater } from '../core/parallel-deflate.js';
import type { Deflated } from '../core/parallel-deflate.js';
import type { ByteSink } from './byte-sink.js';
import { commandOutput } from './command.js';
import type { FormatWriter } from './format.js';
import { OrderedWindow } from './ordered-window.js';
import { fileBlocks, readWhole, shrank, streamBlocks } from './read-blocks.js';
import type { Block } from './read-blocks.js';
import type { ArchiveEntry } from './sources.js';
import {
  centralHeader,
  dataDescriptor,
  endRecords,
  localHeader,
  METHOD_DEFLATE,
  METHOD_STORE,
} from './zip-records.js';
import type { Zip64Policy, ZipEntryInfo, ZipSizes } from './zip-records.js';

/**
 * cairn writes zip files itself so that entries are compressed in parallel.
 * yazl and archiver/zip-stream deflate each entry through one
 * zlib stream, one entry after another, and cannot take data compressed
 * elsewhere; zip.js compresses entries concurrently but holds each one whole
 * in memory; fflate has no ZIP64. Here every entry is cut into blocks of
 * ZIP_BLOCK bytes that are deflated on worker threads while earlier ones
 * are written (src/core/parallel-deflate.ts): small files ahead of their turn,
 * read on those threads too, large files and command output pigz-style as one
 * deflate stream of independently compressed blocks.
 *
 * An entry of one block (directories, symlinks, files up to ZIP_BLOCK) is
 * written with its CRC and sizes in its local header, stored instead of
 * deflated when deflating does not make it smaller (as zip does). Longer
 * entries stream with a data descriptor after their data. Symlinks are stored
 * as Info-ZIP does: mode S_IFLNK, the target as data.
 *
 * Memory: about 2 × (concurrency + 1) blocks are held until they are
 * written, whatever the size of the files, in buffers that are used again
 * (see ParallelDeflater), plus one central directory record (about 100 bytes
 * and the name) per entry.
 */
export const ZIP_BLOCK = 256 * 1024;

const MAX32 = 0xffffffff;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
/** What an entry's record costs in the window besides its data. */
const RECORD_BYTES = 512;

export interface ZipWriterOptions {
  /** 0 (store) to 9. */
  level: number;
  signal?: AbortSignal | undefined;
  /** Blocks deflated at once; default: see defaultDeflateConcurrency. */
  concurrency?: number | undefined;
  /** 'always' writes every size, offset and count in its ZIP64 form, as a file over 4 GiB needs. */
  zip64?: Zip64Policy | undefined;
}

/** Compresses an entry's data block by block, keeping its CRC-32 and length. */
interface EntryData {
  crc: number;
  size: number;
  next(input: Buffer, final: boolean): Promise<Deflated>;
}

/** An entry's data in one piece: deflated or stored, with its CRC-32. */
interface OneBlock extends Deflated {
  stored: boolean;
  crc: number;
}

/** release() of data that is not the deflater's: nothing goes back. */
const nothingToRelease = (): void => undefined;

/** Level 0: the data as it is (copied: the caller reuses its buffer). */
class StoredData implements EntryData {
  crc = 0;
  size = 0;
  next(input: Buffer): Promise<Deflated> {
    this.crc = crc32(input, this.crc);
    this.size += input.length;
    return Promise.resolve({ output: Buffer.from(input), release: nothingToRelease });
  }
}

export class ZipWriter implements FormatWriter {
  private offset = 0;
  private readonly central: Buffer[] = [];
  private readonly window: OrderedWindow;
  private readonly deflater: ParallelDeflater | undefined;
  private readonly zip64: Zip64Policy;
  /** Where large files and command output are read, one block at a time. */
  private readonly readBuffer = Buffer.allocUnsafeSlow(ZIP_BLOCK);

  constructor(
    private readonly sink: ByteSink,
    private readonly onBytes: (n: number) => void,
    private readonly o: ZipWriterOptions,
  ) {
    this.deflater =
      o.level > 0
        ? new ParallelDeflater(o.level, { blockSize: ZIP_BLOCK, concurrency: o.concurrency })
        : undefined;
    this.window = new OrderedWindow(this.deflater?.windowBytes ?? 4 * ZIP_BLOCK);
    this.zip64 = o.zip64 ?? 'auto';
  }

  add(e: ArchiveEntry): Promise<void> {
    switch (e.type) {
      case 'dir':
        return this.addWhole(this.info(`${e.name}/`, S_IFDIR | e.mode, e.mtime, e), Buffer.alloc(0), false);
      case 'symlink':
        return this.addWhole(this.info(e.name, S_IFLNK | 0o777, e.mtime, e), Buffer.from(e.target), false);
      case 'file': {
        const info = this.info(e.name, S_IFREG | e.mode, e.mtime, e);
        if (e.size > 0 && e.size <= ZIP_BLOCK && this.deflater)
          return this.addSmallFile(info, e.path, e.size);
        if (e.size <= ZIP_BLOCK)
          return readWhole(e.path, e.size).then((data) => this.addWhole(info, data, true));
        return this.addStream(info, fileBlocks(e.path, e.size, this.readBuffer), e.size);
      }
      case 'command': {
        const out = commandOutput(e.argv, { cwd: e.cwd, env: e.env, signal: this.o.signal });
        const blocks = streamBlocks(out as AsyncIterable<Buffer>, this.readBuffer);
        return this.addStream(this.info(e.name, S_IFREG | e.mode, e.mtime), blocks, undefined);
      }
    }
  }

  private info(
    name: string,
    mode: number,
    mtime: Date,
    owner?: { uid?: number | undefined; gid?: number | undefined },
  ): ZipEntryInfo {
    const uid = owner?.uid;
    const gid = owner?.gid;
    return {
      name: Buffer.from(name, 'utf8'),
      method: METHOD_STORE,
      mode,
      mtime,
      owner: uid !== undefined && gid !== undefined ? { uid, gid } : undefined,
    };
  }

  private async write(bytes: Buffer): Promise<void> {
    if (bytes.length === 0) return;
    await this.sink.write(bytes);
    this.offset += bytes.length;
  }

  /** An entry whose data is at hand (directories, symlinks, files stored as they are). */
  private addWhole(info: ZipEntryInfo, data: Buffer, isFile: boolean): Promise<void> {
    return this.addOneBlock(
      info,
      Promise.resolve({ output: data, stored: true, crc: crc32(data), release: nothingToRelease }),
      data.length,
      isFile,
    );
  }

  /**
   * A small file, read and compressed on a deflate thread ahead of its turn:
   * the main thread makes no file system call for it. It is stored when
   * deflating does not make it smaller, as zip does.
   */
  private addSmallFile(info: ZipEntryInfo, path: string, size: number): Promise<void> {
    const work = this.deflater!.deflateFile(path, size).then(
      (r) => {
        if (r.size < size) throw shrank(path);
        return r;
      },
      (err: unknown) => {
        throw fromFsError(err, path, 'archiving');
      },
    );
    return this.addOneBlock(info, work, size, true, this.deflater!.outputBytes(size));
  }

  /** An entry whose data comes in one piece: CRC and sizes go in its local header. */
  private async addOneBlock(
    info: ZipEntryInfo,
    work: Promise<OneBlock>,
    size: number,
    isFile: boolean,
    held = size,
  ): Promise<void> {
    const emit = async ({ output, stored, crc, release }: OneBlock): Promise<void> => {
      const entry = { ...info, method: stored ? METHOD_STORE : METHOD_DEFLATE };
      const sizes = { crc, compressed: output.length, uncompressed: size };
      const zip64 = this.zip64 === 'always';
      const at = this.offset;
      await this.write(localHeader(entry, sizes, { zip64 }));
      await this.write(output);
      release();
      if (isFile) this.onBytes(size);
      this.record(entry, sizes, { offset: at, dataDescriptor: false, localZip64: zip64 });
    };
    await this.window.push(work, emit, held + RECORD_BYTES);
  }

  /** An entry streamed block by block, its CRC and sizes in a data descriptor after its data. */
  private async addStream(
    info: ZipEntryInfo,
    blocks: AsyncGenerator<Block>,
    size: number | undefined,
  ): Promise<void> {
    const entry = { ...info, method: this.deflater ? METHOD_DEFLATE : METHOD_STORE };
    // A size that may not fit in 32 bits is announced in the local header; unknown ones
    // (command output) are not, and get 8-byte sizes in the descriptor only if they need them.
    const localZip64 = this.zip64 === 'always' || (size !== undefined && deflateBound(size) >= MAX32);
    const data: EntryData = this.deflater ? new BlockDeflateStream(this.deflater) : new StoredData();
    try {
      await this.addBlocks(entry, localZip64, data, blocks);
    } finally {
      // Closes the file, or stops reading the command's output, when writing failed first.
      await blocks.return(undefined);
    }
  }

  private async addBlocks(
    entry: ZipEntryInfo,
    localZip64: boolean,
    data: EntryData,
    blocks: AsyncGenerator<Block>,
  ): Promise<void> {
    let at = 0;
    let compressed = 0;
    // Read the first block before writing anything: a file that cannot be opened fails first.
    let next = await blocks.next();
    await this.window.push(
      Promise.resolve(),
      async () => {
        at = this.offset;
        await this.write(localHeader(entry, undefined, { zip64: localZip64 }));
      },
      RECORD_BYTES,
    );
    const push = async (input: Buffer, final: boolean): Promise<void> => {
      const length = input.length;
      await this.window.push(
        data.next(input, final),
        async ({ output, release }) => {
          await this.write(output);
          compressed += output.length;
          release();
          this.onBytes(length);
        },
        length,
      );
    };
    if (next.done) await push(Buffer.alloc(0), true);
    for (; !next.done; next = await blocks.next()) {
      const [input, last] = next.value;
      // The block is copied by then: the next one may be read into the same buffer.
      await push(input, last);
    }
    await this.window.push(
      Promise.resolve(),
      async () => {
        const sizes = { crc: data.crc, compressed, uncompressed: data.size };
        await this.write(dataDescriptor(sizes, localZip64));
        this.record(entry, sizes, { offset: at, dataDescriptor: true, localZip64 });
      },
      RECORD_BYTES,
    );
  }

  private record(
    entry: ZipEntryInfo,
    sizes: ZipSizes,
    o: { offset: number; dataDescriptor: boolean; localZip64: boolean },
  ): void {
    this.central.push(centralHeader(entry, sizes, { ...o, zip64: this.zip64 }));
  }

  async finish(): Promise<void> {
    await this.window.drain();
    const offset = this.offset;
    let batch: Buffer[] = [];
    let batchBytes = 0;
    for (const record of this.central) {
      batch.push(record);
      batchBytes += record.length;
      if (batchBytes >= ZIP_BLOCK) {
        await this.write(Buffer.concat(batch));
        batch = [];
        batchBytes = 0;
      }
    }
    await this.write(Buffer.concat(batch));
    const d = { entries: this.central.length, size: this.offset - offset, offset };
    await this.write(endRecords(d, this.zip64));
  }
}
