import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import yauzl from 'yauzl';
import type { Entry } from 'yauzl';
import type { ArchiveEntry } from '../../src/archive/sources.js';
import { ZIP_BLOCK, ZipWriter } from '../../src/archive/zip-writer.js';
import type { ZipWriterOptions } from '../../src/archive/zip-writer.js';
import { centralHeader, dataDescriptor, endRecords, localHeader } from '../../src/archive/zip-records.js';
import { MemorySink } from './memory-sink.js';

const mtime = new Date('2024-02-29T13:14:16Z');
const GiB = 2 ** 30;

/** Text that compresses well and repeats across block boundaries, with a random stretch in between. */
const mixed = (): Buffer =>
  Buffer.concat([
    Buffer.from('cairn archive block '.repeat(100_000)),
    randomBytes(ZIP_BLOCK + 12_345),
    Buffer.from('cairn archive block '.repeat(60_000)),
  ]);

interface Fixture {
  entries: ArchiveEntry[];
  /** The bytes each file entry must extract to. */
  contents: Map<string, Buffer>;
}

async function fixture(): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-zip-'));
  const contents = new Map<string, Buffer>([
    ['big.bin', mixed()], // several blocks: one deflate stream made of blocks compressed apart
    ['text.txt', Buffer.from('small and compressible '.repeat(500))],
    ['noise.bin', randomBytes(40_000)], // deflate would not shrink it: stored
    ['empty', Buffer.alloc(0)],
  ]);
  const entries: ArchiveEntry[] = [{ type: 'dir', name: 'd', mode: 0o750, mtime }];
  for (const [name, data] of contents) {
    const path = join(dir, name);
    await writeFile(path, data);
    entries.push({
      type: 'file',
      name: `d/${name}`,
      mode: 0o640,
      mtime,
      size: data.length,
      path,
      uid: 0,
      gid: 0,
    });
  }
  entries.push({ type: 'symlink', name: 'd/link', mode: 0o777, mtime, target: 'big.bin' });
  const out = 'x'.repeat(2_500_000);
  const argv = ['sh', '-c', 'head -c 2500000 /dev/zero | tr "\\0" x'];
  entries.push({ type: 'command', name: 'cmd.txt', mode: 0o644, mtime, argv });
  const byName = new Map([...contents].map(([k, v]) => [`d/${k}`, v]));
  byName.set('cmd.txt', Buffer.from(out));
  byName.set('d/link', Buffer.from('big.bin'));
  return { entries, contents: byName };
}

async function zipOf(entries: ArchiveEntry[], o: Partial<ZipWriterOptions> = {}): Promise<Buffer> {
  const sink = new MemorySink();
  const w = new ZipWriter(sink, () => undefined, { level: 6, ...o });
  for (const e of entries) await w.add(e);
  await w.finish();
  return sink.bytes();
}

async function saved(zip: Buffer): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'cairn-zip-out-')), 'a.zip');
  await writeFile(file, zip);
  return file;
}

/** Every entry as yauzl reads it, sizes validated, with its data. */
async function readWithYauzl(zip: Buffer): Promise<Map<string, { entry: Entry; data: Buffer }>> {
  const z = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(zip, { lazyEntries: true, validateEntrySizes: true }, (err, f) =>
      err ? reject(err) : resolve(f),
    ),
  );
  const out = new Map<string, { entry: Entry; data: Buffer }>();
  await new Promise<void>((resolve, reject) => {
    z.on('error', reject);
    z.on('end', resolve);
    z.on('entry', (entry: Entry) => {
      z.openReadStream(entry, (err, s) => {
        if (err) return reject(err);
        buffer(s).then((data) => {
          out.set(entry.fileName, { entry, data });
          z.readEntry();
        }, reject);
      });
    });
    z.readEntry();
  });
  return out;
}

function checkReadable(zip: Buffer, f: Fixture, read: Map<string, { entry: Entry; data: Buffer }>): void {
  for (const [name, data] of f.contents) assert.deepEqual(read.get(name)?.data, data, name);
  const mode = (name: string): number => (read.get(name)!.entry.externalFileAttributes >>> 16) & 0xffff;
  assert.equal(mode('d/'), 0o040750);
  assert.equal(mode('d/big.bin'), 0o100640);
  assert.equal(mode('d/link'), 0o120777);
  for (const { entry } of read.values()) assert.equal(entry.getLastModDate().getTime(), mtime.getTime());
  assert.ok(zip.length < 2_000_000, `compressed: ${zip.length} bytes`);
}

test('zip: entries deflated in parallel blocks read back identically with unzip and yauzl', async () => {
  const f = await fixture();
  const zip = await zipOf(f.entries);
  const file = await saved(zip);
  assert.match(execFileSync('unzip', ['-t', file]).toString(), /No errors detected/);
  assert.deepEqual(
    execFileSync('unzip', ['-p', file, 'd/big.bin'], { maxBuffer: 64 << 20 }),
    f.contents.get('d/big.bin'),
  );
  const read = await readWithYauzl(zip);
  checkReadable(zip, f, read);
  const entry = (name: string): Entry => read.get(name)!.entry;
  // Large entries stream with a data descriptor; one-block entries carry their sizes up front.
  assert.equal(entry('d/big.bin').generalPurposeBitFlag & 8, 8);
  assert.equal(entry('cmd.txt').generalPurposeBitFlag & 8, 8);
  assert.equal(entry('d/text.txt').generalPurposeBitFlag & 8, 0);
  assert.equal(entry('d/big.bin').compressionMethod, 8);
  assert.equal(entry('d/text.txt').compressionMethod, 8);
  assert.equal(entry('d/noise.bin').compressionMethod, 0, 'incompressible small file is stored');
  assert.equal(entry('d/link').compressionMethod, 0);
});

