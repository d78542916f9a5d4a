/**
 * A streaming, atomic write of one object: bytes are appended in order, and a
 * `hole` reserves a known number of bytes to be filled later (a tar header
 * whose size is only known once its data has streamed). Nothing is visible
 * until `complete`; `abort` leaves nothing behind.
 */
export interface ObjectWriter {
  /** Copies or writes `chunk` before it settles: the caller may reuse it then. */
  write(chunk: Buffer): Promise<void>;
  hole(length: number): number;
  fill(hole: number, bytes: Buffer): Promise<void>;
  /** Total bytes written so far, holes included. */
  readonly size: number;
  complete(): Promise<{ size: number }>;
  abort(): Promise<void>;
}

export interface WriterOptions {
  contentType?: string;
  /**
   * Fail with CONFLICT instead of replacing an existing object (a hard link
   * locally; `If-None-Match: *` on S3, with a check of the name just before the
   * upload is completed for servers that ignore it on CompleteMultipartUpload).
   */
  ifNoneMatch?: boolean;
  signal?: AbortSignal;
  /**
   * Parts uploaded at once (S3), each holding a part's bytes in memory; default
   * the store's part concurrency. A slow producer (compression) needs fewer.
   */
  partsInFlight?: number;
}

/** Wraps a writer so every failure comes out as the store's own error type. */
export function mapWriterErrors(w: ObjectWriter, map: (err: unknown) => Error): ObjectWriter {
  const wrap =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      try {
        return await fn(...a);
      } catch (err) {
        throw map(err);
      }
    };
  return {
    write: wrap((c: Buffer) => w.write(c)),
    hole: (n: number) => w.hole(n),
    fill: wrap((id: number, b: Buffer) => w.fill(id, b)),
    get size() {
      return w.size;
    },
    complete: wrap(() => w.complete()),
    abort: () => w.abort(),
  };
}
