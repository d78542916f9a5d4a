import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3Client, ServerSideEncryption } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { CairnError } from '../core/errors.js';
import type { PutFileResult, TransferOptions } from './object-store.js';
import { changedWhileStored } from './file-version.js';
import { withPayloadSha256 } from './s3-payload-hash.js';

/**
 * Multipart upload of a local file that resumes: an upload of the same key
 * left by an interrupted run is found (ListMultipartUploads), its stored parts
 * are checked against the file (MD5 = part ETag) and kept, and only the missing
 * parts are sent. lib-storage's Upload cannot resume, hence this file.
 * Each part goes out with the SHA-256 computed when the file was hashed for
 * naming, as its signed payload hash: the server refuses a part whose bytes
 * differ, and the file's version is checked again before completing, so a
 * file that changed yields no object.
 */
export interface MultipartTarget {
  client: S3Client;
  bucket: string;
  key: string;
  partSizeBytes: number;
  concurrency: number;
  sse?: { ServerSideEncryption?: ServerSideEncryption; SSEKMSKeyId?: string };
}

const MAX_PARTS = 10_000;
const MiB = 1024 * 1024;

/** Deterministic from the size, so a later run cuts the same parts. */
export function partSizeFor(size: number, minimum: number): number {
  const needed = Math.ceil(size / MAX_PARTS / MiB) * MiB;
  return Math.max(minimum, needed);
}

interface StoredPart {
  etag: string;
  size: number;
}

async function findUpload(t: MultipartTarget): Promise<string | undefined> {
  try {
    return await findUploadOrThrow(t);
  } catch (err) {
    // Some S3-compatible servers (s3rver) cannot list uploads: then there is nothing to resume.
    if ((err as { name?: string }).name === 'NotImplemented') return undefined;
    throw err;
  }
}

async function findUploadOrThrow(t: MultipartTarget): Promise<string | undefined> {
  let keyMarker: string | undefined;
  let idMarker: string | undefined;
  let best: { id: string; at: number } | undefined;
  for (;;) {
    const res = await t.client.send(
      new ListMultipartUploadsCommand({
        Bucket: t.bucket,
        Prefix: t.key,
        KeyMarker: keyMarker,
        UploadIdMarker: idMarker,
      }),
    );
    for (const u of res.Uploads ?? []) {
      if (u.Key !== t.key || !u.UploadId) continue;
      const at = u.Initiated?.getTime() ?? 0;
      if (!best || at > best.at) best = { id: u.UploadId, at };
    }
    if (!res.IsTruncated) return best?.id;
    keyMarker = res.NextKeyMarker;
    idMarker = res.NextUploadIdMarker;
  }
}

async function listParts(t: MultipartTarget, uploadId: string): Promise<Map<number, StoredPart>> {
  const parts = new Map<number, StoredPart>();
  let marker: string | undefined;
  for (;;) {
    const res = await t.client.send(
      new ListPartsCommand({ Bucket: t.bucket, Key: t.key, UploadId: uploadId, PartNumberMarker: marker }),
    );
    for (const p of res.Parts ?? []) {
      if (p.PartNumber && p.ETag)
        parts.set(p.PartNumber, { etag: p.ETag.replace(/"/g, ''), size: p.Size ?? -1 });
    }
    if (!res.IsTruncated) return parts;
    marker = res.NextPartNumberMarker;
  }
}

export interface MultipartFile extends TransferOptions {
  size: number;
  /** SHA-256 of each part, in order, as hashed for naming. */
  partSha256: readonly string[];
  /** Whether the file is still the version hashed. */
  unchanged: () => Promise<boolean>;
}

export async function uploadFileResumable(
  t: MultipartTarget,
  path: string,
  o: MultipartFile,
): Promise<PutFileResult> {
  const partSize = partSizeFor(o.size, t.partSizeBytes);
  const count = Math.max(1, Math.ceil(o.size / partSize));
  if (o.partSha256.length !== count) {
    throw new CairnError('INTERNAL', `${count} parts to send, ${o.partSha256.length} part hashes`);
  }
  let uploadId = await findUpload(t);
  const stored = uploadId ? await listParts(t, uploadId) : new Map<number, StoredPart>();
  if (!uploadId) {
    const res = await t.client.send(
      new CreateMultipartUploadCommand({ Bucket: t.bucket, Key: t.key, ...t.sse }),
      { abortSignal: o.signal },
    );
    uploadId = res.UploadId;
    if (!uploadId) throw new CairnError('INTERNAL', `no upload id for ${t.key}`);
  }
  const id = uploadId;
  const etags: string[] = new Array<string>(count);
  const active = new Set<Promise<void>>();
  let failure: unknown;
  let uploadedBytes = 0;
  let resumedBytes = 0;

  const send = async (n: number, body: Buffer): Promise<void> => {
    await o.gate?.(body.length, o.signal);
    const command = new UploadPartCommand({
      Bucket: t.bucket,
      Key: t.key,
      UploadId: id,
      PartNumber: n,
      Body: body,
      ContentLength: body.length,
    });
    const res = await t.client.send(withPayloadSha256(command, o.partSha256[n - 1]!), {
      abortSignal: o.signal,
    });
    if (!res.ETag) throw new CairnError('INTERNAL', `no ETag for part ${n} of ${t.key}`);
    etags[n - 1] = res.ETag;
    uploadedBytes += body.length;
  };

  const fh = await open(path, 'r');
  try {
    for (let n = 1; n <= count; n++) {
      if (failure) break;
      const start = (n - 1) * partSize;
      const len = Math.min(partSize, o.size - start);
      const held = o.budget
        ? await o.budget.buffer(len)
        : { buf: Buffer.allocUnsafe(len), release: () => undefined };
      const { release } = held;
      const body = held.buf;
      const { bytesRead } = await fh.read(body, 0, len, start).catch((err: unknown) => {
        release();
        throw err;
      });
      if (bytesRead !== len) {
        release();
        throw changedWhileStored(path); // it shrank
      }
      const prev = stored.get(n);
      if (prev && prev.size === len && createHash('md5').update(body).digest('hex') === prev.etag) {
        etags[n - 1] = `"${prev.etag}"`;
        resumedBytes += len;
        release();
        await o.gate?.(0, o.signal);
        continue;
      }
      while (active.size >= t.concurrency) await Promise.race(active);
      const p: Promise<void> = send(n, body)
        .catch((err: unknown) => {
          failure ??= err;
        })
        .finally(() => {
          active.delete(p);
          release();
        });
      active.add(p);
    }
    await Promise.all(active);
  } finally {
    await fh.close();
  }
  const mismatch = (failure as { name?: string } | undefined)?.name === 'XAmzContentSHA256Mismatch';
  // Otherwise the upload stays for the next attempt to resume.
  if (failure && !mismatch)
    throw failure instanceof Error
      ? failure
      : new CairnError('INTERNAL', 'part upload failed', { cause: failure });
  if (mismatch || !(await o.unchanged())) {
    await t.client
      .send(new AbortMultipartUploadCommand({ Bucket: t.bucket, Key: t.key, UploadId: id }))
      .catch(() => undefined); // best effort: stale uploads are aborted later anyway
    throw changedWhileStored(path);
  }
  await t.client.send(
    new CompleteMultipartUploadCommand({
      Bucket: t.bucket,
      Key: t.key,
      UploadId: id,
      MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
    }),
    { abortSignal: o.signal },
  );
  return { uploadedBytes, resumedBytes };
}
