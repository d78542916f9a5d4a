import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { S3Store } from './s3-store.js';
import { uploadFileResumable } from './s3-multipart.js';
import { S3Writer, streamPartSize } from './s3-writer.js';
import { makeS3Client, needsPathStyle, resolveS3Settings } from './s3-client.js';
import { storeContract } from '../../test/support/store-contract.js';
import { startS3rver } from '../../test/support/s3rver.js';
import { createTestBucket, s3TestConfig } from '../../test/support/s3-env.js';
import { CairnError } from '../core/errors.js';

const PART = 5 * 1024 * 1024; // S3's smallest part

function rgwStore(bucket: string, prefix = 'repo'): S3Store {
  const c = s3TestConfig();
  const settings = resolveS3Settings({ endpoint: c.endpoint, region: c.region, partSizeBytes: PART }, {});
  const client = makeS3Client(settings, {
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
  });
  return new S3Store(client, bucket, prefix, settings);
}

storeContract('s3 (RADOS Gateway)', async () => rgwStore(await createTestBucket('contract')), {
  conditionalWrites: true,
  largeFileBytes: PART,
});

let s3rver: Awaited<ReturnType<typeof startS3rver>>;
before(async () => {
  s3rver = await startS3rver();
});
after(async () => {
  await s3rver.stop();
});

storeContract(
  's3 (s3rver)',
  async () => {
    const settings = resolveS3Settings({ endpoint: s3rver.endpoint, partSizeBytes: PART }, {});
    const client = makeS3Client(settings, {
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    return new S3Store(client, await s3rver.bucket(), '', settings);
  },
  // s3rver ignores If-None-Match; cairn never relies on it for correctness (keys are unique or content-addressed).
  { conditionalWrites: false, largeFileBytes: PART },
);

test('path-style addressing turns itself on for IP and localhost endpoints', () => {
  assert.equal(needsPathStyle('http://127.0.0.1:9000'), true);
  assert.equal(needsPathStyle('http://[::1]:9000'), true);
  assert.equal(needsPathStyle('http://localhost:9000'), true);
  assert.equal(needsPathStyle('https://s3.eu-west-1.amazonaws.com'), false);
  assert.equal(needsPathStyle(undefined), false);
  const r = resolveS3Settings({}, { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1', AWS_REGION: 'eu-west-3' });
  assert.equal(r.forcePathStyle, true);
  assert.equal(r.region, 'eu-west-3');
  assert.equal(r.endpoint, 'http://127.0.0.1:1');
  // Files go in 8 MiB parts; streams (archives), which hold their parts in memory, start at S3's smallest.
  assert.deepEqual([r.partSizeBytes, r.streamPartSizeBytes], [8 * 1024 * 1024, 5 * 1024 * 1024]);
  const set = resolveS3Settings({ partSizeBytes: 16 * 1024 * 1024 }, {});
  assert.deepEqual([set.partSizeBytes, set.streamPartSizeBytes], [16 * 1024 * 1024, 16 * 1024 * 1024]);
  assert.equal(
    resolveS3Settings({ forcePathStyle: false }, { AWS_ENDPOINT_URL: 'http://localhost:1' }).forcePathStyle,
    false,
  );
});

test('s3: an interrupted multipart upload is resumed from the parts already stored', async () => {
  const bucket = await createTestBucket('resume');
  const store = rgwStore(bucket, '');
  const body = randomBytes(3 * PART + 1000);
  const dir = await mkdtemp(join(tmpdir(), 'cairn-resume-'));
  const path = join(dir, 'big');
  await writeFile(path, body);
  const c = s3TestConfig();
  const settings = resolveS3Settings({ endpoint: c.endpoint, region: c.region }, {});
  const raw = makeS3Client(settings, {
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
  });
  // What a killed run leaves behind: an open upload holding the first two parts.
  const { UploadId } = await raw.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'obj' }));
  for (const n of [1, 2]) {
    await raw.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: 'obj',
        UploadId,
        PartNumber: n,
        Body: body.subarray((n - 1) * PART, n * PART),
      }),
    );
  }
  const sha256 = createHash('sha256').update(body).digest('hex');
  const prepared = await store.prepareFile(path);
  assert.equal(prepared.sha256, sha256);
  const r = await prepared.store('obj');
  assert.equal(r.resumedBytes, 2 * PART);
  assert.equal(r.uploadedBytes, PART + 1000);
  const got = await raw.send(new GetObjectCommand({ Bucket: bucket, Key: 'obj' }));
  const bytes = Buffer.from(await got.Body!.transformToByteArray());
  assert.equal(createHash('sha256').update(bytes).digest('hex'), sha256);
  const left = await raw.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  assert.equal(left.Uploads?.length ?? 0, 0);
  raw.destroy();
});

test('s3: a stored part that does not match the file is uploaded again', async () => {
  const bucket = await createTestBucket('resume-bad');
  const store = rgwStore(bucket, '');
  const body = randomBytes(2 * PART + 10);
  const dir = await mkdtemp(join(tmpdir(), 'cairn-resume-'));
  await writeFile(join(dir, 'big'), body);
  const c = s3TestConfig();
  const settings = resolveS3Settings({ endpoint: c.endpoint, region: c.region }, {});
  const raw = makeS3Client(settings, {
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
  });
  const { UploadId } = await raw.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'obj' }));
  await raw.send(
    new UploadPartCommand({ Bucket: bucket, Key: 'obj', UploadId, PartNumber: 1, Body: randomBytes(PART) }),
  );
  const sha256 = createHash('sha256').update(body).digest('hex');
  const r = await (await store.prepareFile(join(dir, 'big'))).store('obj');
  assert.equal(r.resumedBytes, 0);
  assert.equal(
    createHash('sha256')
      .update(await store.getBuffer('obj'))
      .digest('hex'),
    sha256,
  );
  raw.destroy();
});

