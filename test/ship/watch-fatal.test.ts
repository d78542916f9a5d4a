import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { cairn, eventually, finished, spawnCairn } from '../support/cli.js';
import { alive, assertOneErrorLine, childrenOf, exitWithin, startDaemon } from '../support/daemon.js';
import { manifestNames } from '../support/repo-probe.js';
import { createTestBucket, s3TestClient } from '../support/s3-env.js';
import { s3Target } from '../support/targets.js';

// A daemon that cannot go on must exit by itself, non-zero, so that a supervisor
// (systemd's Restart=on-failure) restarts it; one left running does nothing useful.

/** How long a failed daemon may take to exit: its stop has nothing slow to wait for here. */
const EXIT_WITHIN_MS = 10_000;

async function world(): Promise<{ src: string; repo: string; locks: string }> {
  const base = await mkdtemp(join(tmpdir(), 'cairn-watch-fatal-'));
  await mkdir(join(base, 'src'));
  return { src: join(base, 'src'), repo: join(base, 'repo'), locks: join(base, 'locks') };
}

async function put(dir: string, name: string, body: string): Promise<void> {
  await writeFile(join(dir, `${name}.tmp`), body);
  await rename(join(dir, `${name}.tmp`), join(dir, name));
}

test('a daemon whose manifests the bucket refuses stops by itself: exit 5, one error line, nothing left running', async () => {
  const { src, locks } = await world();
  const bucket = await createTestBucket('watch-fatal');
  const target = `s3://${bucket}/p`;
  Object.assign(process.env, s3Target.env());
  const d = await startDaemon([src, '--to', target, '--host', 'h'], {
    ...s3Target.env(),
    CAIRN_LOCK_DIR: locks,
  });
  await put(src, 'first.db', 'shipped while the bucket takes manifests');
  await eventually(async () => (await manifestNames(target, src)).includes('first.db'), 20_000, 'first.db');

  // The bucket's policy stops allowing manifests to be written (say, a policy tightened by
  // hand): a 403 AccessDenied, which no retry cures. Objects can still be stored.
  const s3 = s3TestClient();
  try {
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:PutObject',
              Resource: `arn:aws:s3:::${bucket}/p/ship/*`,
            },
          ],
        }),
      }),
    );
  } finally {
    s3.destroy();
  }
  await put(src, 'second.db', 'stored, but its manifest is refused');

  const r = await exitWithin(d, EXIT_WITHIN_MS);
  assert.equal(r.signal, null);
  assert.equal(r.code, 5, r.stderr); // access denied
  assertOneErrorLine(r, /access denied/);
  assert.ok(!alive(d.inotifywait), 'inotifywait was stopped');
  assert.deepEqual(
    (await readdir(locks)).filter((f) => f.endsWith('.lock')),
    [],
    'the path lock was released',
  );
  // No manifest names an object that is not stored.
  const verify = await cairn(['ship', 'verify', '--from', target], { env: s3Target.env() });
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  assert.deepEqual(await manifestNames(target, src), ['first.db']);
});

test('a daemon that cannot open its target stops by itself, its watches already in place: exit 4', async () => {
  const { src, locks } = await world();
  const target = `s3://cairn-no-such-bucket-${process.pid}/p`;
  const d = spawnCairn(['ship', 'watch', src, '--to', target, '--host', 'h'], {
    env: { ...s3Target.env(), CAIRN_LOCK_DIR: locks },
  });
  const exited = finished(d);
  const inotifywait = await Promise.race([
    eventually(async () => (await childrenOf(d.pid as number, 'inotifywait'))[0], 10_000, 'inotifywait'),
    exited.then(() => 0),
  ]);
  const r = await exitWithin({ exited, kill: () => d.kill('SIGKILL'), inotifywait }, EXIT_WITHIN_MS);
  assert.equal(r.code, 4, r.stderr); // not found
  assertOneErrorLine(r, /bucket "cairn-no-such-bucket-\d+" does not exist/);
  assert.ok(!inotifywait || !alive(inotifywait), 'inotifywait was stopped');
});

test('inotifywait killed: the daemon does not go on blind, it stops with exit 6 and one error line', async () => {
  const { src, repo, locks } = await world();
  const d = await startDaemon([src, '--to', repo, '--host', 'h'], { CAIRN_LOCK_DIR: locks });
  process.kill(d.inotifywait, 'SIGKILL');
  const r = await exitWithin(d, EXIT_WITHIN_MS);
  assert.equal(r.code, 6, r.stderr); // unavailable
  assertOneErrorLine(r, /inotifywait was killed by SIGKILL/);
  assert.match(r.stderr, /hint: start cairn ship watch again/);
  // What happened while nothing watched is shipped by the reconciliation a restarted daemon starts with.
  await put(src, 'while-down.db', 'written while nothing watched');
  const again = await cairn(['ship', 'backup', src, '--to', repo, '--host', 'h'], {
    env: { CAIRN_LOCK_DIR: locks },
  });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(await manifestNames(repo, src), ['while-down.db']);
});
