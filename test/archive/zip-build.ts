// A tiny zip writer for hand-built (hostile or odd) archives: stored entries, Unix modes in the
// external attributes, an optional Info-ZIP "ux" (0x7875) owner field, names repeated at will.
import { crc32 } from 'node:zlib';

export interface ZipItem {
  name: string;
  /** Full st_mode: file type and permission bits (0o100644, 0o040755, 0o120777). */
  mode: number;
  data?: Buffer | string;
  owner?: { uid: number; gid: number };
}

const DOS_DATE_1980 = 0x21;

function uxExtra(o: { uid: number; gid: number }): Buffer {
  const b = Buffer.alloc(15);
  b.writeUInt16LE(0x7875, 0);
  b.writeUInt16LE(11, 2);
  b.writeUInt8(1, 4);
  b.writeUInt8(4, 5);
  b.writeUInt32LE(o.uid, 6);
  b.writeUInt8(4, 10);
  b.writeUInt32LE(o.gid, 11);
  return b;
}

export function zipOf(items: ZipItem[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const it of items) {
    const name = Buffer.from(it.name, 'utf8');
    const data = Buffer.from(it.data ?? '');
    const extra = it.owner ? uxExtra(it.owner) : Buffer.alloc(0);
    const crc = crc32(data);
    const l = Buffer.alloc(30);
    l.writeUInt32LE(0x04034b50, 0);
    l.writeUInt16LE(20, 4);
    l.writeUInt16LE(0x0800, 6);
    l.writeUInt16LE(0, 8);
    l.writeUInt16LE(0, 10);
    l.writeUInt16LE(DOS_DATE_1980, 12);
    l.writeUInt32LE(crc, 14);
    l.writeUInt32LE(data.length, 18);
    l.writeUInt32LE(data.length, 22);
    l.writeUInt16LE(name.length, 26);
    l.writeUInt16LE(extra.length, 28);
    const local = Buffer.concat([l, name, extra, data]);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE((3 << 8) | 30, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x0800, 8);
    c.writeUInt16LE(0, 10);
    c.writeUInt16LE(0, 12);
    c.writeUInt16LE(DOS_DATE_1980, 14);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(data.length, 20);
    c.writeUInt32LE(data.length, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt16LE(extra.length, 30);
    c.writeUInt32LE(((it.mode & 0xffff) << 16) >>> 0, 38);
    c.writeUInt32LE(offset, 42);
    centrals.push(Buffer.concat([c, name, extra]));
    locals.push(local);
    offset += local.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(items.length, 8);
  end.writeUInt16LE(items.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
