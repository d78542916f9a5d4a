import { CairnError } from '../core/errors.js';

/**
 * The records of a zip file (PKWARE APPNOTE 6.3): local file headers, data
 * descriptors, central directory headers and the end records, ZIP64 where a
 * value does not fit in its 16- or 32-bit field (or always, when asked: ZIP64
 * may be used for any size). Names are UTF-8 (flag bit 11); the mtime is kept
 * both as DOS local time and, to the second in UTC, in Info-ZIP's "UT" extra
 * field, which unzip and yauzl prefer.
 */

export const METHOD_STORE = 0;
export const METHOD_DEFLATE = 8;
const FLAG_DATA_DESCRIPTOR = 1 << 3;
const FLAG_UTF8 = 1 << 11;
const VERSION_MADE_BY = (3 << 8) | 63; // Unix, APPNOTE 6.3
const VERSION_DEFAULT = 20;
const VERSION_ZIP64 = 45;
const MAX32 = 0xffffffff;
const MAX16 = 0xffff;

export interface ZipEntryInfo {
  /** UTF-8 name, '/'-terminated for directories. */
  name: Buffer;
  method: number;
  mtime: Date;
  /** Unix file type and mode bits (st_mode). */
  mode: number;
  /** Kept in Info-ZIP's Unix extra field "ux" (0x7875), which unzip -X and cairn restore as root. */
  owner?: { uid: number; gid: number } | undefined;
}

export interface ZipSizes {
  crc: number;
  compressed: number;
  uncompressed: number;
}

/** Whether a value needs its ZIP64 form; `always` writes every one in that form. */
export type Zip64Policy = 'auto' | 'always';

const over32 = (n: number, p: Zip64Policy): boolean => p === 'always' || n >= MAX32;

function u64(buf: Buffer, n: number, at: number): void {
  buf.writeBigUInt64LE(BigInt(n), at);
}

/** MS-DOS date and time, in local time as zip tools write it, clamped to the years 1980-2107. */
function dosDateTime(d: Date): { date: number; time: number } {
  const min = new Date(1980, 0, 1);
  const max = new Date(2107, 11, 31, 23, 59, 58);
  const t = d < min ? min : d > max ? max : d;
  return {
    date: ((t.getFullYear() - 1980) << 9) | ((t.getMonth() + 1) << 5) | t.getDate(),
    time: (t.getHours() << 11) | (t.getMinutes() << 5) | Math.floor(t.getSeconds() / 2),
  };
}

/** Info-ZIP extended timestamp: mtime in seconds since the epoch (UTC), clamped to 32 bits. */
function utExtra(mtime: Date): Buffer {
  const b = Buffer.alloc(9);
  b.writeUInt16LE(0x5455, 0);
  b.writeUInt16LE(5, 2);
  b.writeUInt8(1, 4); // flags: mtime present
  const s = Math.floor(mtime.getTime() / 1000);
  b.writeInt32LE(Math.max(-0x80000000, Math.min(0x7fffffff, s)), 5);
  return b;
}

/** Info-ZIP's Unix extra field "ux" (0x7875): version 1, then 4-byte uid and gid, in both headers. */
function uxExtra(o: { uid: number; gid: number } | undefined): Buffer[] {
  if (!o || o.uid > MAX32 || o.gid > MAX32) return [];
  const b = Buffer.alloc(15);
  b.writeUInt16LE(0x7875, 0);
  b.writeUInt16LE(11, 2);
  b.writeUInt8(1, 4);
  b.writeUInt8(4, 5);
  b.writeUInt32LE(o.uid, 6);
  b.writeUInt8(4, 10);
  b.writeUInt32LE(o.gid, 11);
  return [b];
}

/** A ZIP64 extended information extra field holding `values` (8 bytes each, in APPNOTE order). */
function zip64Extra(values: number[]): Buffer {
  const b = Buffer.alloc(4 + 8 * values.length);
  b.writeUInt16LE(0x0001, 0);
  b.writeUInt16LE(8 * values.length, 2);
  values.forEach((v, i) => u64(b, v, 4 + 8 * i));
  return b;
}

function checkName(name: Buffer): void {
  if (name.length > MAX16) throw new CairnError('USAGE', `a zip entry name is longer than 65535 bytes`);
}

/**
 * The local file header. With `sizes`, they are written in it; without, flag
 * bit 3 says a data descriptor follows the data, and `zip64` says whether that
 * descriptor has 8-byte sizes (a ZIP64 extra field with zeros announces it).
 */
export function localHeader(e: ZipEntryInfo, sizes: ZipSizes | undefined, o: { zip64: boolean }): Buffer {
  checkName(e.name);
  const extras = [utExtra(e.mtime), ...uxExtra(e.owner)];
  let compressed = sizes?.compressed ?? 0;
  let uncompressed = sizes?.uncompressed ?? 0;
  if (o.zip64) {
    extras.push(zip64Extra([uncompressed, compressed]));
    compressed = MAX32;
    uncompressed = MAX32;
  }
  const extra = Buffer.concat(extras);
  const b = Buffer.alloc(30);
  const { date, time } = dosDateTime(e.mtime);
  b.writeUInt32LE(0x04034b50, 0);
  b.writeUInt16LE(o.zip64 ? VERSION_ZIP64 : VERSION_DEFAULT, 4);
  b.writeUInt16LE(FLAG_UTF8 | (sizes ? 0 : FLAG_DATA_DESCRIPTOR), 6);
  b.writeUInt16LE(e.method, 8);
  b.writeUInt16LE(time, 10);
  b.writeUInt16LE(date, 12);
  b.writeUInt32LE(sizes ? sizes.crc >>> 0 : 0, 14);
  b.writeUInt32LE(compressed, 18);
  b.writeUInt32LE(uncompressed, 22);
  b.writeUInt16LE(e.name.length, 26);
  b.writeUInt16LE(extra.length, 28);
  return Buffer.concat([b, e.name, extra]);
}

