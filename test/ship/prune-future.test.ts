// A manifest dated in the future (a host with a wrong clock) through the real CLI, on a local
// directory and on S3: `ship prune --keep-within` keeps the real manifests, keeps the future one,
// and warns about it; `ship list` marks it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '../../src/core/clock.js';
import { listManifests } from '../../src/ship/catalog.js';
import { shipBackup } from '../../src/ship/backup.js';
import { openStore } from '../../src/storage/open-store.js';
import { cairn } from '../support/cli.js';
import { removeTarget } from '../support/remove-target.js';
import { allTargets, s3Target } from '../support/targets.js';

// The library opens S3 targets with the SDK's usual settings, which the CLI gets from its environment.
Object.assign(process.env, s3Target.env());

const DAY = 86_400_000;
const FUTURE = 'dated in the future (clock skew?)';

interface PruneJson {
  keepManifests: { key: string; reasons: string[] }[];
  removeManifests: { key: string; reasons: string[] }[];
  warnings: string[];
}

for (const target of allTargets) {
  test(`${target.name}: ship prune --keep-within 30d keeps the real manifests next to one dated next year, and warns`, async () => {
    const repo = await target.make();
    const env = target.env();
    const src = await mkdtemp(join(tmpdir(), 'cairn-prune-future-src-'));
    const locks = await mkdtemp(join(tmpdir(), 'cairn-prune-future-locks-'));
    try {
      const store = openStore(repo);
      const now = Date.now();
      const at = [60, 20, 5, 2, 1].map((d) => new Date(now - d * DAY));
      const skewedAt = new Date(now + 365 * DAY);
      for (const time of [...at, skewedAt]) {
        await writeFile(join(src, 'data.db'), `as of ${time.toISOString()}`);
        await shipBackup({ store, paths: [src], host: 'h', clock: fixedClock(time), lockDir: locks });
      }
      const refs = await listManifests(store);
      assert.equal(refs.length, 6);
      const keyAt = (t: Date): string => refs.find((r) => r.time.getTime() === t.getTime())?.key ?? '?';

      const dry = await cairn(
        ['ship', 'prune', '--from', repo, '--host', 'h', '--keep-within', '30d', '--dry-run', '--json'],
        { env },
      );
      assert.equal(dry.code, 0, dry.stderr);
      const plan = JSON.parse(dry.stdout) as PruneJson;
      assert.deepEqual(
        plan.removeManifests.map((m) => m.key),
        [keyAt(at[0] ?? new Date(0))],
      );
      assert.deepEqual(plan.keepManifests.find((k) => k.key === keyAt(skewedAt))?.reasons, [FUTURE]);
      assert.deepEqual(plan.keepManifests.find((k) => k.key === keyAt(at[4] ?? new Date(0)))?.reasons, [
        'newest of its directory',
        'within 30d of the newest',
      ]);
      assert.equal(plan.keepManifests.length, 5);
      assert.equal(plan.warnings.length, 1);
      assert.match(plan.warnings[0] ?? '', /^1 manifest is dated in the future/);
      assert.match(dry.stderr, /retention\.clock-skew/);

      const r = await cairn(['ship', 'prune', '--from', repo, '--host', 'h', '--keep-within', '30d'], {
        env,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /keep\s+\S+\s+h:\S+\s+dated in the future \(clock skew\?\)/);
      assert.match(r.stdout, /deleted 1 manifests/);
      assert.match(r.stderr, /1 manifest is dated in the future/);
      assert.equal((await listManifests(store)).length, 5);

      const listed = await cairn(['ship', 'list', '--from', repo, '--host', 'h'], { env });
      assert.equal(listed.code, 0, listed.stderr);
      const rows = listed.stdout.split('\n').filter((l) => l.includes(src));
      assert.equal(rows.length, 5);
      assert.deepEqual(
        rows.filter((l) => l.includes('(in the future)')).map((l) => l.slice(0, 24)),
        [skewedAt.toISOString()],
      );
    } finally {
      await rm(src, { recursive: true, force: true });
      await rm(locks, { recursive: true, force: true });
      await removeTarget(repo);
    }
  });
}
