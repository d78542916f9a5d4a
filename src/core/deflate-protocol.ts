/** Messages between the deflate threads (deflate-threads.ts) and each thread (deflate-worker.ts). */

/** A block of a stream, given by the main thread. */
export interface BlockJob {
  id: number;
  op: 'block';
  level: number;
  input: Uint8Array;
  dictionary?: Uint8Array | undefined;
  /** Ends the stream (Z_FINISH); otherwise the output ends with a sync flush. */
  final: boolean;
}

/** A small file, read and compressed whole on the thread. */
export interface FileJob {
  id: number;
  op: 'file';
  level: number;
  path: string;
  /** Bytes to read: the size the file had when it was listed. */
  size: number;
}

export type DeflateJob = BlockJob | FileJob;

/** Buffers are moved between threads, not copied: a block's input comes back with its output. */
export type DeflateReply =
  | { id: number; ok: true; op: 'block'; output: Uint8Array; input: Uint8Array }
  | {
      id: number;
      ok: true;
      op: 'file';
      /** The deflated bytes, or the file's own bytes when deflating did not make them smaller. */
      data: Uint8Array;
      stored: boolean;
      crc: number;
      /** Bytes read: less than asked when the file shrank. */
      size: number;
    }
  | {
      id: number;
      ok: false;
      message: string;
      code?: string | undefined;
      syscall?: string | undefined;
      path?: string | undefined;
    };
