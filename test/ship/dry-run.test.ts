import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cairn } from '../support/cli.js';

test('ship backup --dry-run lists what would be shipped and stores nothing', async () => {
  const src = await mkdtemp(join(tmpdir(), 'cairn-dry-'));
  await writeFile(join(src, 'a.db'), 'a');
  await writeFile(join(src, 'b.db'), 'b');
  const repo = join(src, '..', `${src.split('/').pop()}-repo`);
  const r = await cairn(['ship', 'backup', src, '--to', repo, '--dry-run', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { toShip: string[]; dryRun: boolean };
  assert.equal(out.dryRun, true);
  assert.deepEqual(out.toShip.sort(), [join(src, 'a.db'), join(src, 'b.db')]);
  await assert.rejects(access(repo), 'the target was not even created');
  assert.equal((await cairn(['ship', 'backup', src, '--to', repo])).code, 0);
  const again = await cairn(['ship', 'backup', src, '--to', repo, '--dry-run', '--json']);
  assert.deepEqual((JSON.parse(again.stdout) as { toShip: string[] }).toShip, []);
});
