import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/core/clock.js';
import { openStore } from '../../src/storage/open-store.js';
import { shipPrune } from '../../src/ship/prune.js';
import type { PruneHooks } from '../../src/ship/prune.js';
import { objectKey } from '../../src/ship/layout.js';
import { cairn } from '../support/cli.js';
import { allTargets, localTarget } from '../support/targets.js';
import type { TestTarget } from '../support/targets.js';

const HOUR = 3_600_000;
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/**
 * A repository with two shipped files and one stored content no manifest refers to, older
 * than prune's grace period: on a local target its mtime is set back; on S3, where the
 * server sets LastModified, prune's clock runs 7 hours ahead instead.
 */
async function setUp(target: TestTarget): Promise<{ src: string; repo: string; clock: Clock }> {
  const env = target.env();
  Object.assign(process.env, env); // for the library prune to reach the target
  const src = await mkdtemp(join(tmpdir(), 'cairn-race-src-'));
  const repo = await target.make();
  await writeFile(join(src, 'a.db'), 'content a');
  await writeFile(join(src, 'b.db'), 'content b');
  const first = await cairn(['ship', 'backup', src, '--to', repo, '--host', 'h'], { env });
  assert.equal(first.code, 0, first.stderr);
  const store = openStore(repo);
  await store.put(objectKey(sha('old content')), Buffer.from('old content'));
  let clock: Clock = { now: () => new Date() };
  if (target === localTarget) {
    const old = new Date(Date.now() - 7 * HOUR);
    const p = join(repo, ...objectKey(sha('old content')).split('/'));
    await utimes(p, old, old);
  } else {
    clock = { now: () => new Date(Date.now() + 7 * HOUR) };
  }
  return { src, repo, clock };
}

/** While prune runs, a backup stores the old content again under a new name and writes a manifest naming it. */
async function raceAt(target: TestTarget, phase: keyof PruneHooks): Promise<void> {
  const env = target.env();
  const { src, repo, clock } = await setUp(target);
  const store = openStore(repo);
  let backupCode: number | null = -1;
  const hooks: PruneHooks = {
    [phase]: async () => {
      await writeFile(join(src, 'c.db'), 'old content');
      const b = await cairn(['ship', 'backup', src, '--to', repo, '--host', 'h'], { env });
      backupCode = b.code;
      assert.equal(b.code, 0, b.stderr);
    },
  };
  const r = await shipPrune({ store, policy: { last: 1 }, hosts: ['h'], clock, hooks });
  assert.equal(backupCode, 0, 'the backup ran while prune was running');
  assert.ok(
    !r.objects.remove.some((o) => o.key === objectKey(sha('old content'))),
    'the content a new manifest names is not deleted',
  );
  const verify = await cairn(['ship', 'verify', '--from', repo, '--read-data'], { env });
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  const dest = await mkdtemp(join(tmpdir(), 'cairn-race-dest-'));
  const restore = await cairn(['ship', 'restore', dest, '--from', repo, '--host', 'h', '--path', src], {
    env,
  });
  assert.equal(restore.code, 0, restore.stdout + restore.stderr);
  assert.equal(await readFile(join(dest, 'c.db'), 'utf8'), 'old content');
  assert.equal(await readFile(join(dest, 'a.db'), 'utf8'), 'content a');
  await rm(src, { recursive: true, force: true });
  await rm(dest, { recursive: true, force: true });
}

for (const target of allTargets) {
  test(`${target.name}: an old object a backup names while prune reads manifests is not deleted`, async () => {
    await raceAt(target, 'afterManifestsRead');
  });
}

test('local: an old object a backup stores again right before prune checks it is not deleted', async () => {
  await raceAt(localTarget, 'beforeObjectsChecked');
});
