import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStore } from '../../src/storage/local-store.js';
import { collect } from '../../src/storage/object-store.js';
import { shipBackup } from '../../src/ship/backup.js';
import { shipPrune } from '../../src/ship/prune.js';
import { shipVerify } from '../../src/ship/verify.js';
import { shipRestore } from '../../src/ship/restore.js';
import { listManifests } from '../../src/ship/catalog.js';
import { fixedClock } from '../../src/core/clock.js';
import { CairnError } from '../../src/core/errors.js';
import { cairn } from '../support/cli.js';

const DAY = 86_400_000;

test('prune keeps what the policy keeps, deletes unreferenced objects, and the newest state still restores', async () => {
  const src = await mkdtemp(join(tmpdir(), 'cairn-prune-src-'));
  const root = await mkdtemp(join(tmpdir(), 'cairn-prune-repo-'));
  const store = new LocalStore(root);
  const locks = join(root, '..', `locks-${process.pid}`);
  // Three generations on three days: each replaces data.db.
  const start = Date.now();
  for (let day = 0; day < 3; day++) {
    await writeFile(join(src, 'data.tmp'), `generation ${day}`);
    await rename(join(src, 'data.tmp'), join(src, 'data.db'));
    await writeFile(join(src, 'stable.db'), 'never changes');
    await shipBackup({
      store,
      paths: [src],
      host: 'h',
      clock: fixedClock(new Date(start + day * DAY)),
      lockDir: locks,
    });
  }
  assert.equal((await listManifests(store)).length, 3);
  assert.equal((await collect(store.list('objects/'))).length, 4);

  const later = fixedClock(new Date(start + 10 * DAY));
  const dry = await shipPrune({ store, policy: { last: 1 }, hosts: ['h'], dryRun: true, clock: later });
  assert.equal(dry.manifests.remove.length, 2);
  assert.equal(dry.objects.remove.length, 2, 'generations 0 and 1');
  assert.equal((await listManifests(store)).length, 3, 'dry run deletes nothing');

  const r = await shipPrune({ store, policy: { last: 1 }, hosts: ['h'], clock: later });
  assert.equal(r.bytesFreed, 'generation 0'.length * 2);
  assert.equal((await listManifests(store)).length, 1);
  assert.equal((await collect(store.list('objects/'))).length, 2);
  assert.deepEqual((await shipVerify({ store, readData: true })).problems, []);
  const dest = await mkdtemp(join(tmpdir(), 'cairn-prune-dest-'));
  const restored = await shipRestore({ store, dest, path: src, at: new Date(start + 10 * DAY) });
  assert.equal(restored.restored, 2);

  await rm(src, { recursive: true, force: true });
});

test('prune never deletes young objects, and refuses an empty policy or a short grace', async () => {
  const src = await mkdtemp(join(tmpdir(), 'cairn-prune-src-'));
  const root = await mkdtemp(join(tmpdir(), 'cairn-prune-repo-'));
  const store = new LocalStore(root);
  await writeFile(join(src, 'a.db'), 'one');
  await shipBackup({ store, paths: [src], host: 'h', lockDir: join(root, '..', `l-${process.pid}`) });
  // An orphan stored just now, as a daemon does right before its manifest.
  await store.put(`objects/sha256/ab/${'ab'.repeat(32)}`, Buffer.from('orphan'));
  const r = await shipPrune({ store, policy: { last: 1 }, dryRun: false });
  assert.equal(r.objects.remove.length, 0);
  assert.equal(r.objects.keptYoung, 1);
  await assert.rejects(
    shipPrune({ store, policy: {} }),
    (e: unknown) => e instanceof CairnError && e.code === 'USAGE',
  );
  await assert.rejects(
    shipPrune({ store, policy: { last: 1 }, graceMs: 60_000 }),
    /grace period must be at least/,
  );
});

test('ship prune --dry-run prints every decision with its reason', async () => {
  const src = await mkdtemp(join(tmpdir(), 'cairn-prune-src-'));
  const repo = join(await mkdtemp(join(tmpdir(), 'cairn-prune-repo-')), 'r');
  await writeFile(join(src, 'a.db'), 'one');
  assert.equal((await cairn(['ship', 'backup', src, '--to', repo, '--host', 'h'])).code, 0);
  const r = await cairn(['ship', 'prune', '--from', repo, '--host', 'h', '--keep-daily', '7', '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /keep\s+\S+\s+h:\S+\s+newest of its directory; newest of \d{4}-\d{2}-\d{2} \(daily 1\/7\)/,
  );
  assert.match(r.stdout, /would delete 0 manifests and 0 objects/);
  const j = await cairn([
    'ship',
    'prune',
    '--from',
    repo,
    '--keep-daily',
    '7',
    '--dry-run',
    '--json',
    '--all-hosts',
  ]);
  const parsed = JSON.parse(j.stdout) as { keepManifests: { reasons: string[] }[] };
  assert.equal(parsed.keepManifests.length, 1);
});
