import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import type { Reporter } from '../core/reporter.js';
import type { ExtractTarget } from './extract-target.js';

/** What was read of the stored archive: every byte, as stored. */
export interface StoredDigest {
  sha256: string;
  bytes: number;
}

/** A pass-through that hashes everything that flows through it. */
export function digestingStream(): { stream: Transform; digest: () => StoredDigest } {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  return { stream, digest: () => ({ sha256: hash.digest('hex'), bytes }) };
}

/**
 * Extracts a tar (gzip members too) as it streams from storage, with no
 * temporary copy: files are staged by the target, and the SHA-256 of the
 * stored bytes is returned for the caller to check before it commits.
 */
export async function extractTar(
  source: Readable,
  gzipped: boolean,
  target: ExtractTarget,
  reporter: Reporter,
): Promise<StoredDigest> {
  const ex = extract();
  const consume = (async () => {
    for await (const entry of ex) {
      const h = entry.header;
      const mtime = h.mtime ?? new Date(0);
      const mode = h.mode ?? 0o644;
      const owner = h.uid !== undefined && h.gid !== undefined ? { uid: h.uid, gid: h.gid } : undefined;
      if (h.type === 'directory') {
        await target.dir(h.name, mode, mtime, owner);
        entry.resume();
      } else if (h.type === 'symlink') {
        await target.symlink(h.name, h.linkname ?? '', mtime, owner);
        entry.resume();
      } else if (h.type === 'file' || h.type === 'contiguous-file') {
        await target.file(h.name, mode, mtime, entry as unknown as AsyncIterable<Buffer>, owner);
      } else {
        reporter.event({
          level: 'warn',
          type: 'archive.restore.skip',
          message: `skipped ${h.name} (${h.type} entries are not restored)`,
        });
        entry.resume();
      }
    }
  })();
  const d = digestingStream();
  // Both settle before this returns: the caller undoes the extraction only once nothing writes.
  const [read, wrote] = await Promise.allSettled([
    gzipped ? pipeline(source, d.stream, createGunzip(), ex) : pipeline(source, d.stream, ex),
    consume,
  ]);
  if (wrote.status === 'rejected') throw wrote.reason;
  if (read.status === 'rejected') throw read.reason;
  return d.digest();
}
