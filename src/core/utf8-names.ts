import { isUtf8 } from 'node:buffer';
import { readdir } from 'node:fs/promises';

/**
 * To the kernel a file name is bytes: anything but '/' and NUL. A manifest is
 * JSON, which holds text, and Node's string paths are UTF-8: `readdir` turns
 * each byte of a name that is not valid UTF-8 into U+FFFD, and the string it
 * returns names no file, or another file (one whose name holds U+FFFD). So
 * directories are read as bytes here, and names that are not valid UTF-8 are
 * kept apart, to be reported rather than shipped under a name that is not theirs.
 */
export interface DirEntry {
  name: string;
  isFile: boolean;
  isDirectory: boolean;
}

export interface DirEntries {
  /** Entries whose names are valid UTF-8. */
  entries: DirEntry[];
  /** Entries whose names are not, with their names escaped (`escapeName`). */
  notUtf8: DirEntry[];
}

export async function readDirEntries(dir: string): Promise<DirEntries> {
  const out: DirEntries = { entries: [], notUtf8: [] };
  for (const e of await readdir(dir, { withFileTypes: true, encoding: 'buffer' })) {
    const valid = isUtf8(e.name);
    (valid ? out.entries : out.notUtf8).push({
      name: valid ? e.name.toString('utf8') : escapeName(e.name),
      isFile: e.isFile(),
      isDirectory: e.isDirectory(),
    });
  }
  return out;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Length of the UTF-8 sequence a lead byte starts (0: it starts none). */
const sequenceLength = (b: number): number =>
  b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;

const hex = (b: number): string => `\\x${b.toString(16).padStart(2, '0')}`;

/**
 * A name as one line of text a user can act on: valid UTF-8 as it is; every
 * byte that is not part of it, and every control character, as `\xNN`; a
 * backslash and a single quote escaped. That is what bash's `$'…'` reads, so
 * `mv $'bad\xff.db' good.db` renames what a warning names.
 */
export function escapeName(name: Uint8Array): string {
  let out = '';
  for (let i = 0; i < name.length;) {
    const b = name[i] as number;
    const n = sequenceLength(b);
    if (n === 1) {
      out +=
        b < 0x20 || b === 0x7f ? hex(b) : b === 0x5c ? '\\\\' : b === 0x27 ? "\\'" : String.fromCharCode(b);
      i += 1;
      continue;
    }
    const seq = n > 0 && i + n <= name.length ? name.subarray(i, i + n) : undefined;
    if (seq && isUtf8(seq)) {
      out += decoder.decode(seq);
      i += n;
    } else {
      out += hex(b);
      i += 1;
    }
  }
  return out;
}

/**
 * For a path (as bytes) that is not valid UTF-8: the first component that is
 * not, escaped, and the directory holding it. Everything below a directory so
 * named is left out with it, so that is the one to report.
 */
export function firstNotUtf8(path: Uint8Array): { dir: string; name: string; last: boolean } | undefined {
  let start = 0;
  while (start <= path.length) {
    let end = path.indexOf(0x2f, start);
    if (end === -1) end = path.length;
    const part = path.subarray(start, end);
    if (!isUtf8(part)) {
      return {
        dir:
          start === 0 ? '.' : start === 1 ? '/' : Buffer.from(path.subarray(0, start - 1)).toString('utf8'),
        name: escapeName(part),
        last: end === path.length,
      };
    }
    start = end + 1;
  }
  return undefined;
}
