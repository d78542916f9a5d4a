/** Messages between the deflate threads (deflate-threads.ts) and each thread (deflate-worker.ts). */
export interface DeflateJob {
  id: number;
  level: number;
  input: Uint8Array;
  dictionary?: Uint8Array | undefined;
  /** Ends the stream (Z_FINISH); otherwise the output ends with a sync flush. */
  final: boolean;
}

/** The input comes back with the output: both are moved between threads, not copied. */
export type DeflateReply =
  | { id: number; ok: true; output: Uint8Array; input: Uint8Array }
  | { id: number; ok: false; message: string; input: Uint8Array };
