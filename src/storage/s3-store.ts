import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListPartsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { S3Client, ServerSideEncryption } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import { hashPool } from '../core/hash-pool.js';
import { Readable } from 'node:stream';
import { CairnError, fromFsError } from '../core/errors.js';
import { checkKey, joinKey } from './keys.js';
import type {
  ObjectInfo,
  ObjectStore,
  PreparedFile,
  PutFileResult,
  PutOptions,
  TransferOptions,
} from './object-store.js';
import { changedWhileStored, sameVersion } from './file-version.js';
import { withPayloadSha256 } from './s3-payload-hash.js';
import {
  conflictingObject,
  isNotFound,
  isPreconditionFailed,
  mapS3Error,
  withKmsContext,
} from './s3-errors.js';
import type { ResolvedS3Settings } from './s3-client.js';
import { partSizeFor, uploadFileResumable } from './s3-multipart.js';
import { S3Writer } from './s3-writer.js';
import { mapWriterErrors } from './object-writer.js';
import type { ObjectWriter, WriterOptions } from './object-writer.js';

export class S3Store implements ObjectStore {
  readonly url: string;
  private readonly sse: { ServerSideEncryption?: ServerSideEncryption; SSEKMSKeyId?: string };

  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    readonly prefix: string,
    private readonly settings: ResolvedS3Settings,
  ) {
    this.url = `s3://${bucket}${prefix ? `/${prefix}` : ''}`;
    this.sse = settings.sse
      ? {
          ServerSideEncryption: settings.sse,
          ...(settings.kmsKeyId ? { SSEKMSKeyId: settings.kmsKeyId } : {}),
        }
      : {};
  }

  private full(key: string): string {
    checkKey(key);
    return joinKey(this.prefix, key);
  }

  private relative(fullKey: string): string {
    return this.prefix ? fullKey.slice(this.prefix.length + 1) : fullKey;
  }

  private fail(err: unknown, doing: string): CairnError {
    return mapS3Error(err, doing, this.bucket);
  }

  /** A failed write, which with SSE-KMS may be the key's fault. */
  private failWrite(err: unknown, doing: string): CairnError {
    return withKmsContext(this.fail(err, doing), this.sse.SSEKMSKeyId);
  }

  async put(key: string, body: Buffer, options: PutOptions = {}): Promise<void> {
    try {
      const command = new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.full(key),
        Body: body,
        ContentLength: body.length,
        ...(options.contentType ? { ContentType: options.contentType } : {}),
        ...(options.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
        ...this.sse,
      });
      const sha256 = options.sha256 ?? createHash('sha256').update(body).digest('hex');
      await this.client.send(withPayloadSha256(command, sha256), { abortSignal: options.signal });
    } catch (err) {
      // A 412 may answer our own retry: the first attempt was stored and its answer lost (a reset,
      // a timeout). What is stored decides: the same bytes are this create, done.
      if (options.ifNoneMatch && isPreconditionFailed(err)) {
        if (await this.holds(key, body, options.signal)) return;
        throw conflictingObject(`writing ${key}`, err);
      }
      throw this.failWrite(err, `writing ${key}`);
    }
  }

  /** Whether `key` holds exactly `body`. */
  private async holds(key: string, body: Buffer, signal?: AbortSignal): Promise<boolean> {
    try {
      return (await this.getBuffer(key, { maxBytes: body.length, signal })).equals(body);
    } catch (err) {
      if (err instanceof CairnError && (err.code === 'NOT_FOUND' || err.code === 'INTEGRITY')) return false;
      throw err;
    }
  }

  async prepareFile(path: string, options: TransferOptions = {}): Promise<PreparedFile> {
    const before = await lstat(path).catch((err: unknown) => {
      throw fromFsError(err, path, 'reading file');
    });
    const multipart = before.size > this.settings.partSizeBytes;
    const partSize = partSizeFor(before.size, this.settings.partSizeBytes);
    const hashed = await hashPool()
      .hashFile(path, { signal: options.signal, ...(multipart ? { partSize } : {}) })
      .catch((err: unknown) => {
        throw fromFsError(err, path, 'reading file');
      });
    const unchanged = async (): Promise<boolean> => {
      const now = await lstat(path).catch(() => undefined);
      return now !== undefined && sameVersion(before, now) && now.size === hashed.bytes;
    };
    if (!(await unchanged())) throw changedWhileStored(path);
    return {
      sha256: hashed.sha256,
      bytes: hashed.bytes,
      discard: () => Promise.resolve(),
      store: async (key, o = {}) => {
        try {
          if (multipart) {
            return await uploadFileResumable(
              {
                client: this.client,
                bucket: this.bucket,
                key: this.full(key),
                partSizeBytes: partSize,
                concurrency: this.settings.partConcurrency,
                sse: this.sse,
              },
              path,
              { size: hashed.bytes, partSha256: hashed.parts ?? [], unchanged, ...o },
            );
          }
          return await this.putWholeFile(key, path, hashed.sha256, hashed.bytes, unchanged, o);
        } catch (err) {
          throw this.failWrite(err, `uploading ${path}`);
        }
      },
    };
  }

  private async putWholeFile(
    key: string,
    path: string,
    sha256: string,
    size: number,
    unchanged: () => Promise<boolean>,
    o: TransferOptions,
  ): Promise<PutFileResult> {
    const release = (await o.budget?.take(size)) ?? (() => undefined);
    try {
      const body = await readFile(path).catch((err: unknown) => {
        throw fromFsError(err, path, 'reading file');
      });
      if (body.length !== size || !(await unchanged())) throw changedWhileStored(path);
      await o.gate?.(body.length, o.signal);
      await this.put(key, body, { signal: o.signal, sha256 });
      return { uploadedBytes: body.length, resumedBytes: 0 };
    } finally {
      release();
    }
  }

  async createWriter(key: string, options: WriterOptions = {}): Promise<ObjectWriter> {
    const w = new S3Writer({
      client: this.client,
      bucket: this.bucket,
      key: this.full(key),
      partSizeBytes: this.settings.streamPartSizeBytes,
      concurrency: Math.max(1, options.partsInFlight ?? this.settings.partConcurrency),
      contentType: options.contentType,
      ifNoneMatch: options.ifNoneMatch === true,
      sse: this.sse,
      signal: options.signal,
    });
    return Promise.resolve(mapWriterErrors(w, (err) => this.failWrite(err, `writing ${key}`)));
  }

  async get(
    key: string,
    options: { signal?: AbortSignal; range?: { start: number; end: number } } = {},
  ): Promise<Readable> {
    const r = options.range;
    try {
      const res = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.full(key),
          ...(r ? { Range: `bytes=${r.start}-${r.end - 1}` } : {}),
        }),
        { abortSignal: options.signal },
      );
      if (!(res.Body instanceof Readable)) throw new CairnError('INTERNAL', `no body for ${key}`);
      return res.Body;
    } catch (err) {
      throw this.fail(err, `reading ${key}`);
    }
  }

  async getBuffer(key: string, options: { signal?: AbortSignal; maxBytes?: number } = {}): Promise<Buffer> {
    const stream = await this.get(key, options);
    const chunks: Buffer[] = [];
    let n = 0;
    try {
      for await (const c of stream) {
        const chunk = c as Buffer;
        n += chunk.length;
        if (options.maxBytes !== undefined && n > options.maxBytes) {
          stream.destroy();
          throw new CairnError(
            'INTEGRITY',
            `object ${key} is larger than the ${options.maxBytes} bytes allowed`,
          );
        }
        chunks.push(chunk);
      }
    } catch (err) {
      throw this.fail(err, `reading ${key}`);
    }
    return Buffer.concat(chunks);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.full(key) }));
      return { key, size: res.ContentLength ?? 0, lastModified: res.LastModified ?? new Date(0) };
    } catch (err) {
      if (isNotFound(err) && (err as { name?: string }).name !== 'NoSuchBucket') return undefined;
      throw this.fail(err, `checking ${key}`);
    }
  }

  /**
   * ListObjects (V1) with the last key as marker: V2's continuation tokens are
   * server-made, and some S3-compatible servers cannot make them (s3rver's use
   * DES, which current OpenSSL no longer offers). V1 works everywhere.
   */
  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const full = joinKey(this.prefix, prefix) + (prefix === '' && this.prefix ? '/' : '');
    let marker: string | undefined;
    for (;;) {
      let res;
      try {
        res = await this.client.send(
          new ListObjectsCommand({ Bucket: this.bucket, Prefix: full, Marker: marker }),
        );
      } catch (err) {
        throw this.fail(err, `listing ${prefix || '/'}`);
      }
      const contents = res.Contents ?? [];
      for (const o of contents) {
        if (!o.Key) continue;
        yield { key: this.relative(o.Key), size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) };
      }
      const last = contents.at(-1)?.Key;
      if (!res.IsTruncated || !last) return;
      marker = res.NextMarker ?? last;
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      let res;
      try {
        res = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((k) => ({ Key: this.full(k) })), Quiet: true },
          }),
        );
      } catch (err) {
        throw this.fail(err, 'deleting objects');
      }
      const errors = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (errors.length) {
        const first = errors[0];
        throw new CairnError(
          'UNAVAILABLE',
          `could not delete ${errors.length} objects (${first?.Code}: ${first?.Key})`,
          {
            hint: 'run the command again; deletions are idempotent',
          },
        );
      }
    }
  }

  async abortStaleUploads(prefix: string, before: Date, only?: (key: string) => boolean): Promise<number> {
    let n = 0;
    let keyMarker: string | undefined;
    let idMarker: string | undefined;
    try {
      for (;;) {
        const res = await this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.bucket,
            Prefix: joinKey(this.prefix, prefix) + (prefix === '' && this.prefix ? '/' : ''),
            KeyMarker: keyMarker,
            UploadIdMarker: idMarker,
          }),
        );
        for (const u of res.Uploads ?? []) {
          if (!u.Key || !u.UploadId || !u.Initiated || u.Initiated >= before) continue;
          if (only && !only(this.relative(u.Key))) continue;
          // Started long ago is not enough: an upload still sending parts (a large archive on a
          // slow link) is alive.
          if (await this.partSince(u.Key, u.UploadId, before)) continue;
          await this.client.send(
            new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: u.Key, UploadId: u.UploadId }),
          );
          n += 1;
        }
        if (!res.IsTruncated) return n;
        keyMarker = res.NextKeyMarker;
        idMarker = res.NextUploadIdMarker;
      }
    } catch (err) {
      if ((err as { name?: string }).name === 'NotImplemented') return n; // the server cannot list uploads
      throw this.fail(err, 'aborting stale uploads');
    }
  }

  /** Whether an unfinished upload received a part at or after `since`. */
  private async partSince(key: string, uploadId: string, since: Date): Promise<boolean> {
    let marker: string | undefined;
    for (;;) {
      const res = await this.client
        .send(
          new ListPartsCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: uploadId,
            PartNumberMarker: marker,
          }),
        )
        .catch((err: unknown) => {
          if ((err as { name?: string }).name === 'NoSuchUpload') return undefined; // just completed or aborted
          throw err;
        });
      if (!res) return true;
      if ((res.Parts ?? []).some((p) => p.LastModified !== undefined && p.LastModified >= since)) return true;
      if (!res.IsTruncated) return false;
      marker = res.NextPartNumberMarker;
    }
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      if (isNotFound(err))
        throw this.fail(
          Object.assign(new Error('no such bucket'), { name: 'NoSuchBucket' }),
          'opening storage',
        );
      throw this.fail(err, `opening ${this.url}`);
    }
  }

  async sync(): Promise<void> {
    // S3 acknowledges a write once it is durable.
  }
}
