import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cairn } from '../support/cli.js';

test('several hosts ship to one target without clobbering each other', async () => {
  const base = await mkdtemp(join(tmpdir(), 'cairn-hosts-'));
  const repo = join(base, 'repo');
  // The same directory path on two machines, with different and identical content.
  const dir = join(base, 'data');
  await import('node:fs/promises').then((fs) => fs.mkdir(dir));
  await writeFile(join(dir, 'shared.db'), 'same on both');
  await writeFile(join(dir, 'own.db'), 'host a');
  assert.equal((await cairn(['ship', 'backup', dir, '--to', repo, '--host', 'db-a'])).code, 0);
  await writeFile(join(dir, 'own.db'), 'host b');
  const b = await cairn(['ship', 'backup', dir, '--to', repo, '--host', 'db-b', '--json']);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(
    (JSON.parse(b.stdout) as { stats: { filesStoredAlready: number } }).stats.filesStoredAlready,
    1,
  );

  const list = JSON.parse((await cairn(['ship', 'list', '--from', repo, '--json'])).stdout) as {
    host: string;
  }[];
  assert.deepEqual(list.map((p) => p.host).sort(), ['db-a', 'db-b']);

  const ambiguous = await cairn(['ship', 'restore', join(base, 'x'), '--from', repo]);
  assert.equal(ambiguous.code, 2);
  assert.match(ambiguous.stderr, /holds several hosts \(db-a, db-b\)\nhint: choose one with --host/);

  for (const host of ['db-a', 'db-b']) {
    const dest = join(base, `restore-${host}`);
    assert.equal(
      (await cairn(['ship', 'restore', dest, '--from', repo, '--host', host, '--path', dir])).code,
      0,
    );
    assert.equal(await readFile(join(dest, 'own.db'), 'utf8'), host === 'db-a' ? 'host a' : 'host b');
    assert.equal(await readFile(join(dest, 'shared.db'), 'utf8'), 'same on both');
  }
  // Pruning one host never removes what the other refers to.
  const pruned = await cairn([
    'ship',
    'prune',
    '--from',
    repo,
    '--host',
    'db-a',
    '--keep-last',
    '1',
    '--json',
  ]);
  assert.equal(pruned.code, 0, pruned.stderr);
  assert.equal((await cairn(['ship', 'verify', '--from', repo, '--read-data'])).code, 0);
});
