// The shared S3 server, reached through the fault proxy with the real SDK.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { startFaultProxy } from './fault-proxy.js';
import type { FaultProxy } from './fault-proxy.js';
import { createTestBucket, s3TestClient, s3TestConfig } from './s3-env.js';

const MiB = 1024 * 1024;

function pattern(bytes: number, seed = 1): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = (i * 31 + seed * 7 + (i >> 11)) & 0xff;
  return b;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function getBytes(s3: S3Client, Bucket: string, Key: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket, Key }));
  assert.ok(out.Body, 'GetObject returned no body');
  return Buffer.from(await out.Body.transformToByteArray());
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

describe('S3 test server through the fault proxy', () => {
  let bucket: string;
  let proxy: FaultProxy;
  let s3: S3Client; // the SDK's defaults, through the proxy
  let once: S3Client; // no retries, through the proxy

  before(async () => {
    bucket = await createTestBucket('rgw-selftest');
    proxy = await startFaultProxy(s3TestConfig().endpoint);
    s3 = s3TestClient({ endpoint: proxy.endpoint });
    once = s3TestClient({ endpoint: proxy.endpoint, maxAttempts: 1 });
  });

  after(async () => {
    s3?.destroy();
    once?.destroy();
    await proxy?.close();
  });

  it('stores and returns bytes with PutObject and GetObject (SDK default checksums)', async () => {
    const body = pattern(256 * 1024);
    const requestsBefore = proxy.requests;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'put/plain.bin', Body: body }));
    assert.equal(sha(await getBytes(s3, bucket, 'put/plain.bin')), sha(body));
    assert.equal(proxy.requests - requestsBefore, 2);
  });

  it('stores a streamed body when checksums are only sent when required', async () => {
    // With the SDK's default (WHEN_SUPPORTED), a stream body goes out as aws-chunked
    // without Content-Length, which this gateway refuses (411 MissingContentLength).
    const streaming = s3TestClient({ endpoint: proxy.endpoint, requestChecksumCalculation: 'WHEN_REQUIRED' });
    try {
      const body = pattern(3 * MiB + 17, 2);
      const chunks = Array.from({ length: Math.ceil(body.length / 65536) }, (_, i) =>
        body.subarray(i * 65536, (i + 1) * 65536),
      );
      await streaming.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'put/streamed.bin',
          Body: Readable.from(chunks),
          ContentLength: body.length,
        }),
      );
      assert.equal(sha(await getBytes(s3, bucket, 'put/streamed.bin')), sha(body));
    } finally {
      streaming.destroy();
    }
  });

  it('lists keys page by page with ListObjectsV2', async () => {
    const keys = ['list/a', 'list/b', 'list/c/d', 'list/e'];
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key }));
    const seen: string[] = [];
    let ContinuationToken: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: 'list/', MaxKeys: 2, ContinuationToken }),
      );
      pages++;
      seen.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    assert.deepEqual(seen, keys);
    assert.equal(pages, 2);

    const top = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'list/', Delimiter: '/' }));
    assert.deepEqual(
      (top.CommonPrefixes ?? []).map((p) => p.Prefix),
      ['list/c/'],
    );
  });

  it('assembles a multipart upload', async () => {
    const body = pattern(11 * MiB + 5, 3);
    const Key = 'multipart/big.bin';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key }));
    assert.ok(UploadId);
    const parts: { PartNumber: number; ETag: string }[] = [];
    for (let n = 1, off = 0; off < body.length; n++, off += 5 * MiB) {
      const part = await s3.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key,
          UploadId,
          PartNumber: n,
          Body: body.subarray(off, off + 5 * MiB),
        }),
      );
      assert.ok(part.ETag);
      parts.push({ PartNumber: n, ETag: part.ETag });
    }
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key }));
    assert.equal(head.ContentLength, body.length);
    assert.match(head.ETag ?? '', /-3"$/);
    assert.equal(sha(await getBytes(s3, bucket, Key)), sha(body));
  });

  it('refuses PutObject with If-None-Match: * on an existing key', async () => {
    const Key = 'conditional/once.txt';
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'first', IfNoneMatch: '*' }));
    await assert.rejects(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'second', IfNoneMatch: '*' })),
      (err: unknown) => httpStatus(err) === 412,
    );
    assert.equal((await getBytes(s3, bucket, Key)).toString(), 'first');
  });

  it('surfaces 503 SlowDown and 500 InternalError answers', async () => {
    proxy.setMode('error503');
    try {
      await assert.rejects(
        once.send(new GetObjectCommand({ Bucket: bucket, Key: 'put/plain.bin' })),
        (err: unknown) => {
          assert.equal(httpStatus(err), 503);
          assert.equal((err as Error).name, 'SlowDown');
          return true;
        },
      );
      await assert.rejects(
        once.send(new PutObjectCommand({ Bucket: bucket, Key: 'fault/503.bin', Body: pattern(MiB) })),
        (err: unknown) => httpStatus(err) === 503,
      );
    } finally {
      proxy.setMode('pass');
    }
    proxy.failNext(1, 'error500');
    await assert.rejects(
      once.send(new HeadObjectCommand({ Bucket: bucket, Key: 'put/plain.bin' })),
      (err: unknown) => {
        assert.equal(httpStatus(err), 500);
        return true;
      },
    );
    await once.send(new HeadObjectCommand({ Bucket: bucket, Key: 'put/plain.bin' }));
  });

  it('lets the SDK retry past a single 503 with its default attempts', async () => {
    proxy.failNext(1, 'error503');
    const before = proxy.requests;
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'put/plain.bin' }));
    assert.equal(proxy.requests - before, 2);
  });

  it('surfaces a server that is down, and works again once it is back', async () => {
    const head = () => once.send(new HeadObjectCommand({ Bucket: bucket, Key: 'put/plain.bin' }));
    const code = (err: unknown) => (err as { code?: string }).code;
    proxy.setMode('down');
    try {
      // A kept-alive connection from before breaks; a new one is refused.
      await assert.rejects(head(), (err: unknown) =>
        /^(ECONNREFUSED|ECONNRESET|EPIPE)$/.test(code(err) ?? ''),
      );
      await assert.rejects(head(), (err: unknown) => code(err) === 'ECONNREFUSED');
    } finally {
      proxy.setMode('pass');
    }
    const body = pattern(64 * 1024, 4);
    await once.send(new PutObjectCommand({ Bucket: bucket, Key: 'fault/after-down.bin', Body: body }));
    assert.equal(sha(await getBytes(once, bucket, 'fault/after-down.bin')), sha(body));
  });

  it('surfaces a connection reset mid-request', async () => {
    proxy.failNext(1, 'reset');
    await assert.rejects(
      once.send(new PutObjectCommand({ Bucket: bucket, Key: 'fault/reset.bin', Body: pattern(2 * MiB) })),
      (err: unknown) => {
        assert.match(
          String((err as { code?: string }).code ?? (err as Error).message),
          /ECONNRESET|EPIPE|socket hang up/,
        );
        return true;
      },
    );
    await once.send(new HeadObjectCommand({ Bucket: bucket, Key: 'put/plain.bin' }));
  });
});
