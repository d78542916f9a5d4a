import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { cairn } from '../support/cli.js';
import { KMS_KEY_ID } from '../support/rgw.js';
import { s3TestClient } from '../support/s3-env.js';
import { s3Target } from '../support/targets.js';
import { describeTree } from '../support/tree.js';

// The gateway started by the tests has a built-in test KMS holding KMS_KEY_ID.

async function encryptionOfEveryObject(target: string): Promise<Map<string, string>> {
  const url = new URL(target);
  const client = s3TestClient();
  const out = new Map<string, string>();
  try {
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: url.hostname, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        const h = await client.send(new HeadObjectCommand({ Bucket: url.hostname, Key: o.Key }));
        out.set(o.Key ?? '', `${h.ServerSideEncryption ?? 'none'} ${h.SSEKMSKeyId ?? ''}`.trim());
      }
      token = page.NextContinuationToken;
    } while (token);
  } finally {
    client.destroy();
  }
  return out;
}

test('--sse aws:kms encrypts every object ship and archive write (single and multipart), and restore reads them', async () => {
  const base = await mkdtemp(join(tmpdir(), 'cairn-sse-'));
  const src = join(base, 'src');
  await mkdir(src);
  await writeFile(join(src, 'small.txt'), 'small file\n');
  await writeFile(join(src, 'large.bin'), randomBytes(12 * 1024 * 1024)); // two multipart parts
  const target = await s3Target.make();
  const env = s3Target.env();
  const sse = ['--sse', 'aws:kms', '--sse-kms-key-id', KMS_KEY_ID];

  const shipped = await cairn(['ship', 'backup', src, '--to', target, '--host', 'h', ...sse], { env });
  assert.equal(shipped.code, 0, shipped.stderr);
  const archived = await cairn(['archive', 'create', 'enc', '--include', src, '--to', target, ...sse], {
    env,
  });
  assert.equal(archived.code, 0, archived.stderr);

  const enc = await encryptionOfEveryObject(target);
  assert.ok(enc.size >= 5, `objects: ${[...enc.keys()].join(', ')}`);
  for (const [key, how] of enc) assert.equal(how, `aws:kms ${KMS_KEY_ID}`, key);

  const dest = join(base, 'restored');
  const restored = await cairn(['ship', 'restore', dest, '--from', target, '--host', 'h'], { env });
  assert.equal(restored.code, 0, restored.stderr);
  assert.deepEqual(await describeTree(join(dest, src)), await describeTree(src));
});

test('--sse aws:kms with a key the KMS does not have: one line with a hint, nothing shipped', async () => {
  const base = await mkdtemp(join(tmpdir(), 'cairn-sse-'));
  await writeFile(join(base, 'a.txt'), 'a');
  const target = await s3Target.make();
  const r = await cairn(
    ['ship', 'backup', base, '--to', target, '--sse', 'aws:kms', '--sse-kms-key-id', 'no-such-key'],
    { env: s3Target.env() },
  );
  assert.notEqual(r.code, 0);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.match(r.stderr, /KMS key \\?"no-such-key\\?"/);
  assert.match(r.stderr, /"hint":"[^"]*kms:GenerateDataKey/);
  assert.doesNotMatch(r.stderr, /NodeVersionSupportWarning/);
  const list = await cairn(['ship', 'list', '--from', target, '--json'], { env: s3Target.env() });
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual((JSON.parse(list.stdout) as { points?: unknown[] }).points ?? [], []);
});
