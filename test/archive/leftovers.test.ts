// What an `archive create` killed with SIGKILL leaves (a temporary file, an unfinished multipart
// upload, its name claim) is removed by a later run once older than the leftover age; younger
// leftovers, which may belong to a run still going, stay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { cairn, eventually, finished, spawnCairn } from '../support/cli.js';
import { localTarget, s3Target } from '../support/targets.js';
import { s3TestClient } from '../support/s3-env.js';
import { listArchives } from '../../src/archive/catalog.js';
import { collect } from '../../src/storage/object-store.js';
import { openStore } from '../../src/storage/open-store.js';

Object.assign(process.env, s3Target.env());

const SLOW = 'data.bin=head -c 30000000 /dev/urandom; exec sleep 30';

/** Starts a slow `archive create`, waits for `started`, then kills it and its command with SIGKILL. */
async function killMidway(target: string, started: () => Promise<boolean>): Promise<void> {
  const child = spawnCairn(
    ['archive', 'create', 'nightly', '--format', 'tar', '--to', target, '--run', SLOW],
    {
      env: s3Target.env(),
    },
  );
  const done = finished(child);
  await eventually(started, 30_000, 'the archive is being written');
  const kids = execFileSync('ps', ['--ppid', String(child.pid), '-o', 'pid='], { encoding: 'utf8' })
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => n > 0);
  child.kill('SIGKILL');
  for (const pid of kids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  assert.equal((await done).signal, 'SIGKILL');
}

test('local: a later archive create removes the temporary file and claim of a run killed with SIGKILL, once old', async () => {
  const repo = await localTarget.make();
  const src = await mkdtemp(join(tmpdir(), 'cairn-arc-left-'));
  try {
    await writeFile(join(src, 'a.txt'), 'a\n');
    const tmp = join(repo, '.cairn-tmp');
    await killMidway(repo, async () => (await readdir(tmp).catch(() => [])).length > 0);
    const leftovers = await readdir(tmp);
    assert.equal(leftovers.length, 1, 'the killed run left its temporary file');
    const claims = await readdir(join(repo, '.cairn-claims'));
    assert.equal(claims.length, 1, 'and its name claim');
    const old = new Date(Date.now() - 25 * 3_600_000);
    await utimes(join(tmp, leftovers[0]!), old, old);
    await utimes(join(repo, '.cairn-claims', claims[0]!), old, old);
    await writeFile(join(tmp, 'young'), 'a run still writing'); // not old enough: stays

    const r = await cairn(['archive', 'create', 'nightly', '--include', src, '--to', repo, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await readdir(tmp), ['young'], 'the old temporary file is gone');
    assert.deepEqual(await readdir(join(repo, '.cairn-claims')), [], 'the old claim is gone');
    assert.equal((await listArchives(openStore(repo), 'nightly')).length, 1);
  } finally {
    await rm(join(repo, '..'), { recursive: true, force: true });
    await rm(src, { recursive: true, force: true });
  }
});

test('s3: a later archive create aborts the multipart upload of a run killed with SIGKILL, once older than CAIRN_LEFTOVER_AGE', async () => {
  const target = await s3Target.make();
  const bucket = target.slice('s3://'.length).split('/')[0]!;
  const src = await mkdtemp(join(tmpdir(), 'cairn-arc-left-'));
  const s3 = s3TestClient();
  const uploads = async () =>
    (await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];
  try {
    await writeFile(join(src, 'a.txt'), 'a\n');
    await killMidway(target, async () => (await uploads()).length > 0);
    const killed = (await uploads()).map((u) => u.UploadId);
    assert.equal(killed.length, 1, 'the killed run left its upload');
    assert.equal((await collect(openStore(target).list('.cairn-claims/'))).length, 1, 'and its claim');

    // With the default age (24 h) a young leftover stays: it may be a run still going.
    const young = await cairn(['archive', 'create', 'nightly', '--include', src, '--to', target], {
      env: s3Target.env(),
    });
    assert.equal(young.code, 0, young.stderr);
    assert.deepEqual(
      (await uploads()).map((u) => u.UploadId),
      killed,
    );

    await sleep(2500); // older than the 1 s age below, by the server's clock
    const r = await cairn(['archive', 'create', 'nightly', '--include', src, '--to', target], {
      env: { ...s3Target.env(), CAIRN_LEFTOVER_AGE: '1s' },
    });
    assert.equal(r.code, 0, r.stderr);
    const left = (await uploads()).map((u) => u.UploadId);
    assert.deepEqual(
      left.filter((id) => killed.includes(id)),
      [],
      'the killed run left no upload',
    );
    assert.deepEqual(await collect(openStore(target).list('.cairn-claims/')), [], 'nor a claim');
    assert.equal((await listArchives(openStore(target), 'nightly')).length, 2);
  } finally {
    s3.destroy();
    await rm(src, { recursive: true, force: true });
  }
});
