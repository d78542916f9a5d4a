import { open } from 'node:fs/promises';
import { CairnError, fromFsError } from '../core/errors.js';

export const shrank = (path: string): CairnError =>
  new CairnError('INTEGRITY', `${path} shrank while it was being archived`, {
    hint: 'run again when it is not being written',
  });

/** A block of bytes and whether it is the last of its stream. */
export type Block = [bytes: Buffer, last: boolean];

/**
 * The first `size` bytes of a file (its size when it was listed) in blocks of
 * `buffer.length`, each read into `buffer`: a block is valid until the next
 * one is asked for. Opening fails before any block is produced; a file that
 * has become shorter is an error. An empty file has no blocks.
 */
export async function* fileBlocks(path: string, size: number, buffer: Buffer): AsyncGenerator<Block> {
  const fh = await open(path, 'r').catch((err: unknown) => {
    throw fromFsError(err, path, 'archiving');
  });
  try {
    for (let pos = 0; pos < size;) {
      const block = buffer.subarray(0, Math.min(buffer.length, size - pos));
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
      yield [block, pos === size];
    }
  } finally {
    await fh.close();
  }
}

/** A file of `size` bytes, read whole into a buffer of its own. */
export async function readWhole(path: string, size: number): Promise<Buffer> {
  for await (const [block] of fileBlocks(path, size, Buffer.allocUnsafe(size))) return block;
  return Buffer.alloc(0);
}

/**
 * A stream regrouped into blocks of `buffer.length` bytes (the last one
 * shorter, and empty for an empty stream), each filled in `buffer`: a block is
 * valid until the next one is asked for.
 */
export async function* streamBlocks(stream: AsyncIterable<Buffer>, buffer: Buffer): AsyncGenerator<Block> {
  let length = 0;
  for await (const chunk of stream) {
    for (let at = 0; at < chunk.length;) {
      // A full block is given once more bytes show that it is not the last.
      if (length === buffer.length) {
        yield [buffer, false];
        length = 0;
      }
      const n = chunk.copy(buffer, length, at);
      length += n;
      at += n;
    }
  }
  yield [buffer.subarray(0, length), true];
}
