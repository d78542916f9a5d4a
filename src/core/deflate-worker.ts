/**
 * A thread of DeflateThreads (deflate-threads.ts): raw deflate of one block,
 * or one small file read here, at a time, synchronously. Buffers are moved to
 * the main thread, not left here: this thread's heap rarely collects, and
 * whatever it holds waits for that.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { constants, crc32, deflateRawSync } from 'node:zlib';
import type { BlockJob, DeflateJob, DeflateReply, FileJob } from './deflate-protocol.js';
import { deflateBound } from './deflate-bound.js';

const port = parentPort!;

function deflate(input: Uint8Array, level: number, final: boolean, dictionary?: Uint8Array): Buffer {
  return deflateRawSync(input, {
    level,
    ...(dictionary ? { dictionary } : {}),
    finishFlush: final ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
    // Room for the whole output in one go.
    chunkSize: Math.max(64, deflateBound(input.length)),
  });
}

/** `b` when its memory can be moved (not a slice of Buffer's shared pool; the whole of it goes, even past `b`), else a copy. */
const unpooled = (b: Buffer): Uint8Array => (b.buffer.byteLength > Buffer.poolSize ? b : new Uint8Array(b));

function block(job: BlockJob): [DeflateReply, ArrayBuffer[]] {
  const output = unpooled(deflate(job.input, job.level, job.final, job.dictionary));
  const moved = [output.buffer as ArrayBuffer, job.input.buffer as ArrayBuffer];
  // The dictionary goes back too, to be freed by the main thread's collector.
  if (job.dictionary) moved.push(job.dictionary.buffer as ArrayBuffer);
  return [{ id: job.id, ok: true, op: 'block', output, input: job.input }, moved];
}

function readFile(path: string, size: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafeSlow(size); // memory of its own, never the shared pool
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buf, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

function file(job: FileJob): [DeflateReply, ArrayBuffer[]] {
  const bytes = readFile(job.path, job.size);
  const out = deflate(bytes, job.level, true);
  // Stored when deflating does not make it smaller, as zip does.
  const stored = out.length >= bytes.length;
  const data = stored ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) : unpooled(out);
  const reply: DeflateReply = {
    id: job.id,
    ok: true,
    op: 'file',
    data,
    stored,
    crc: crc32(bytes),
    size: bytes.length,
  };
  return [reply, [data.buffer as ArrayBuffer]];
}

port.on('message', (job: DeflateJob) => {
  let reply: DeflateReply;
  let moved: ArrayBuffer[];
  try {
    [reply, moved] = job.op === 'file' ? file(job) : block(job);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    reply = { id: job.id, ok: false, message: e.message, code: e.code, syscall: e.syscall, path: e.path };
    moved = [];
  }
  port.postMessage(reply, moved);
});
