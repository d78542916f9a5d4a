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
  /** Fail with CONFLICT instead of replacing an existing object. */
  ifNoneMatch?: boolean;
  /**
   * false: the caller makes the write durable later with `sync()` (one flush for
   * many objects) before anything refers to it. Default true.
   */
  durable?: boolean;
  signal?: AbortSignal;
}

/** Called before bytes go out, so callers can rate-limit and count progress. */
export type ByteGate = (bytes: number, signal?: AbortSignal) => Promise<void>;

export interface PutFileOptions {
  size: number;
  /** Hex SHA-256 the content must have; the upload fails with INTEGRITY (and stores nothing) if it differs. */
  sha256: string;
  gate?: ByteGate;
  signal?: AbortSignal;
  /** Caps the bytes held in memory by all uploads of a run together. */
  budget?: MemoryBudget | undefined;
}

export interface PutFileResult {
  /** Bytes sent in this call. */
  uploadedBytes: number;
  /** Bytes found already stored by an interrupted earlier upload and reused. */
  resumedBytes: number;
}

/** A local file copied into the store and hashed, not yet visible under any key. */
export interface StagedFile {
  /** SHA-256 of the bytes copied. */
  readonly sha256: string;
  readonly bytes: number;
  /** Makes the copy visible as `key` (replacing an object of that key). */
  publish(key: string): Promise<void>;
  /** Removes the copy if it was not published; safe to call twice. */
  discard(): Promise<void>;
}

export interface StageOptions {
  gate?: ByteGate | undefined;
  signal?: AbortSignal | undefined;
  budget?: MemoryBudget | undefined;
}

/**
 * Object storage as cairn needs it. Keys are '/'-separated, relative to the
 * target's root or prefix. Writes are atomic: an object is visible complete
 * or not at all.
 */
export interface ObjectStore {
  readonly url: string;
  put(key: string, body: Buffer, options?: PutOptions): Promise<void>;
  /** Stream a local file into `key`, verifying its SHA-256; resumes interrupted uploads where the backend can. */
  putFile(key: string, path: string, options: PutFileOptions): Promise<PutFileResult>;
  /**
   * Copies a file into the store and hashes the copy, so content can be named
   * after one read. Only where publishing a copy under another name is free
   * (a local directory); elsewhere callers hash first and use putFile.
   */
  stageFile?(path: string, options?: StageOptions): Promise<StagedFile>;
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
  /** Abort unfinished uploads under `prefix` started before `before`; returns how many. */
  abortStaleUploads(prefix: string, before: Date): Promise<number>;
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
