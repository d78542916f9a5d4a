/** Messages between the deflate threads (deflate-threads.ts) and each thread (deflate-worker.ts). */

/**
 * A block of a stream, given by the main thread. Its buffers move to the
 * thread and come back with the reply (in an error reply too).
 */
export interface BlockJob {
  id: number;
  op: 'block';
  level: number;
  /** The dictionary (the stream's bytes before the block), then the block, then unused room. */
  input: Uint8Array;
  dictionaryLength: number;
  /** The block's length. */
  length: number;
  /** Where the output goes: room for deflateBound of the block's length. */
  output: Uint8Array;
  /** Ends the stream (Z_FINISH); otherwise the output ends with a sync flush. */
  final: boolean;
}

/** A small file, read and compressed whole on the thread into `output`. */
export interface FileJob {
  id: number;
  op: 'file';
  level: number;
  path: string;
  /** Bytes to read: the size the file had when it was listed. */
  size: number;
  /** Room for deflateBound(size) bytes; the file's own bytes go there when deflating does not make them smaller. */
  output: Uint8Array;
}

export type DeflateJob = BlockJob | FileJob;

/** The buffers a job brought, going back. */
export interface Returned {
  input?: Uint8Array | undefined;
  output: Uint8Array;
}

export type DeflateReply =
  | ({ id: number; ok: true; op: 'block'; length: number; input: Uint8Array } & Returned)
  | ({
      id: number;
      ok: true;
      op: 'file';
      /** Bytes in `output`: deflated, or the file's own when `stored`. */
      length: number;
      stored: boolean;
      crc: number;
      /** Bytes read: less than asked when the file shrank. */
      size: number;
    } & Returned)
  | ({
      id: number;
      ok: false;
      message: string;
      code?: string | undefined;
      syscall?: string | undefined;
      path?: string | undefined;
    } & Returned);
