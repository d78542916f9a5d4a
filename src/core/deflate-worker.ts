/**
 * A thread of DeflateThreads (deflate-threads.ts): raw deflate of one block at
 * a time, synchronously. The input is moved here and back, and the output is
 * moved out: no buffer stays on this thread, whose heap rarely collects.
 */
import { parentPort } from 'node:worker_threads';
import { constants, deflateRawSync } from 'node:zlib';
import type { DeflateJob, DeflateReply } from './deflate-protocol.js';
import { deflateBound } from './deflate-bound.js';

const port = parentPort!;
port.on('message', (job: DeflateJob) => {
  let reply: DeflateReply;
  let transfer: ArrayBuffer[];
  try {
    const out = deflateRawSync(job.input, {
      level: job.level,
      ...(job.dictionary ? { dictionary: job.dictionary } : {}),
      finishFlush: job.final ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
      // Room for the whole output in one go.
      chunkSize: Math.max(64, deflateBound(job.input.length)),
    });
    // zlib's own output buffer is moved unless it is a slice of Buffer's shared pool.
    const output = out.buffer.byteLength > Buffer.poolSize ? out : new Uint8Array(out);
    reply = { id: job.id, ok: true, output, input: job.input };
    transfer = [output.buffer];
  } catch (err) {
    reply = {
      id: job.id,
      ok: false,
      message: err instanceof Error ? err.message : String(err),
      input: job.input,
    };
    transfer = [];
  }
  // The dictionary goes back too, to be freed by the main thread's collector.
  transfer.push(job.input.buffer as ArrayBuffer);
  if (job.dictionary) transfer.push(job.dictionary.buffer as ArrayBuffer);
  port.postMessage({ ...reply, dictionary: job.dictionary }, transfer);
});
