import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3Client, ServerSideEncryption } from '@aws-sdk/client-s3';
import { CairnError } from '../core/errors.js';
import type { ObjectWriter } from './object-writer.js';
import { multipartEtag, storedEquals, storedEtag } from './s3-conditional.js';
import { conflictingObject, isPreconditionFailed } from './s3-errors.js';

/** S3's limits: parts per upload, and the size of one part. */
const MAX_PARTS = 10_000;
const MAX_PART_BYTES = 5 * 1024 ** 3;

/**
 * The size of part `n` of a stream whose length is unknown: `base` for the
 * first `perStep` parts, then doubling every `perStep` parts. With 5 MiB (S3's
 * smallest part) and 950 the first 4.6 GiB keep memory at its smallest, a
 * 100 GiB stream uses 80 MiB parts, and the 10,000 parts S3 allows reach past
 * its 5 TiB object limit (7.1 TiB), where a fixed 5 MiB would stop at 49 GiB.
 */
export function streamPartSize(base: number, n: number, perStep = 950): number {
  return Math.min(MAX_PART_BYTES, base * 2 ** Math.floor((n - 1) / perStep));
}

export interface S3WriterTarget {
  client: S3Client;
  bucket: string;
  key: string;
  /** Size of the first parts; see streamPartSize. */
  partSizeBytes: number;
  /** Parts between doublings of the part size (default 950). */
  partsPerStep?: number | undefined;
  concurrency: number;
  contentType?: string | undefined;
  /** Never replace an existing object: see WriterOptions.ifNoneMatch. */
  ifNoneMatch?: boolean | undefined;
  sse: { ServerSideEncryption?: ServerSideEncryption; SSEKMSKeyId?: string };
  signal?: AbortSignal | undefined;
}

interface Part {
  n: number;
  /** Bytes the part takes before the next one starts. */
  size: number;
  buf: Buffer;
  length: number;
  open: Set<number>;
}

/**
 * Streams an object to S3 as a multipart upload, part by part, with a bounded
 * number of parts in flight. A part holding an unfilled hole is kept in memory
 * until the hole is filled (S3 parts may be uploaded in any order). An object
 * smaller than one part is sent with a single PutObject. lib-storage's Upload
 * cannot patch bytes already written, hence this class.
 */
