import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { onThreadLost, startThread } from './start-thread.js';
import type { HashJob, HashReply, HashResult } from './hash-protocol.js';

type JobSpec =
  { op: 'hash'; path: string; partSize?: number | undefined } | { op: 'copy'; src: string; dest: string };

interface Pending {
  job: HashJob;
  signal?: AbortSignal | undefined;
  resolve: (r: HashResult) => void;
  reject: (err: Error) => void;
}

interface Thread {
  worker: Worker;
  cancel: Int32Array;
  busy?: Pending | undefined;
}

/**
 * Hashes files on worker threads: Node computes a hash on the thread that asks
 * for it, so hashing large files on the main thread caps a run at one core and
 * stalls its network work. Threads start on first use and do not keep the
 * process alive while idle.
 */
export class HashPool {
  private readonly threads: Thread[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;

  constructor(private readonly size = Math.max(2, availableParallelism())) {}

  /** SHA-256 of a file, and of each `partSize` slice of it when given. */
  hashFile(path: string, options: { partSize?: number; signal?: AbortSignal } = {}): Promise<HashResult> {
    return this.run({ op: 'hash', path, partSize: options.partSize }, options.signal);
  }

  /** Copies `src` to the new file `dest` (mode 0600: it is in a private repository), returning the SHA-256 of the bytes written. */
  copyFile(src: string, dest: string, options: { signal?: AbortSignal } = {}): Promise<HashResult> {
    return this.run({ op: 'copy', src, dest }, options.signal);
  }

  private run(spec: JobSpec, signal: AbortSignal | undefined): Promise<HashResult> {
    return new Promise<HashResult>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const job = { ...spec, id: this.nextId++ };
      const onAbort = (): void => this.abort(p);
      const done = (): void => signal?.removeEventListener('abort', onAbort);
      const p: Pending = {
        job,
        signal,
        resolve: (r) => {
          done();
          resolve(r);
        },
        reject: (err) => {
          done();
          reject(err);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(p);
      this.dispatch();
    });
  }

  private abort(p: Pending): void {
    const queued = this.queue.indexOf(p);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      p.reject(abortError(p.signal));
      return;
    }
    const t = this.threads.find((x) => x.busy === p);
    if (t) Atomics.store(t.cancel, 0, p.job.id); // the thread stops at its next chunk and replies
  }

  private dispatch(): void {
    for (;;) {
      const next = this.queue[0];
      if (!next) return;
      const t = this.threads.find((x) => !x.busy) ?? this.spawn();
      if (!t) return;
      this.queue.shift();
      t.busy = next;
      t.worker.ref();
      t.worker.postMessage(next.job);
    }
  }

  private spawn(): Thread | undefined {
    if (this.threads.length >= this.size) return undefined;
    const cancel = new SharedArrayBuffer(4);
    const t: Thread = {
      worker: startThread('hash-worker', { workerData: { cancel } }),
      cancel: new Int32Array(cancel),
    };
    t.worker.on('message', (reply: HashReply) => {
      const p = t.busy;
      t.busy = undefined;
      t.worker.unref();
      if (p) settle(p, reply);
      this.dispatch();
    });
    // A thread that dies fails its job; the next job gets a new thread.
    onThreadLost(t.worker, 'hashing thread', (err) => {
      this.threads.splice(this.threads.indexOf(t), 1);
      t.busy?.reject(err);
      t.busy = undefined;
      this.dispatch();
    });
    t.worker.unref();
    this.threads.push(t);
    return t;
  }
}

function settle(p: Pending, reply: HashReply): void {
  if (reply.ok) {
    p.resolve({ sha256: reply.sha256, bytes: reply.bytes, parts: reply.parts });
    return;
  }
  if (reply.error.name === 'AbortError') {
    p.reject(abortError(p.signal));
    return;
  }
  const err = new Error(reply.error.message) as NodeJS.ErrnoException;
  if (reply.error.code) err.code = reply.error.code;
  if (reply.error.syscall) err.syscall = reply.error.syscall;
  if (reply.error.path) err.path = reply.error.path;
  p.reject(err);
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException('The operation was aborted', 'AbortError');
}

let shared: HashPool | undefined;

/** The process's pool, made on first use. */
export function hashPool(): HashPool {
  shared ??= new HashPool();
  return shared;
}
