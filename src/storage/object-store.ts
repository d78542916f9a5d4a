import type { Readable } from 'node:stream';
import type { ObjectWriter, WriterOptions } from './object-writer.js';
import type { MemoryBudget } from '../core/budget.js';

export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
}

export interface PutOptions {
  contentType?: string;
  /**
   * Create only: never replace an existing object. Finding the same bytes
   * already stored is success (a retried create whose first attempt was
   * stored, its answer lost); other bytes are a CONFLICT, and stay as they are.
   */
  ifNoneMatch?: boolean;
  /**
   * false: the caller makes the write durable later with `sync()` (one flush for
   * many objects) before anything refers to it. Default true.
   */
  durable?: boolean;
  /** SHA-256 of the body when the caller has it (saves hashing it again; S3 checks the bytes against it). */
  sha256?: string;
  signal?: AbortSignal;
}

/** Called before bytes go out, so callers can rate-limit and count progress. */
export type ByteGate = (bytes: number, signal?: AbortSignal) => Promise<void>;

export interface PutFileResult {
  /** Bytes sent in this call. */
  uploadedBytes: number;
  /** Bytes found already stored by an interrupted earlier upload and reused. */
  resumedBytes: number;
}

export interface TransferOptions {
  /** Paces the bytes moved (called before they go out). */
  gate?: ByteGate | undefined;
  signal?: AbortSignal | undefined;
  /** Caps the bytes held in memory by all transfers of a run together. */
  budget?: MemoryBudget | undefined;
}

/**
 * A local file read and hashed by a store, ready to be stored under a key
 * derived from its SHA-256 (content addressing names an object only after
 * its bytes are known).
 */
export interface PreparedFile {
  /** SHA-256 of the content that `store` writes. */
  readonly sha256: string;
  readonly bytes: number;
  /**
   * Writes the content as `key`, atomically. The object stored under a key is
   * always the content prepared: if the file changed since, this fails with
   * INTEGRITY and stores nothing (unless the store copied it when preparing).
   */
  store(key: string, options?: TransferOptions): Promise<PutFileResult>;
  /** Releases what preparing held (a local copy); safe to call twice. */
  discard(): Promise<void>;
}

/**
 * Object storage as cairn needs it. Keys are '/'-separated, relative to the
 * target's root or prefix. Writes are atomic: an object is visible complete
 * or not at all.
 */
export interface ObjectStore {
  readonly url: string;
  /** The directory on this machine that holds the objects, for a local target. */
  readonly localDir?: string | undefined;
  put(key: string, body: Buffer, options?: PutOptions): Promise<void>;
  /**
   * Reads and hashes a local file for storing: a local directory copies it
   * in the kernel and hashes the copy (or, when paced, copies and hashes in one
   * read); S3 hashes it (and each multipart part) on worker threads.
   */
  prepareFile(path: string, options?: TransferOptions): Promise<PreparedFile>;
  /** A streaming write of `key` (multipart for S3); the object appears only on complete(). */
  createWriter(key: string, options?: WriterOptions): Promise<ObjectWriter>;
  /** `range` is inclusive start and exclusive end, in bytes. */
  get(
    key: string,
    options?: { signal?: AbortSignal; range?: { start: number; end: number } },
  ): Promise<Readable>;
  getBuffer(key: string, options?: { signal?: AbortSignal; maxBytes?: number }): Promise<Buffer>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  delete(keys: readonly string[]): Promise<void>;
  /**
   * Removes what writes stopped midway (a SIGKILL) left: on S3 the unfinished
   * multipart uploads under `prefix` (and for which `only` holds, given the
   * key) started before `before` and with no part since; locally the
   * temporary files last written before `before` (whatever they were for).
   * `before` is in the store's time (S3's LastModified). Returns how many.
   */
  abortStaleUploads(prefix: string, before: Date, only?: (key: string) => boolean): Promise<number>;
  /** Checks that the target exists and is reachable; throws a CairnError otherwise. */
  check(options?: { create?: boolean }): Promise<void>;
  /** Make every completed write durable before something that refers to it is written. */
  sync(): Promise<void>;
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
