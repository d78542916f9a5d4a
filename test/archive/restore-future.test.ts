// `archive restore NAME` next to an archive of NAME dated in the future (a host with a wrong
// clock), through the real CLI, on a local directory and on S3: the newest archive not dated in
// the future is restored, with a warning naming the future one; NAME@TIME still reaches it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archive } from '../../src/archive/archive.js';
import { fixedClock } from '../../src/core/clock.js';
import { cairn } from '../support/cli.js';
import { removeTarget } from '../support/remove-target.js';
import { allTargets, s3Target } from '../support/targets.js';

// The library opens S3 targets with the SDK's usual settings, which the CLI gets from its environment.
Object.assign(process.env, s3Target.env());

const DAY = 86_400_000;

async function storeAt(repo: string, name: string, at: Date): Promise<string> {
  await using a = archive(name, { to: repo, format: 'tar.gz', clock: fixedClock(at) });
  await a.includeNewDir('data', (dir) => writeFile(join(dir, 'v.txt'), at.toISOString()));
  return (await a.save()).key;
}

for (const target of allTargets) {
  test(`${target.name}: archive restore NAME restores the newest archive not dated in the future, and warns`, async () => {
    const repo = await target.make();
    const env = target.env();
    const dests: string[] = [];
    const restore = async (spec: string) => {
      const dest = await mkdtemp(join(tmpdir(), 'cairn-arc-future-'));
      dests.push(dest);
      const r = await cairn(['archive', 'restore', spec, dest, '--from', repo, '--json'], { env });
      const version = r.code === 0 ? await readFile(join(dest, 'data', 'v.txt'), 'utf8') : undefined;
      return { ...r, version };
    };
    try {
      const now = Date.now();
      const older = new Date(now - 2 * DAY);
      const real = new Date(now - DAY);
      const future = new Date(now + 365 * DAY);
      await storeAt(repo, 'nightly', older);
      const realKey = await storeAt(repo, 'nightly', real);
      const skewedKey = await storeAt(repo, 'nightly', future);

      const r = await restore('nightly');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.version, real.toISOString());
      assert.equal((JSON.parse(r.stdout) as { key: string }).key, realKey);
      assert.match(r.stderr, new RegExp(`dated in the future.*${skewedKey.replace(/\./g, '\\.')}`));

      const at = await restore(`nightly@${future.toISOString()}`);
      assert.equal(at.code, 0, at.stderr);
      assert.equal(at.version, future.toISOString(), 'NAME@TIME reaches the future one');

      // Only a future one: refused, with the way to restore it.
      await storeAt(repo, 'weekly', future);
      const only = await restore('weekly');
      assert.equal(only.code, 4, only.stderr);
      assert.match(only.stderr, /no archive "weekly" not dated in the future/);
      assert.match(only.stderr, /hint: .*weekly@/);
    } finally {
      for (const d of dests) await rm(d, { recursive: true, force: true });
      await removeTarget(repo);
    }
  });
}
