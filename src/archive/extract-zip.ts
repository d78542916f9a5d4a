import { PassThrough } from 'node:stream';
import { crc32 } from 'node:zlib';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { CairnError } from '../core/errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { Owner } from '../core/special-bits.js';
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

/** The owner in Info-ZIP's Unix extra field "ux" (0x7875: version 1, then sized uid and gid), if any. */
export function zipOwner(e: Pick<Entry, 'extraFields'>): Owner | undefined {
  const f = e.extraFields.find((x) => x.id === 0x7875);
  const d = f?.data;
  if (!d || d.length < 3 || d[0] !== 1) return undefined;
  const read = (at: number): { value: number; next: number } | undefined => {
    const size = d[at];
    if (size === undefined || size < 1 || size > 6 || at + 1 + size > d.length) return undefined;
    return { value: d.readUIntLE(at + 1, size), next: at + 1 + size };
  };
  const uid = read(1);
  const gid = uid && read(uid.next);
  return uid && gid ? { uid: uid.value, gid: gid.value } : undefined;
}

/** The entry's data, failing at its end if its CRC-32 is not the one recorded in the archive. */
async function* checkedData(
  data: AsyncIterable<Buffer>,
  expected: number,
  name: string,
): AsyncGenerator<Buffer> {
  let crc = 0;
  for await (const c of data) {
    crc = crc32(c, crc);
    yield c;
  }
  if (crc >>> 0 !== expected >>> 0) {
    throw new CairnError(
      'INTEGRITY',
      `archive entry "${name}" does not match its CRC-32 (${(crc >>> 0).toString(16)}, recorded ${(expected >>> 0).toString(16)}): the archive is damaged; nothing was restored`,
      { hint: 'restore an earlier archive (NAME@TIME)' },
    );
  }
}

const collect = async (data: AsyncIterable<Buffer>): Promise<string> => {
  const parts: Buffer[] = [];
  for await (const c of data) parts.push(c);
  return Buffer.concat(parts).toString('utf8');
};

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
              `archive entry ${err.message.replace(/^.*?: /, '')} would land outside the destination; nothing was restored`,
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
        const owner = zipOwner(e);
        const data = async () =>
          checkedData((await streamOf(zip, e)) as AsyncIterable<Buffer>, e.crc32, e.fileName);
        if (e.fileName.endsWith('/') || (mode & S_IFMT) === S_IFDIR) {
          await target.dir(e.fileName, mode & 0o7777 || 0o755, mtime, owner);
        } else if ((mode & S_IFMT) === S_IFLNK) {
          await target.symlink(e.fileName, await collect(await data()), mtime, owner);
        } else {
          await target.file(e.fileName, mode & 0o7777 || 0o644, mtime, await data(), owner);
        }
        zip.readEntry();
      })().catch(reject);
    });
    zip.readEntry();
  });
}