test('zip: level 0 stores every entry', async () => {
  const f = await fixture();
  const zip = await zipOf(f.entries, { level: 0 });
  assert.match(execFileSync('unzip', ['-t', await saved(zip)]).toString(), /No errors detected/);
  const read = await readWithYauzl(zip);
  for (const [name, data] of f.contents) assert.deepEqual(read.get(name)?.data, data, name);
  for (const { entry } of read.values()) assert.equal(entry.compressionMethod, 0, entry.fileName);
});

test('zip: every size, offset and count in ZIP64 form (as past 4 GiB) is read by unzip and yauzl', async () => {
  const f = await fixture();
  const zip = await zipOf(f.entries, { zip64: 'always' });
  assert.match(execFileSync('unzip', ['-t', await saved(zip)]).toString(), /No errors detected/);
  checkReadable(zip, f, await readWithYauzl(zip));
  // The end of central directory defers to the ZIP64 end record, which its locator points at.
  const end = zip.subarray(zip.length - 22);
  assert.equal(end.readUInt32LE(0), 0x06054b50);
  assert.equal(end.readUInt16LE(10), 0xffff);
  assert.equal(end.readUInt32LE(16), 0xffffffff);
  const locator = zip.subarray(zip.length - 42, zip.length - 22);
  assert.equal(locator.readUInt32LE(0), 0x07064b50);
  const record = zip.subarray(Number(locator.readBigUInt64LE(8)));
  assert.equal(record.readUInt32LE(0), 0x06064b50);
  assert.equal(record.readBigUInt64LE(24), BigInt(f.entries.length));
  // Each central header holds 0xFFFFFFFF for sizes and offset, and the values in a ZIP64 extra field.
  const cd = zip.subarray(Number(record.readBigUInt64LE(48)));
  assert.equal(cd.readUInt32LE(0), 0x02014b50);
  assert.equal(cd.readUInt32LE(20), 0xffffffff);
  assert.equal(cd.readUInt32LE(24), 0xffffffff);
  assert.equal(cd.readUInt32LE(42), 0xffffffff);
});

test('zip: more than 65,535 entries take the ZIP64 end records', async () => {
  const count = 70_000;
  const entries: ArchiveEntry[] = Array.from({ length: count }, (_, i) => ({
    type: 'dir',
    name: `d${i}`,
    mode: 0o755,
    mtime,
  }));
  const zip = await zipOf(entries);
  const end = zip.subarray(zip.length - 22);
  assert.equal(end.readUInt16LE(10), 0xffff);
  const listed = execFileSync('unzip', ['-Z1', await saved(zip)], { maxBuffer: 64 << 20 })
    .toString()
    .trim()
    .split('\n');
  assert.equal(listed.length, count);
  assert.equal(listed.at(-1), `d${count - 1}/`);
  const z = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, file) => (err ? reject(err) : resolve(file))),
  );
  assert.equal(z.entryCount, count);
  z.close();
});

test('zip records: sizes and offsets past 4 GiB go in the ZIP64 extra field, only those that need it', async () => {
  const e = { name: Buffer.from('huge.bin'), method: 8, mode: 0o100644, mtime };
  const sizes = { crc: 0x12345678, compressed: 4.5 * GiB, uncompressed: 5 * GiB + 3 };
  const central = centralHeader(e, sizes, {
    offset: 6 * GiB + 7,
    dataDescriptor: true,
    localZip64: true,
    zip64: 'auto',
  });
  const head = localHeader(e, undefined, { zip64: true });
  const descriptor = dataDescriptor(sizes, false);
  assert.equal(descriptor.length, 24, 'sizes that do not fit 32 bits get 8 bytes');
  assert.equal(descriptor.readBigUInt64LE(16), BigInt(sizes.uncompressed));
  const cdOffset = head.length + 100;
  const zip = Buffer.concat([
    head,
    Buffer.alloc(100),
    central,
    endRecords({ entries: 1, size: central.length, offset: cdOffset }, 'auto'),
  ]);
  const z = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, file) => (err ? reject(err) : resolve(file))),
  );
  const entry = await new Promise<Entry>((resolve, reject) => {
    z.once('entry', resolve);
    z.once('error', reject);
    z.readEntry();
  });
  assert.equal(entry.uncompressedSize, sizes.uncompressed);
  assert.equal(entry.compressedSize, sizes.compressed);
  assert.equal(entry.relativeOffsetOfLocalHeader, 6 * GiB + 7);
  assert.equal(entry.crc32, sizes.crc);
  z.close();

  // Only the field that overflows is moved to the extra field.
  const some = centralHeader(
    e,
    { crc: 1, compressed: GiB, uncompressed: 4 * GiB },
    {
      offset: 10,
      dataDescriptor: true,
      localZip64: false,
      zip64: 'auto',
    },
  );
  assert.equal(some.readUInt32LE(20), GiB);
  assert.equal(some.readUInt32LE(24), 0xffffffff);
  assert.equal(some.readUInt32LE(42), 10);
  const extra = some.subarray(46 + e.name.length + 9);
  assert.deepEqual([extra.readUInt16LE(0), extra.readUInt16LE(2)], [1, 8]);
  assert.equal(extra.readBigUInt64LE(4), BigInt(4 * GiB));
  // An archive whose central directory starts past 4 GiB.
  const ends = endRecords({ entries: 3, size: 300, offset: 5 * GiB }, 'auto');
  assert.equal(ends.readUInt32LE(0), 0x06064b50);
  assert.equal(ends.readBigUInt64LE(48), BigInt(5 * GiB));
  assert.equal(ends.subarray(56).readBigUInt64LE(8), BigInt(5 * GiB + 300));
});
