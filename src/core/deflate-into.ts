import { constants, DeflateRaw, deflateRawSync } from 'node:zlib';

export interface DeflateIntoOptions {
  level: number;
  /** The 32 KiB (at most) of the stream before `input`. */
  dictionary?: Uint8Array | undefined;
  /** Ends the stream (Z_FINISH); otherwise the output ends with a sync flush. */
  final: boolean;
}

/** The parts of Node's zlib object that its own synchronous functions use. */
interface ZlibEngine {
  _handle?: {
    writeSync?: (
      flush: number,
      input: Uint8Array,
      inputOffset: number,
      inputLength: number,
      output: Uint8Array,
      outputOffset: number,
      outputLength: number,
    ) => void;
  };
  _writeState?: Uint32Array;
}

/**
 * Raw deflate of `input` into `output`, which must have room for
 * deflateBound(input.length) bytes; returns the bytes written.
 *
 * Node's zlib functions return their output in a new buffer each time, which
 * is garbage once copied: a gigabyte compressed is a gigabyte of buffers left
 * for the collector, and a thread that allocates little else collects them
 * late (20 MiB or more each were measured waiting). Node's zlib object writes
 * into any buffer it is given (its synchronous functions call
 * `_handle.writeSync(flush, in, inOff, inLen, out, outOff, outLen)` and read
 * what is left of both from `_writeState`), so that call is made here with the
 * caller's buffer. Where a Node.js version no longer has them, deflateRawSync
 * and a copy give the same bytes (`viaEngine: false` takes that way).
 */
/** The writeSync call and its state, when this Node.js has them. */
function engineCall(engine: DeflateRaw): { inner: ZlibEngine; state: Uint32Array } | undefined {
  const inner = engine as unknown as ZlibEngine;
  const state = inner._writeState;
  if (typeof inner._handle?.writeSync !== 'function' || !(state instanceof Uint32Array) || state.length < 2)
    return undefined;
  return { inner, state };
}

/** Whether this Node.js lets deflateInto write into the caller's buffer (else it copies). */
export function deflatesInPlace(): boolean {
  const engine = new DeflateRaw();
  try {
    return engineCall(engine) !== undefined;
  } finally {
    engine.close();
  }
}

export function deflateInto(
  input: Uint8Array,
  output: Uint8Array,
  o: DeflateIntoOptions,
  viaEngine = true,
): number {
  const flush = o.final ? constants.Z_FINISH : constants.Z_SYNC_FLUSH;
  const settings = { level: o.level, chunkSize: 64, ...(o.dictionary ? { dictionary: o.dictionary } : {}) };
  const engine = new DeflateRaw(settings);
  const call = viaEngine ? engineCall(engine) : undefined;
  if (!call) {
    engine.close();
    const out = deflateRawSync(input, { ...settings, finishFlush: flush, chunkSize: output.length });
    if (out.length > output.length) throw new Error('deflate: output larger than its bound');
    output.set(out);
    return out.length;
  }
  let failure: Error | undefined;
  engine.on('error', (err: Error) => (failure = err));
  try {
    call.inner._handle!.writeSync!(flush, input, 0, input.length, output, 0, output.length);
  } finally {
    engine.close();
  }
  if (failure) throw failure;
  const [outputLeft = 0, inputLeft = 0] = call.state;
  // Output that filled the buffer may not be complete: the buffer was smaller than the bound.
  if (inputLeft !== 0 || outputLeft === 0) throw new Error('deflate: output larger than its bound');
  return output.length - outputLeft;
}