test('s3: a missing bucket and bad credentials are clear errors', async () => {
  const missing = rgwStore('cairn-no-such-bucket-here');
  await assert.rejects(
    missing.check(),
    (e: unknown) => e instanceof CairnError && e.code === 'NOT_FOUND' && /does not exist/.test(e.message),
  );
  const c = s3TestConfig();
  const settings = resolveS3Settings({ endpoint: c.endpoint, region: c.region }, {});
  const bad = new S3Store(
    makeS3Client(settings, { credentials: { accessKeyId: 'nobody', secretAccessKey: 'wrong' } }),
    await createTestBucket('denied'),
    '',
    settings,
  );
  await assert.rejects(bad.check(), (e: unknown) => e instanceof CairnError && e.code === 'ACCESS');
});

test('s3: an unreachable endpoint is UNAVAILABLE', async () => {
  const settings = resolveS3Settings({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1' }, {});
  const s = new S3Store(
    makeS3Client(settings, { credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 }),
    'bucket',
    '',
    settings,
  );
  await assert.rejects(s.check(), (e: unknown) => e instanceof CairnError && e.code === 'UNAVAILABLE');
});

test('s3: a part whose bytes differ from the hash it was named with is refused by the server; nothing is stored', async () => {
  const bucket = await createTestBucket('payload');
  const c = s3TestConfig();
  const settings = resolveS3Settings({ endpoint: c.endpoint, region: c.region }, {});
  const client = makeS3Client(settings, {
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
  });
  const dir = await mkdtemp(join(tmpdir(), 'cairn-payload-'));
  const path = join(dir, 'big');
  const body = randomBytes(2 * PART + 10);
  await writeFile(path, body);
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  // What a read racing a rewrite would produce: part hashes of other bytes, the file's version unchanged.
  const partSha256 = [sha(body.subarray(0, PART)), sha(randomBytes(PART)), sha(body.subarray(2 * PART))];
  await assert.rejects(
    uploadFileResumable({ client, bucket, key: 'obj', partSizeBytes: PART, concurrency: 2 }, path, {
      size: body.length,
      partSha256,
      unchanged: () => Promise.resolve(true),
    }),
    (e: unknown) => e instanceof CairnError && e.code === 'INTEGRITY',
  );
  const store = new S3Store(client, bucket, '', settings);
  assert.equal(await store.head('obj'), undefined);
  const left = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  assert.equal(left.Uploads?.length ?? 0, 0, 'the refused upload is aborted');
  // A whole-object PUT is checked the same way.
  await assert.rejects(
    store.put('small', Buffer.from('the bytes sent'), { sha256: sha(Buffer.from('other bytes')) }),
    (e: unknown) => e instanceof CairnError && e.code === 'INTEGRITY',
  );
  assert.equal(await store.head('small'), undefined);
  client.destroy();
});

test('parts of a stream double in size every step, so 10,000 parts reach past 5 TiB', () => {
  const MiB = 1024 * 1024;
  assert.deepEqual(
    [1, 950, 951, 1900, 1901, 3801].map((n) => streamPartSize(5 * MiB, n) / MiB),
    [5, 5, 10, 10, 20, 80],
  );
  let total = 0;
  for (let n = 1; n <= 10_000; n++) total += streamPartSize(5 * MiB, n);
  assert.ok(total > 5 * 1024 ** 4, `10,000 parts hold ${total} bytes`);
  assert.equal(streamPartSize(5 * MiB, 10_000), 5 * 1024 ** 3);
  assert.equal(streamPartSize(1024 * MiB, 10_000), 5 * 1024 ** 3, 'never more than S3 allows in a part');
});

test('a streamed object is uploaded in growing parts and reads back whole', async () => {
  const c = s3TestConfig();
  const bucket = await createTestBucket('grow');
  const settings = resolveS3Settings({ endpoint: c.endpoint, region: c.region, partSizeBytes: PART }, {});
  const client = makeS3Client(settings, {
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
  });
  // The part sizes as sent, seen at the start of each request's middleware stack.
  const sizes: number[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      const input = args.input as { PartNumber?: number; ContentLength?: number };
      if (context.commandName === 'UploadPartCommand')
        sizes[(input.PartNumber ?? 0) - 1] = input.ContentLength ?? -1;
      return next(args);
    },
    { step: 'initialize' },
  );
  const w = new S3Writer({
    client,
    bucket,
    key: 'grown',
    partSizeBytes: PART,
    partsPerStep: 2,
    concurrency: 2,
    sse: {},
  });
  const data = randomBytes(5 * PART + 12345); // parts of 5, 5, 10 and 10 MiB, then the rest
  for (let at = 0; at < data.length; at += 1_000_000) await w.write(data.subarray(at, at + 1_000_000));
  await w.complete();
  assert.deepEqual(sizes, [PART, PART, 2 * PART, data.length - 4 * PART]);
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'grown' }));
  const body = Buffer.from(await got.Body!.transformToByteArray());
  assert.equal(
    createHash('sha256').update(body).digest('hex'),
    createHash('sha256').update(data).digest('hex'),
  );
  client.destroy();
});
