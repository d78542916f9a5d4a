import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { BlockJob, DeflateJob, DeflateReply, FileJob } from './deflate-protocol.js';
import { onThreadLost, startThread } from './start-thread.js';

/** A block compressed on a thread: the job's buffers, back. */
export interface DeflatedBlock {
  /** The dictionary and block given. */
  input: Buffer;
  /** The output buffer given, with the compressed bytes at its start. */
  output: Buffer;
  length: number;
}

/** A small file read and compressed on a thread. */
export interface DeflatedFile {
  /** The output buffer given, with the deflated bytes, or the file's own bytes when deflating did not make them smaller, at its start. */
  output: Buffer;
  length: number;
  stored: boolean;
  crc: number;
  /** Bytes read: less than asked when the file shrank. */
  size: number;
}

interface Pending {
  resolve: (r: Extract<DeflateReply, { ok: true }>) => void;
  reject: (err: Error) => void;
}

/** Whether `b` is the whole of its memory, which can then be moved to a thread (never Buffer's shared pool). */
const ownsMemory = (b: Uint8Array): boolean =>
  b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer.byteLength > Buffer.poolSize;

/** `b` itself when it can be moved, else a copy that can. */
const movable = (b: Uint8Array): Uint8Array => (ownsMemory(b) ? b : new Uint8Array(b));

const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** A thread's failure as an error: the system's (code, syscall, path) for a file, else zlib's. */
function replyError(r: Extract<DeflateReply, { ok: false }>): Error {
  if (!r.syscall) return new Error(`deflate: ${r.message}`);
  const err = new Error(r.message) as NodeJS.ErrnoException;
  err.code = r.code;
  err.syscall = r.syscall;
  if (r.path) err.path = r.path;
  return err;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
}

/**
 * Raw deflate on worker threads, one per core. Node's asynchronous zlib also
 * runs on other threads, but builds a zlib stream on the main thread for every
 * call: about 0.3 ms of the main thread per block, which on two cores was
 * a quarter of a zip's main-thread time. Here the main thread only posts the
 * job. The caller brings the buffers, input and output (from a BufferPool):
 * their memory moves to the thread and comes back in the result, so nothing
 * is allocated per block; a buffer given must not be used until it is back.
 * Threads start on first use and do not keep the process alive while idle.
 */
export class DeflateThreads {
  private readonly threads: Thread[] = [];
  private nextId = 1;

  constructor(readonly size = Math.max(1, availableParallelism())) {}

  /** A block: `input` holds the dictionary (its first `dictionaryLength` bytes), then the block (`length` bytes). */
  async deflate(job: Omit<BlockJob, 'id' | 'op'>): Promise<DeflatedBlock> {
    const input = movable(job.input);
    const output = movable(job.output);
    const moved = [input.buffer as ArrayBuffer, output.buffer as ArrayBuffer];
    const r = await this.send<'block'>({ ...job, op: 'block', input, output }, moved);
    return { input: asBuffer(r.input), output: asBuffer(r.output), length: r.length };
  }

  /**
   * A file of `size` bytes, read on a thread (so the main thread makes no file
   * system calls for it) and compressed whole into `output`, with its CRC-32.
   * A file that cannot be read fails with the system's error (code, syscall, path).
   */
  async deflateFile(job: Omit<FileJob, 'id' | 'op'>): Promise<DeflatedFile> {
    const output = movable(job.output);
    const r = await this.send<'file'>({ ...job, op: 'file', output }, [output.buffer as ArrayBuffer]);
    return { output: asBuffer(r.output), length: r.length, stored: r.stored, crc: r.crc, size: r.size };
  }

  /** Posts a job; the thread answers a job with a reply of the same `op`. */
  private send<Op extends DeflateJob['op']>(
    job: Omit<Extract<DeflateJob, { op: Op }>, 'id'>,
    moved: ArrayBuffer[],
  ): Promise<Extract<DeflateReply, { ok: true; op: Op }>> {
    return new Promise((resolve, reject) => {
      const t = this.pick();
      const id = this.nextId++;
      t.pending.set(id, { resolve: resolve as Pending['resolve'], reject });
      if (t.pending.size === 1) t.worker.ref();
      t.worker.postMessage({ ...job, id }, moved);
    });
  }

  /** The thread with the least work; a new one while there are fewer than `size`. */
  private pick(): Thread {
    let best: Thread | undefined;
    for (const t of this.threads) if (!best || t.pending.size < best.pending.size) best = t;
    if (best && (best.pending.size === 0 || this.threads.length >= this.size)) return best;
    return this.spawn();
  }

  private spawn(): Thread {
    const t: Thread = {
      // Its heap only holds one block's bookkeeping at a time: a small young generation keeps it small.
      worker: startThread('deflate-worker', { resourceLimits: { maxYoungGenerationSizeMb: 4 } }),
      pending: new Map(),
    };
    t.worker.on('message', (reply: DeflateReply) => {
      const p = t.pending.get(reply.id);
      t.pending.delete(reply.id);
      if (t.pending.size === 0) t.worker.unref();
      if (!p) return;
      if (reply.ok) p.resolve(reply);
      else p.reject(replyError(reply));
    });
    // A thread that dies fails its blocks; later blocks go to a new thread.
    onThreadLost(t.worker, 'deflate thread', (err) => {
      this.threads.splice(this.threads.indexOf(t), 1);
      for (const p of t.pending.values()) p.reject(err);
      t.pending.clear();
    });
    t.worker.unref();
    this.threads.push(t);
    return t;
  }
}

let shared: DeflateThreads | undefined;

/** The process's deflate threads, made on first use. */
export function deflateThreads(): DeflateThreads {
  shared ??= new DeflateThreads();
  return shared;
}
