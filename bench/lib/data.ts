// Test data on disk: directories of random files, made once and reused while
// their sizes match; reading them back so every tool starts with a warm page cache.
import { execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const DEFAULT_DATA = join(REPO, '.bench-data');

export function dataDir(flag: string | undefined): string {
  const dir = resolve(flag ?? DEFAULT_DATA);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function formatSize(bytes: number): string {
  const short = (n: number) => String(Number(n.toFixed(2)));
  if (bytes >= GiB) return `${short(bytes / GiB)} GiB`;
  if (bytes >= MiB) return `${short(bytes / MiB)} MiB`;
  return `${short(bytes / KiB)} KiB`;
}

export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

/** Throws unless `dir`'s filesystem has `bytes` free plus 1 GiB to spare. */
export function needSpace(dir: string, bytes: number, what: string): void {
  const free = freeBytes(dir);
  if (free < bytes + GiB) {
    throw new Error(
      `${what} needs ${formatSize(Math.ceil(bytes / MiB) * MiB)} (+1 GiB spare) in ${dir}; only ${(free / GiB).toFixed(1)} GiB free`,
    );
  }
}

/** How many more bytes `makeFiles(dir, count, size)` would write. */
export function missingBytes(dir: string, count: number, size: number): number {
  return existsSync(`${dir}.done`) && readFileSync(`${dir}.done`, 'utf8') === `${count}x${size}`
    ? 0
    : count * size;
}

/**
 * `count` files of `size` bytes in `dir`, each different random data (no tool
 * can deduplicate them). With `block`, each file repeats one random block of
 * that size instead, which is faster to write and as incompressible. A marker
 * beside the directory makes a later run reuse it.
 */
export function makeFiles(dir: string, count: number, size: number, block?: number): void {
  const marker = `${dir}.done`;
  if (missingBytes(dir, count, size) === 0) return;
  rmSync(dir, { recursive: true, force: true });
  rmSync(marker, { force: true });
  mkdirSync(dir, { recursive: true });
  const chunk = Buffer.allocUnsafe(block ?? Math.min(size, 4 * MiB));
  if (block) randomFillSync(chunk);
  const width = String(count - 1).length;
  for (let i = 0; i < count; i++) {
    const fd = openSync(join(dir, `f${String(i).padStart(width, '0')}`), 'w');
    try {
      for (let done = 0; done < size;) {
        const n = Math.min(chunk.length, size - done);
        if (!block) randomFillSync(chunk, 0, n);
        done += writeSync(fd, chunk, 0, n);
      }
    } finally {
      closeSync(fd);
    }
  }
  writeFileSync(marker, `${count}x${size}`);
}

/** Reads every file under `dir` so it is in the page cache; returns the bytes read. */
export function warm(dir: string): number {
  const buf = Buffer.allocUnsafe(4 * MiB);
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const fd = openSync(join(e.parentPath, e.name), 'r');
    try {
      for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) total += n;
    } finally {
      closeSync(fd);
    }
  }
  return total;
}

export function treeBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += statSync(join(e.parentPath, e.name)).size;
  }
  return total;
}

/** Writes back every dirty page (the S3 server's too), so one run's writes do not slow the next. */
export function syncAll(): void {
  execFileSync('sync');
}
