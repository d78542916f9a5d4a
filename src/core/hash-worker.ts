/**
 * A hashing thread of HashPool (hash-pool.ts). SHA-256 runs on the thread that
 * calls it, so file hashing is done here, off the main thread, with plain
 * synchronous reads: one job at a time per thread, several threads.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { chmodSync, closeSync, constants, copyFileSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { HashJob, HashReply } from './hash-protocol.js';

const CHUNK = 1024 * 1024;
const buf = Buffer.allocUnsafe(CHUNK);
const cancelled = new Int32Array((workerData as { cancel: SharedArrayBuffer }).cancel);

class Cancelled extends Error {
  override name = 'AbortError';
}

function readLoop(job: HashJob, fd: number, each: (chunk: Buffer, at: number) => void): number {
  let pos = 0;
  for (;;) {
    if (Atomics.load(cancelled, 0) === job.id) throw new Cancelled('cancelled');
    const n = readSync(fd, buf, 0, CHUNK, pos);
    if (n === 0) return pos;
    each(buf.subarray(0, n), pos);
    pos += n;
  }
}

function hashFile(job: Extract<HashJob, { op: 'hash' }>): HashReply {
  const whole = createHash('sha256');
  const parts: string[] = [];
  const size = job.partSize;
  let part: Hash | undefined = size ? createHash('sha256') : undefined;
  let partLeft = size ?? 0;
  const fd = openSync(job.path, 'r');
  try {
    const bytes = readLoop(job, fd, (chunk) => {
      whole.update(chunk);
      if (!size) return;
      let off = 0;
      while (off < chunk.length) {
        const take = Math.min(partLeft, chunk.length - off);
        part!.update(chunk.subarray(off, off + take));
        off += take;
        partLeft -= take;
        if (partLeft === 0) {
          parts.push(part!.digest('hex'));
          part = createHash('sha256');
          partLeft = size;
        }
      }
    });
    if (size && (partLeft < size || parts.length === 0)) parts.push(part!.digest('hex'));
    return { id: job.id, ok: true, sha256: whole.digest('hex'), bytes, ...(size ? { parts } : {}) };
  } finally {
    closeSync(fd);
  }
}

/**
 * Copies in the kernel (a reflink where the filesystem has them, else
 * copy_file_range: no bytes pass through this process), then hashes the copy.
 * The hash is of the bytes stored, whatever the source did meanwhile; the
 * caller compares the source's version before and after. That is a fraction
 * of the CPU of reading, hashing and writing through a buffer here. The copy
 * itself cannot be cancelled midway; the hashing can.
 */
function copyFile(job: Extract<HashJob, { op: 'copy' }>): HashReply {
  copyFileSync(job.src, job.dest, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
  chmodSync(job.dest, 0o600);
  const hash = createHash('sha256');
  const fd = openSync(job.dest, 'r');
  try {
    const bytes = readLoop(job, fd, (chunk) => hash.update(chunk));
    return { id: job.id, ok: true, sha256: hash.digest('hex'), bytes };
  } finally {
    closeSync(fd);
  }
}

parentPort!.on('message', (job: HashJob) => {
  let reply: HashReply;
  try {
    reply = job.op === 'hash' ? hashFile(job) : copyFile(job);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    reply = {
      id: job.id,
      ok: false,
      error: { name: e.name, message: e.message, code: e.code, syscall: e.syscall, path: e.path },
    };
  }
  parentPort!.postMessage(reply);
});
