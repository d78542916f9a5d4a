// Write-once creates whose answer is lost: the server stored the manifest, the client saw its
// connection reset and tried again, and the retry met 412. What is stored decides the outcome.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cairn } from '../support/cli.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { manifestNames } from '../support/repo-probe.js';
import { createTestBucket, s3TestConfig } from '../support/s3-env.js';

function envFor(endpoint: string): NodeJS.ProcessEnv {
  const c = s3TestConfig();
  return {
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_REGION: c.region,
    AWS_ACCESS_KEY_ID: c.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
  };
}

test('ship backup: a manifest stored whose answer was lost is not a conflict (exit 0, verify passes)', async () => {
  const base = await mkdtemp(join(tmpdir(), 'cairn-lost-'));
  const src = join(base, 'src');
  await mkdir(src);
  for (let i = 0; i < 5; i++) await writeFile(join(src, `f${i}.db`), `content ${i}\n`.repeat(100));
  const bucket = await createTestBucket('lost-answer');
  const target = `s3://${bucket}/p`;
  const proxy = await startFaultProxy(s3TestConfig().endpoint);
  try {
    const lost = proxy.loseResponse((method, url) => method === 'PUT' && url.includes('/manifests/'));
    const r = await cairn(['ship', 'backup', src, '--to', target, '--host', 'h'], {
      env: { ...envFor(proxy.endpoint), CAIRN_LOCK_DIR: join(base, 'locks') },
    });
    const happened = await Promise.race([lost, Promise.resolve(undefined)]);
    assert.ok(happened, 'the answer to a manifest PUT was lost');
    assert.equal(r.code, 0, r.stderr);
    Object.assign(process.env, envFor(s3TestConfig().endpoint));
    assert.deepEqual((await manifestNames(target, src)).sort(), [
      'f0.db',
      'f1.db',
      'f2.db',
      'f3.db',
      'f4.db',
    ]);
    const verify = await cairn(['ship', 'verify', '--from', target, '--read-data']);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  } finally {
    await proxy.close();
    await rm(base, { recursive: true, force: true });
  }
});
