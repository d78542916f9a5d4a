/**
 * A thread of DeflateThreads (deflate-threads.ts): raw deflate of one block,
 * or of one small file read here, at a time, synchronously, into the output
 * buffer the job brings. Every buffer a job brings goes back with its reply;
 * the thread keeps only one buffer of its own, for reading files, so it makes
 * next to no garbage.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
import type { BlockJob, DeflateJob, DeflateReply, FileJob } from './deflate-protocol.js';
import { deflateInto } from './deflate-into.js';

const port = parentPort!;

/** Where files are read: grown to the largest file asked for, and kept. */
let scratch = Buffer.alloc(0);

function block(job: BlockJob): DeflateReply {
  const dictionary = job.dictionaryLength > 0 ? job.input.subarray(0, job.dictionaryLength) : undefined;
  const input = job.input.subarray(job.dictionaryLength, job.dictionaryLength + job.length);
  const length = deflateInto(input, job.output, { level: job.level, dictionary, final: job.final });
  return { id: job.id, ok: true, op: 'block', length, input: job.input, output: job.output };
}

function readFile(path: string, size: number): Buffer {
  if (scratch.length < size) scratch = Buffer.allocUnsafeSlow(size);
  const fd = openSync(path, 'r');
  try {
    let got = 0;
    while (got < size) {
      const n = readSync(fd, scratch, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return scratch.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

function file(job: FileJob): DeflateReply {
  const bytes = readFile(job.path, job.size);
  let length = deflateInto(bytes, job.output, { level: job.level, final: true });
  // Stored when deflating does not make it smaller, as zip does.
  const stored = length >= bytes.length;
  if (stored) {
    job.output.set(bytes);
    length = bytes.length;
  }
  return {
    id: job.id,
    ok: true,
    op: 'file',
    length,
    stored,
    crc: crc32(bytes),
    size: bytes.length,
    output: job.output,
  };
}

port.on('message', (job: DeflateJob) => {
  let reply: DeflateReply;
  try {
    reply = job.op === 'file' ? file(job) : block(job);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const input = job.op === 'block' ? job.input : undefined;
    reply = {
      id: job.id,
      ok: false,
      message: e.message,
      code: e.code,
      syscall: e.syscall,
      path: e.path,
      input,
      output: job.output,
    };
  }
  const moved = [reply.output.buffer as ArrayBuffer];
  if (reply.input) moved.push(reply.input.buffer as ArrayBuffer);
  port.postMessage(reply, moved);
});
