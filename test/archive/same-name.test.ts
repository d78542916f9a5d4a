// Two runs of one archive name started in the same second (two hosts running one cron job) both
// store their archive: neither replaces the other, the second takes the next second's name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { finished, spawnCairn } from '../support/cli.js';
import { allTargets, s3Target } from '../support/targets.js';
import { archive } from '../../src/archive/archive.js';
import { listArchives } from '../../src/archive/catalog.js';
import type { ArchiveInfo } from '../../src/archive/catalog.js';
import { fixedClock } from '../../src/core/clock.js';
import { collect } from '../../src/storage/object-store.js';
import { openStore } from '../../src/storage/open-store.js';

Object.assign(process.env, s3Target.env());

async function storedSha(target: string, key: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of await openStore(target).get(key)) h.update(c as Buffer);
  return h.digest('hex');
}

/** Each archive's record describes the bytes stored under its key, and no two are alike. */
async function assertIntact(target: string, all: ArchiveInfo[]): Promise<void> {
  for (const a of all) {
    assert.ok(a.meta, `${a.key} has its record`);
    assert.equal(a.meta.key, a.key);
    assert.equal(await storedSha(target, a.key), a.meta.sha256, `${a.key} holds what its record says`);
  }
  assert.equal(new Set(all.map((a) => a.meta?.sha256)).size, all.length, 'each run stored its own archive');
}

async function sources(n: number): Promise<{ base: string; dirs: string[] }> {
  const base = await mkdtemp(join(tmpdir(), 'cairn-arc-same-'));
  const dirs: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = join(base, `src${i}`);
    await mkdir(d);
    await writeFile(join(d, 'who.txt'), `run ${i}\n`);
    dirs.push(d);
  }
  return { base, dirs };
}

for (const t of allTargets) {
  test(`${t.name}: runs of one name started in the same second each store their archive, under the next free second`, async () => {
    const target = await t.make();
    const { base, dirs } = await sources(3);
    try {
      const at = fixedClock('2026-03-01T02:00:00.400Z');
      const run = (dir: string) => archive('nightly', { to: target, clock: at }).includeDirectory(dir).save();
      const both = await Promise.all([run(dirs[0]!), run(dirs[1]!)]);
      const later = await run(dirs[2]!); // the same second again, once those are done
      assert.deepEqual([...both.map((r) => r.key)].sort(), [
        'nightly_20260301020000.tar.gz',
        'nightly_20260301020001.tar.gz',
      ]);
      assert.equal(later.key, 'nightly_20260301020002.tar.gz');
      const all = await listArchives(openStore(target), 'nightly');
      assert.equal(all.length, 3);
      await assertIntact(target, all);
      for (const a of all)
        assert.equal(a.meta?.createdAt, '2026-03-01T02:00:00.400Z', 'the record keeps the start');
      assert.deepEqual(await collect(openStore(target).list('.cairn-claims/')), [], 'claims are released');
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  test(`${t.name}: two \`archive create\` of one name started in the same second both exit 0 and both archives stay`, async () => {
    const target = await t.make();
    const { base, dirs } = await sources(2);
    try {
      let sameSecond = 0;
      for (let round = 0; round < 5 && sameSecond === 0; round++) {
        // Start both just after a second begins; the first is slow, so it completes last.
        await sleep(1000 - (Date.now() % 1000) + 50);
        const a = spawnCairn(
          [
            'archive',
            'create',
            `job${round}`,
            '--include',
            dirs[0]!,
            '--to',
            target,
            '--run',
            'slow.txt=sleep 1.5; echo slow',
          ],
          { env: t.env() },
        );
        const b = spawnCairn(['archive', 'create', `job${round}`, '--include', dirs[1]!, '--to', target], {
          env: t.env(),
        });
        const [ra, rb] = await Promise.all([finished(a), finished(b)]);
        assert.equal(ra.code, 0, ra.stderr);
        assert.equal(rb.code, 0, rb.stderr);
        const all = await listArchives(openStore(target), `job${round}`);
        assert.equal(all.length, 2, `two runs, two archives: ${all.map((x) => x.key).join(', ')}`);
        await assertIntact(target, all);
        const started = all.map((x) => Math.floor(Date.parse(x.meta?.createdAt ?? '') / 1000));
        if (started[0] === started[1]) sameSecond += 1;
      }
      assert.ok(sameSecond > 0, 'in five rounds, the two runs never started in the same second');
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
}
