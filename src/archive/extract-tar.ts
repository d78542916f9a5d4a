import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import type { Reporter } from '../core/reporter.js';
import type { ExtractTarget } from './extract-target.js';

/** Extracts a tar (gzip members too) as it streams from storage: no temporary file. */
export async function extractTar(
  source: Readable,
  gzipped: boolean,
  target: ExtractTarget,
  reporter: Reporter,
): Promise<void> {
  const ex = extract();
  const consume = (async () => {
    for await (const entry of ex) {
      const h = entry.header;
      const mtime = h.mtime ?? new Date(0);
      const mode = h.mode ?? 0o644;
      if (h.type === 'directory') {
        await target.dir(h.name, mode, mtime);
        entry.resume();
      } else if (h.type === 'symlink') {
        await target.symlink(h.name, h.linkname ?? '', mtime);
        entry.resume();
      } else if (h.type === 'file' || h.type === 'contiguous-file') {
        await target.file(h.name, mode, mtime, entry as unknown as AsyncIterable<Buffer>);
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
  await Promise.all([gzipped ? pipeline(source, createGunzip(), ex) : pipeline(source, ex), consume]);
}