export class S3Writer implements ObjectWriter {
  private starting: Promise<string> | undefined;
  private aborted = false;
  private current: Part;
  private readonly held = new Map<number, Part>();
  private readonly holes = new Map<number, { part: Part; at: number; length: number }>();
  private readonly etags: string[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private failure: unknown;
  private total = 0;
  private nextHole = 0;

  constructor(private readonly t: S3WriterTarget) {
    this.current = this.newPart(1);
  }

  /** Buffers of parts already sent, reused: memory stays at (parts in flight + 1) × part size. */
  private readonly spare: Buffer[] = [];

  private newPart(n: number): Part {
    // Past the last part S3 allows, an empty part: writing to it fails (see write).
    const size = n > MAX_PARTS ? 0 : streamPartSize(this.t.partSizeBytes, n, this.t.partsPerStep);
    // Spares of a smaller part size are left to the collector once parts grow.
    while (this.spare.length && this.spare[this.spare.length - 1]!.length !== size) this.spare.pop();
    const buf = this.spare.pop() ?? Buffer.allocUnsafe(size);
    return { n, size, buf, length: 0, open: new Set() };
  }

  get size(): number {
    return this.total;
  }

  private append(bytes: Buffer): void {
    const p = this.current;
    if (p.length + bytes.length > p.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(p.buf.length * 2, p.length + bytes.length));
      p.buf.copy(bigger, 0, 0, p.length);
      p.buf = bigger;
    }
    bytes.copy(p.buf, p.length);
    p.length += bytes.length;
    this.total += bytes.length;
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.aborted) throw new CairnError('INTERRUPTED', 'write after abort');
    if (this.failure) throw this.failure as Error;
    let rest = chunk;
    while (rest.length) {
      if (this.current.n > MAX_PARTS)
        throw new CairnError('USAGE', `${this.t.key} is larger than S3 allows in one object (5 TiB)`, {
          hint: 'split it, e.g. one archive per directory',
        });
      const room = this.current.size - this.current.length;
      const take = rest.subarray(0, Math.max(room, 0));
      if (take.length) this.append(take);
      rest = rest.subarray(take.length);
      if (this.current.length >= this.current.size) await this.seal();
    }
  }

  hole(length: number): number {
    const id = this.nextHole++;
    this.holes.set(id, { part: this.current, at: this.current.length, length });
    this.current.open.add(id);
    this.append(Buffer.alloc(length));
    return id;
  }

  async fill(id: number, bytes: Buffer): Promise<void> {
    const h = this.holes.get(id);
    if (!h || bytes.length !== h.length) throw new CairnError('INTERNAL', `bad fill of hole ${id}`);
    bytes.copy(h.part.buf, h.at);
    h.part.open.delete(id);
    this.holes.delete(id);
    if (h.part.open.size === 0 && this.held.delete(h.part.n)) await this.send(h.part);
  }

  private async seal(): Promise<void> {
    const p = this.current;
    this.current = this.newPart(p.n + 1);
    if (p.open.size) this.held.set(p.n, p);
    else await this.send(p);
  }

  private start(): Promise<string> {
    if (this.aborted) return Promise.reject(new CairnError('INTERRUPTED', 'upload aborted'));
    this.starting ??= this.create();
    return this.starting;
  }

  private async create(): Promise<string> {
    const res = await this.t.client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.t.bucket,
        Key: this.t.key,
        ...(this.t.contentType ? { ContentType: this.t.contentType } : {}),
        ...this.t.sse,
      }),
      { abortSignal: this.t.signal },
    );
    if (!res.UploadId) throw new CairnError('INTERNAL', `no upload id for ${this.t.key}`);
    return res.UploadId;
  }

  private async send(p: Part): Promise<void> {
    while (this.inflight.size >= this.t.concurrency) await Promise.race(this.inflight);
    if (this.failure) throw this.failure as Error;
    const id = await this.start();
    if (this.aborted) throw new CairnError('INTERRUPTED', 'upload aborted');
    const body = p.buf.subarray(0, p.length);
    const job: Promise<void> = this.t.client
      .send(
        new UploadPartCommand({
          Bucket: this.t.bucket,
          Key: this.t.key,
          UploadId: id,
          PartNumber: p.n,
          Body: body,
          ContentLength: body.length,
        }),
        { abortSignal: this.t.signal },
      )
      .then((res) => {
        if (!res.ETag) throw new CairnError('INTERNAL', `no ETag for part ${p.n}`);
        this.etags[p.n - 1] = res.ETag;
      })
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => {
        this.inflight.delete(job);
        if (p.buf.length === p.size && this.spare.length < this.t.concurrency) this.spare.push(p.buf);
      });
    this.inflight.add(job);
  }

  async complete(): Promise<{ size: number }> {
    if (this.holes.size) throw new CairnError('INTERNAL', 'object completed with an unfilled hole');
    const last = this.current;
    const ifNoneMatch = this.t.ifNoneMatch ? { IfNoneMatch: '*' } : {};
    if (!this.starting && this.held.size === 0) {
      const body = last.buf.subarray(0, last.length);
      try {
        await this.t.client.send(
          new PutObjectCommand({
            Bucket: this.t.bucket,
            Key: this.t.key,
            Body: body,
            ContentLength: last.length,
            ...(this.t.contentType ? { ContentType: this.t.contentType } : {}),
            ...ifNoneMatch,
            ...this.t.sse,
          }),
          { abortSignal: this.t.signal },
        );
      } catch (err) {
        if (!this.t.ifNoneMatch || !isPreconditionFailed(err)) throw err;
        // Our own earlier attempt, stored with its answer lost, or another object.
        if (!(await storedEquals(this.t.client, this.t.bucket, this.t.key, body)))
          throw conflictingObject(`writing ${this.t.key}`, err);
      }
      return { size: this.total };
    }
    if (last.length > 0) await this.send(last);
    await Promise.all(this.inflight);
    if (this.failure) throw this.failure as Error;
    const parts = this.etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })).filter((p) => p.ETag);
    // Some servers (Ceph RGW before Squid) complete over an existing object whatever If-None-Match
    // says: look first. Callers that share a name across runs claim it before they write.
    if (this.t.ifNoneMatch && (await storedEtag(this.t.client, this.t.bucket, this.t.key)) !== undefined) {
      await this.abort();
      throw conflictingObject(`writing ${this.t.key}`);
    }
    try {
      await this.t.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.t.bucket,
          Key: this.t.key,
          UploadId: await this.start(),
          MultipartUpload: { Parts: parts },
          ...ifNoneMatch,
        }),
        { abortSignal: this.t.signal },
      );
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (!this.t.ifNoneMatch || !(isPreconditionFailed(err) || name === 'NoSuchUpload')) throw err;
      // A retried completion: the first one may have been done, its answer lost.
      const etag = await storedEtag(this.t.client, this.t.bucket, this.t.key);
      if (etag !== multipartEtag(parts.map((p) => p.ETag))) {
        await this.abort();
        throw conflictingObject(`writing ${this.t.key}`, err);
      }
    }
    return { size: this.total };
  }

  async abort(): Promise<void> {
    this.aborted = true;
    await Promise.allSettled(this.inflight);
    const id = await this.starting?.catch(() => undefined);
    if (id) {
      // Not with the run's abort signal: that one may be what stopped us.
      await this.t.client
        .send(new AbortMultipartUploadCommand({ Bucket: this.t.bucket, Key: this.t.key, UploadId: id }))
        .catch(() => undefined);
    }
  }
}
