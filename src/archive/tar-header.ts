import { CairnError } from '../core/errors.js';

/**
 * POSIX ustar headers, with a PAX extended header for names or link targets
 * that do not fit, and GNU base-256 for sizes of 8 GiB and more. Written by
 * hand because tar-stream's packer needs every entry's size before its data
 * and does not export its header encoder; command output has no size until
 * it ends. GNU tar, bsdtar and tar-stream read these headers.
 */
export interface TarHeader {
  name: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  mtime: Date;
  size: number;
  uid?: number | undefined;
  gid?: number | undefined;
  linkname?: string | undefined;
}

const BLOCK = 512;
const TYPEFLAG = { file: '0', dir: '5', symlink: '2' } as const;
const MAX_OCTAL_SIZE = 0o77777777777;

export const padding = (n: number): number => (BLOCK - (n % BLOCK)) % BLOCK;

function writeString(buf: Buffer, s: string, off: number, len: number): void {
  Buffer.from(s, 'utf8').copy(buf, off, 0, len);
}

function writeOctal(buf: Buffer, n: number, off: number, len: number): void {
  const s = Math.floor(n)
    .toString(8)
    .padStart(len - 1, '0');
  if (s.length > len - 1) throw new CairnError('INTERNAL', `tar field overflow: ${n}`);
  buf.write(`${s}\0`, off, 'ascii');
}

function writeSize(buf: Buffer, n: number): void {
  if (n <= MAX_OCTAL_SIZE) return writeOctal(buf, n, 124, 12);
  // GNU base-256: high bit set, big-endian value in the remaining 11 bytes.
  buf[124] = 0x80;
  let v = BigInt(n);
  for (let i = 135; i > 124; i--) {
    buf[i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len)
    len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

function ustar(h: TarHeader, name: string, linkname: string, typeflag: string, size: number): Buffer {
  const buf = Buffer.alloc(BLOCK);
  writeString(buf, name, 0, 100);
  writeOctal(buf, h.mode & 0o7777, 100, 8);
  writeOctal(buf, h.uid ?? 0, 108, 8);
  writeOctal(buf, h.gid ?? 0, 116, 8);
  writeSize(buf, size);
  writeOctal(buf, Math.max(0, Math.floor(h.mtime.getTime() / 1000)), 136, 12);
  buf.write(typeflag, 156, 'ascii');
  writeString(buf, linkname, 157, 100);
  buf.write('ustar\x0000', 257, 'ascii');
  buf.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of buf) sum += b;
  buf.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return buf;
}

const fits = (s: string): boolean => Buffer.byteLength(s) <= 100;

/** The header block(s) of one entry: a PAX header first when the name or link target is long. */
export function encodeTarHeader(h: TarHeader): Buffer {
  const name = h.type === 'dir' && !h.name.endsWith('/') ? `${h.name}/` : h.name;
  const linkname = h.linkname ?? '';
  const size = h.type === 'file' ? h.size : 0;
  const main = ustar(
    h,
    fits(name) ? name : name.slice(0, 99),
    fits(linkname) ? linkname : '',
    TYPEFLAG[h.type],
    size,
  );
  if (fits(name) && fits(linkname)) return main;
  const records =
    (fits(name) ? '' : paxRecord('path', name)) + (fits(linkname) ? '' : paxRecord('linkpath', linkname));
  const data = Buffer.from(records, 'utf8');
  const pax = ustar({ ...h, type: 'file' }, 'PaxHeader', '', 'x', data.length);
  return Buffer.concat([pax, data, Buffer.alloc(padding(data.length)), main]);
}

export const TAR_END = Buffer.alloc(2 * BLOCK);
