// An archive dated in the future (a host with a wrong clock) through the real CLI, on a local
// directory and on S3: `archive prune --keep-within` keeps the real ones, keeps the future one,
// and warns about it; `archive list` marks it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { archive } from '../../src/archive/archive.js';
import { fixedClock } from '../../src/core/clock.js';
import { cairn } from '../support/cli.js';
import { removeTarget } from '../support/remove-target.js';
import { allTargets, s3Target } from '../support/targets.js';

// The library opens S3 targets with the SDK's usual settings, which the CLI gets from its environment.
Object.assign(process.env, s3Target.env());

const DAY = 86_400_000;
const FUTURE = 'dated in the future (clock skew?)';

async function storeAt(repo: string, at: Date): Promise<string> {
  await using a = archive('nightly', { to: repo, format: 'tar.gz', clock: fixedClock(at) });
  await a.includeNewDir('data', (dir) => writeFile(join(dir, 'v.txt'), at.toISOString()));
  return (await a.save()).key;
}

interface PruneJson {
  keep: { key: string; reasons: string[] }[];
  remove: { key: string; reason: string }[];
  warnings: string[];
}

for (const target of allTargets) {
  test(`${target.name}: archive prune --keep-within 30d keeps the real archives next to one dated next year, and warns`, async () => {
    const repo = await target.make();
    const env = target.env();
    try {
      const now = Date.now();
      const real = [];
      for (const days of [0.1, 1, 2, 5, 20]) real.push(await storeAt(repo, new Date(now - days * DAY)));
      const old = await storeAt(repo, new Date(now - 60 * DAY));
      const skewed = await storeAt(repo, new Date(now + 365 * DAY));

      const dry = await cairn(
        ['archive', 'prune', 'nightly', '--keep-within', '30d', '--dry-run', '--json', '--from', repo],
        { env },
      );
      assert.equal(dry.code, 0, dry.stderr);
      const plan = JSON.parse(dry.stdout) as PruneJson;
      assert.deepEqual(
        plan.remove.map((r) => r.key),
        [old],
      );
      assert.deepEqual(plan.keep.find((k) => k.key === skewed)?.reasons, [FUTURE]);
      for (const key of real)
        assert.deepEqual(plan.keep.find((k) => k.key === key)?.reasons, ['within 30d of the newest'], key);
      assert.equal(plan.warnings.length, 1);
      assert.match(plan.warnings[0] ?? '', /^1 archive is dated in the future/);
      assert.match(dry.stderr, /retention\.clock-skew/);
      assert.match(dry.stderr, /1 archive is dated in the future/);

      const r = await cairn(['archive', 'prune', 'nightly', '--keep-within', '30d', '--from', repo], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        new RegExp(
          `keep\\s+\\S+\\s+${skewed.replace(/\./g, '\\.')}\\s+dated in the future \\(clock skew\\?\\)`,
        ),
      );
      assert.match(r.stdout, /deleted 1 archives/);
      assert.match(r.stderr, /dated in the future/);

      const listed = await cairn(['archive', 'list', 'nightly', '--from', repo], { env });
      assert.equal(listed.code, 0, listed.stderr);
      const rows = listed.stdout.split('\n').filter((l) => l.includes('nightly_'));
      assert.equal(rows.length, real.length + 1);
      assert.match(rows.find((l) => l.includes(skewed)) ?? '', /\(in the future\)/);
      assert.equal(rows.filter((l) => l.includes('in the future')).length, 1);
    } finally {
      await removeTarget(repo);
    }
  });
}
