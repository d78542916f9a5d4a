import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListMultipartUploadsCommand, ListPartsCommand } from '@aws-sdk/client-s3';
import { cairn, eventually, finished, spawnCairn } from '../support/cli.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { manifestNames } from '../support/repo-probe.js';
import { createTestBucket, s3TestClient, s3TestConfig } from '../support/s3-env.js';

function envFor(endpoint: string): NodeJS.ProcessEnv {
  const c = s3TestConfig();
  return {
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_REGION: c.region,
    AWS_ACCESS_KEY_ID: c.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
  };
}

async function world(): Promise<{ src: string; locks: string }> {
  const base = await mkdtemp(join(tmpdir(), 'cairn-faults-'));
  await mkdir(join(base, 'src'));
  return { src: join(base, 'src'), locks: join(base, 'locks') };
}

async function put(dir: string, name: string, body: string | Buffer): Promise<void> {
  await writeFile(join(dir, `${name}.tmp`), body);
  await rename(join(dir, `${name}.tmp`), join(dir, name));
}

test('the daemon keeps retrying while S3 is down at start, and catches up when it returns', async () => {
  const { src, locks } = await world();
  const bucket = await createTestBucket('down-start');
  const proxy = await startFaultProxy(s3TestConfig().endpoint);
  proxy.setMode('down');
  await writeFile(join(src, 'before.db'), 'written before the daemon started');
  const d = spawnCairn(['ship', 'watch', src, '--to', `s3://${bucket}/p`, '--host', 'h'], {
    env: { ...envFor(proxy.endpoint), CAIRN_LOCK_DIR: locks },
  });
  const done = finished(d);
  let stderr = '';
  d.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  await eventually(() => Promise.resolve(stderr.includes('ship.retry')), 20_000, 'a retry while down');
  assert.equal(d.exitCode, null, 'still running while storage is down');
  proxy.setMode('pass');
  const target = `s3://${bucket}/p`;
  Object.assign(process.env, envFor(s3TestConfig().endpoint));
  await eventually(async () => (await manifestNames(target, src)).includes('before.db'), 60_000, 'catch-up');
  await put(src, 'after.db', 'written after');
  await eventually(async () => (await manifestNames(target, src)).includes('after.db'), 20_000, 'new file');
  d.kill('SIGTERM');
  assert.equal((await done).code, 0);
  await proxy.close();
});

test('S3 down in the middle and 503 storms: nothing is lost', async () => {
  const { src, locks } = await world();
  const bucket = await createTestBucket('down-mid');
  const proxy = await startFaultProxy(s3TestConfig().endpoint);
  const d = spawnCairn(['ship', 'watch', src, '--to', `s3://${bucket}/p`, '--host', 'h'], {
    env: { ...envFor(proxy.endpoint), CAIRN_LOCK_DIR: locks },
  });
  const done = finished(d);
  let stderr = '';
  d.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  await eventually(() => Promise.resolve(stderr.includes('ship.ready')), 20_000, 'ready');
  Object.assign(process.env, envFor(s3TestConfig().endpoint));
  const target = `s3://${bucket}/p`;
  await put(src, 'first.db', 'one');
  await eventually(async () => (await manifestNames(target, src)).includes('first.db'));
  proxy.setMode('down');
  for (let i = 0; i < 20; i++) await put(src, `during-${i}.db`, `outage ${i}`);
  await new Promise((r) => setTimeout(r, 1500));
  proxy.setMode('pass');
  proxy.failNext(6, 'error503');
  for (let i = 0; i < 5; i++) await put(src, `storm-${i}.db`, `storm ${i}`);
  await eventually(async () => (await manifestNames(target, src)).length === 26, 60_000, 'all 26 files');
  d.kill('SIGTERM');
  assert.equal((await done).code, 0);
  const verify = await cairn(['ship', 'verify', '--from', target, '--read-data']);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  await proxy.close();
});

test('a large upload killed with SIGKILL resumes from the parts already stored', async () => {
  const { src, locks } = await world();
  const bucket = await createTestBucket('resume-kill');
  const size = 40 * 1024 * 1024 + 123;
  await writeFile(join(src, 'big-Data.db'), randomBytes(size));
  const cfg = join(src, '..', 'cairn.yaml');
  await writeFile(cfg, 's3:\n  partSizeMiB: 5\n  partConcurrency: 1\n');
  const env = { ...envFor(s3TestConfig().endpoint), CAIRN_LOCK_DIR: locks, CAIRN_CONFIG: cfg };
  const target = `s3://${bucket}/p`;
  const first = spawnCairn(['ship', 'backup', src, '--to', target, '--host', 'h', '--max-rate', '10MB/s'], {
    env,
  });
  const killed = finished(first);
  const client = s3TestClient();
  await eventually(
    async () => {
      const ups = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      const u = ups.Uploads?.[0];
      if (!u) return false;
      const parts = await client.send(
        new ListPartsCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }),
      );
      return (parts.Parts?.length ?? 0) >= 2;
    },
    30_000,
    'two parts stored',
  );
  first.kill('SIGKILL');
  assert.equal((await killed).signal, 'SIGKILL');
  const again = await cairn(['ship', 'backup', src, '--to', target, '--host', 'h', '--json'], { env });
  assert.equal(again.code, 0, again.stderr);
  const r = JSON.parse(again.stdout) as { stats: { bytesResumed: number; bytesUploaded: number } };
  assert.ok(r.stats.bytesResumed >= 2 * 5 * 1024 * 1024, `resumed ${r.stats.bytesResumed}`);
  assert.equal(r.stats.bytesResumed + r.stats.bytesUploaded, size);
  const left = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  assert.equal(left.Uploads?.length ?? 0, 0);
  assert.equal((await cairn(['ship', 'verify', '--from', target, '--read-data'], { env })).code, 0);
  client.destroy();
});

test('a server that takes requests and never answers: requests time out and are retried, and the daemon catches up', async () => {
  const { src, locks } = await world();
  const bucket = await createTestBucket('hang');
  const cfg = join(src, '..', 'cairn.config.yaml');
  await writeFile(cfg, 's3:\n  requestTimeout: 1s\n');
  const proxy = await startFaultProxy(s3TestConfig().endpoint);
  const target = `s3://${bucket}/p`;
  const d = spawnCairn(['ship', 'watch', src, '--to', target, '--host', 'h'], {
    env: { ...envFor(proxy.endpoint), CAIRN_LOCK_DIR: locks, CAIRN_CONFIG: cfg },
  });
  const done = finished(d);
  let stderr = '';
  d.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  await eventually(() => Promise.resolve(stderr.includes('ship.ready')), 20_000, 'the daemon ready');
  proxy.setMode('hang');
  await put(src, 'during.db', 'written while the server hangs');
  await eventually(() => Promise.resolve(stderr.includes('ship.retry')), 30_000, 'a retry after a timeout');
  assert.equal(d.exitCode, null, 'still running while the server hangs');
  proxy.setMode('pass');
  Object.assign(process.env, envFor(s3TestConfig().endpoint));
  await eventually(async () => (await manifestNames(target, src)).includes('during.db'), 60_000, 'catch-up');
  d.kill('SIGTERM');
  assert.equal((await done).code, 0);
  await proxy.close();
});
