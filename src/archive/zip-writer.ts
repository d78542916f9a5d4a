import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { crc32 } from 'node:zlib';
import { ZipFile } from 'yazl';
import type { Readable } from 'node:stream';
import type { ByteSink } from './byte-sink.js';
import { commandOutput } from './command.js';
import type { ArchiveEntry } from './sources.js';
import type { FormatWriter } from './format.js';

// yazl computes CRC-32 with buffer-crc32, in JavaScript (~150 MB/s here, most
// of a zip's CPU). Node's zlib.crc32 computes the same continuing CRC natively;
// yazl reaches it through the one function it calls.
const yazlRequire = createRequire(createRequire(import.meta.url).resolve('yazl'));
(yazlRequire('buffer-crc32') as { unsigned: (buf: Buffer, previous?: number) => number }).unsigned = (
  buf,
  previous,
) => crc32(buf, previous ?? 0);

const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

/**
 * Zip through yazl: streams each entry when its turn comes (files are opened
 * lazily, command output is read as it is produced, with data descriptors),
 * ZIP64 when sizes need it, symlinks as Info-ZIP does (mode S_IFLNK, target as data).
 */
export class ZipWriter implements FormatWriter {
  private readonly zip = new ZipFile();
  private readonly drained: Promise<void>;
  private failure: Error | undefined;

  constructor(
    sink: ByteSink,
    private readonly onBytes: (n: number) => void,
    private readonly level: number,
    private readonly signal?: AbortSignal,
  ) {
    this.zip.on('error', (err: Error) => this.fail(err));
    this.drained = (async () => {
      for await (const c of this.zip.outputStream) await sink.write(c as Buffer);
    })();
    this.drained.catch((err: unknown) => this.fail(err as Error));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    (this.zip.outputStream as Readable).destroy(err);
  }

  private lazy(open: () => Readable): (cb: (err: Error | null, stream: Readable) => void) => void {
    return (cb) => {
      const s = open();
      s.on('error', (err: Error) => this.fail(err));
      s.on('data', (d: Buffer) => this.onBytes(d.length));
      cb(null, s);
    };
  }

  add(e: ArchiveEntry): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const mtime = e.mtime;
    switch (e.type) {
      case 'dir':
        this.zip.addEmptyDirectory(e.name, { mtime, mode: S_IFDIR | e.mode });
        break;
      case 'symlink':
        this.zip.addBuffer(Buffer.from(e.target), e.name, { mtime, mode: S_IFLNK | 0o777, compress: false });
        break;
      case 'file':
        this.zip.addReadStreamLazy(
          e.name,
          { mtime, mode: S_IFREG | e.mode, size: e.size, compressionLevel: this.level },
          this.lazy(() => createReadStream(e.path, { highWaterMark: 1 << 20 })),
        );
        break;
      case 'command':
        this.zip.addReadStreamLazy(
          e.name,
          { mtime, mode: S_IFREG | e.mode, compressionLevel: this.level },
          this.lazy(() => commandOutput(e.argv, { cwd: e.cwd, env: e.env, signal: this.signal })),
        );
        break;
    }
    return Promise.resolve();
  }

  async finish(): Promise<void> {
    this.zip.end();
    await Promise.race([this.drained, once(this.zip, 'error').then(([err]) => Promise.reject(err as Error))]);
    if (this.failure) throw this.failure;
  }
}
