import { open } from 'node:fs/promises';
import { CairnError, fromFsError } from '../core/errors.js';

export const shrank = (path: string): CairnError =>
  new CairnError('INTEGRITY', `${path} shrank while it was being archived`, {
    hint: 'run again when it is not being written',
  });

/**
 * The first `size` bytes of a file (its size when it was listed) in blocks of
 * `blockSize`, each in a buffer of its own. Opening fails before any block
 * is produced; a file that has become shorter is an error.
 */
export async function* fileBlocks(path: string, size: number, blockSize: number): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r').catch((err: unknown) => {
    throw fromFsError(err, path, 'archiving');
  });
  try {
    for (let pos = 0; pos < size;) {
      const block = Buffer.allocUnsafe(Math.min(blockSize, size - pos));
      for (let got = 0; got < block.length;) {
        const { bytesRead } = await fh
          .read(block, got, block.length - got, pos + got)
          .catch((err: unknown) => {
            throw fromFsError(err, path, 'archiving');
          });
        if (bytesRead === 0) throw shrank(path);
        got += bytesRead;
      }
      pos += block.length;
      yield block;
    }
  } finally {
    await fh.close();
  }
}

/** A file of at most one block, read whole. */
export async function readWhole(path: string, size: number): Promise<Buffer> {
  for await (const block of fileBlocks(path, size, size)) return block;
  return Buffer.alloc(0);
}

/** A stream regrouped into blocks of `blockSize` bytes (the last one shorter). */
export async function* streamBlocks(
  stream: AsyncIterable<Buffer>,
  blockSize: number,
): AsyncGenerator<Buffer> {
  let block = Buffer.allocUnsafe(blockSize);
  let length = 0;
  for await (const chunk of stream) {
    for (let at = 0; at < chunk.length;) {
      const n = chunk.copy(block, length, at, Math.min(chunk.length, at + blockSize - length));
      length += n;
      at += n;
      if (length === blockSize) {
        yield block;
        block = Buffer.allocUnsafe(blockSize);
        length = 0;
      }
    }
  }
  if (length > 0) yield block.subarray(0, length);
}

/** Each item with whether it is the last one (one item of look-ahead). */
export async function* withLast<T>(items: AsyncIterable<T>): AsyncGenerator<[T, boolean]> {
  const it = items[Symbol.asyncIterator]();
  try {
    let cur = await it.next();
    while (!cur.done) {
      const next = await it.next();
      yield [cur.value, next.done === true];
      cur = next;
    }
  } finally {
    await it.return?.();
  }
}
