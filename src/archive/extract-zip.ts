import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { CairnError } from '../core/errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { ExtractTarget } from './extract-target.js';

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

/** yauzl reads the central directory and each entry with ranged reads of the stored object: no download to disk. */
class StoreReader extends yauzl.RandomAccessReader {
  constructor(
    private readonly store: ObjectStore,
    private readonly key: string,
  ) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const out = new PassThrough();
    if (end <= start) {
      out.end();
      return out;
    }
    this.store.get(this.key, { range: { start, end } }).then(
      (s) => s.pipe(out),
      (err: Error) => out.destroy(err),
    );
    return out;
  }
}

const openZip = (reader: StoreReader, size: number): Promise<ZipFile> =>
  new Promise((resolve, reject) =>
    yauzl.fromRandomAccessReader(
      reader,
      size,
      { lazyEntries: true, decodeStrings: true, validateEntrySizes: true },
      (err, zip) => (err ? reject(err) : resolve(zip)),
    ),
  );

const streamOf = (zip: ZipFile, e: Entry): Promise<Readable> =>
  new Promise((resolve, reject) => zip.openReadStream(e, (err, s) => (err ? reject(err) : resolve(s))));

export async function extractZip(
  store: ObjectStore,
  key: string,
  size: number,
  target: ExtractTarget,
): Promise<void> {
  let zip: ZipFile;
  try {
    zip = await openZip(new StoreReader(store, key), size);
  } catch (err) {
    throw new CairnError('INTEGRITY', `${key} is not a readable zip archive: ${(err as Error).message}`, {
      cause: err,
    });
  }
  await new Promise<void>((resolve, reject) => {
    zip.on('error', (err: Error) =>
      reject(
        /invalid relative path|absolute path/.test(err.message)
          ? new CairnError(
              'INTEGRITY',
              `archive entry ${err.message.replace(/^.*?: /, '')} would land outside the destination; nothing more was extracted`,
              {
                hint: 'the archive may be hostile',
              },
            )
          : err,
      ),
    );
    zip.on('end', resolve);
    zip.on('entry', (e: Entry) => {
      void (async () => {
        const mode = (e.externalFileAttributes >>> 16) & 0xffff;
        const mtime = e.getLastModDate();
        if (e.fileName.endsWith('/') || (mode & S_IFMT) === S_IFDIR) {
          await target.dir(e.fileName, mode & 0o7777 || 0o755, mtime);
        } else if ((mode & S_IFMT) === S_IFLNK) {
          await target.symlink(e.fileName, await text(await streamOf(zip, e)), mtime);
        } else {
          await target.file(e.fileName, mode & 0o7777 || 0o644, mtime, await streamOf(zip, e));
        }
        zip.readEntry();
      })().catch(reject);
    });
    zip.readEntry();
  });
}