/**
 * The data descriptor after an entry's data. Its sizes have 8 bytes when the
 * local header announced ZIP64 (APPNOTE 4.3.9) or when they do not fit in 4
 * (what readers that go by the sizes, such as Java's, expect).
 */
export function dataDescriptor(s: ZipSizes, localZip64: boolean): Buffer {
  const zip64 = localZip64 || s.compressed >= MAX32 || s.uncompressed >= MAX32;
  const b = Buffer.alloc(zip64 ? 24 : 16);
  b.writeUInt32LE(0x08074b50, 0);
  b.writeUInt32LE(s.crc >>> 0, 4);
  if (zip64) {
    u64(b, s.compressed, 8);
    u64(b, s.uncompressed, 16);
  } else {
    b.writeUInt32LE(s.compressed, 8);
    b.writeUInt32LE(s.uncompressed, 12);
  }
  return b;
}

/** The central directory header of an entry whose local header is at `offset`. */
export function centralHeader(
  e: ZipEntryInfo,
  s: ZipSizes,
  o: { offset: number; dataDescriptor: boolean; localZip64: boolean; zip64: Zip64Policy },
): Buffer {
  checkName(e.name);
  // In the ZIP64 extra field, only the values whose 32-bit field holds 0xFFFFFFFF, in this order.
  const big = {
    uncompressed: over32(s.uncompressed, o.zip64),
    compressed: over32(s.compressed, o.zip64),
    offset: over32(o.offset, o.zip64),
  };
  const values: number[] = [];
  if (big.uncompressed) values.push(s.uncompressed);
  if (big.compressed) values.push(s.compressed);
  if (big.offset) values.push(o.offset);
  const extra = Buffer.concat([
    utExtra(e.mtime),
    ...uxExtra(e.owner),
    ...(values.length ? [zip64Extra(values)] : []),
  ]);
  const isDir = (e.mode & 0o170000) === 0o040000;
  const b = Buffer.alloc(46);
  const { date, time } = dosDateTime(e.mtime);
  b.writeUInt32LE(0x02014b50, 0);
  b.writeUInt16LE(VERSION_MADE_BY, 4);
  b.writeUInt16LE(values.length || o.localZip64 ? VERSION_ZIP64 : VERSION_DEFAULT, 6);
  b.writeUInt16LE(FLAG_UTF8 | (o.dataDescriptor ? FLAG_DATA_DESCRIPTOR : 0), 8);
  b.writeUInt16LE(e.method, 10);
  b.writeUInt16LE(time, 12);
  b.writeUInt16LE(date, 14);
  b.writeUInt32LE(s.crc >>> 0, 16);
  b.writeUInt32LE(big.compressed ? MAX32 : s.compressed, 20);
  b.writeUInt32LE(big.uncompressed ? MAX32 : s.uncompressed, 24);
  b.writeUInt16LE(e.name.length, 28);
  b.writeUInt16LE(extra.length, 30);
  // comment length, disk number start, internal attributes: 0
  // External attributes: st_mode in the high 16 bits, MS-DOS directory bit for directories.
  b.writeUInt32LE((((e.mode & MAX16) << 16) | (isDir ? 0x10 : 0)) >>> 0, 38);
  b.writeUInt32LE(big.offset ? MAX32 : o.offset, 42);
  return Buffer.concat([b, e.name, extra]);
}

/**
 * What follows the central directory: the ZIP64 end of central directory
 * record and its locator when a count, size or offset does not fit (or
 * always), then the end of central directory record.
 */
export function endRecords(d: { entries: number; size: number; offset: number }, zip64: Zip64Policy): Buffer {
  const big = zip64 === 'always' || d.entries >= MAX16 || d.size >= MAX32 || d.offset >= MAX32;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(big ? MAX16 : d.entries, 8);
  end.writeUInt16LE(big ? MAX16 : d.entries, 10);
  end.writeUInt32LE(big ? MAX32 : d.size, 12);
  end.writeUInt32LE(big ? MAX32 : d.offset, 16);
  if (!big) return end;
  const rec = Buffer.alloc(56);
  rec.writeUInt32LE(0x06064b50, 0);
  u64(rec, 56 - 12, 4);
  rec.writeUInt16LE(VERSION_MADE_BY, 12);
  rec.writeUInt16LE(VERSION_ZIP64, 14);
  // this disk, disk with the central directory: 0
  u64(rec, d.entries, 24);
  u64(rec, d.entries, 32);
  u64(rec, d.size, 40);
  u64(rec, d.offset, 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  u64(locator, d.offset + d.size, 8); // the ZIP64 end record follows the central directory
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([rec, locator, end]);
}
