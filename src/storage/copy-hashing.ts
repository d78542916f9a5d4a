import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { TransferOptions } from './object-store.js';

const CHUNK = 1024 * 1024;

/**
 * Copies `src` to a new file `dest`, hashing the bytes as they are written:
 * the digest is that of the copy, whatever happens to `src` meanwhile. One read
 * of the source, and the next chunk is read while the previous one is written.
 * (`fs.copyFile` copies in the kernel, but its copy must then be read again to
 * be hashed, which measured slower, and it cannot be paced by `--max-rate`.)
 */
export async function copyHashing(
  src: string,
  dest: string,
  o: TransferOptions = {},
): Promise<{ sha256: string; bytes: number }> {
  const held = o.budget
    ? await o.budget.buffer(2 * CHUNK)
    : { buf: Buffer.allocUnsafe(2 * CHUNK), release: () => undefined };
  const halves = [held.buf.subarray(0, CHUNK), held.buf.subarray(CHUNK)];
  const hash = createHash('sha256');
  let input: FileHandle | undefined;
  let output: FileHandle | undefined;
  let writing: Promise<void> = Promise.resolve();
  try {
    input = await open(src, 'r');
    output = await open(dest, 'wx', 0o600);
    await output.chmod(0o600); // whatever the umask
    const out = output;
    let pos = 0;
    for (let turn = 0; ; turn++) {
      o.signal?.throwIfAborted();
      const buf = halves[turn % 2]!;
      const { bytesRead } = await input.read(buf, 0, CHUNK, pos);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      hash.update(chunk);
      await o.gate?.(bytesRead, o.signal);
      await writing; // the other half is free again once its write is done
      writing = writeAll(out, chunk, pos);
      writing.catch(() => undefined); // handled: awaited at the next turn or below
      pos += bytesRead;
    }
    await writing;
    return { sha256: hash.digest('hex'), bytes: pos };
  } finally {
    await writing.catch(() => undefined);
    await input?.close();
    await output?.close();
    held.release();
  }
}

async function writeAll(fh: FileHandle, chunk: Buffer, at: number): Promise<void> {
  let done = 0;
  while (done < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, done, chunk.length - done, at + done);
    done += bytesWritten;
  }
}
