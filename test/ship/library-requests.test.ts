import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStore } from '../../src/storage/local-store.js';
import { collect } from '../../src/storage/object-store.js';
import { shipBackup } from '../../src/ship/backup.js';
import { shipPrune } from '../../src/ship/prune.js';
import { shipRestore } from '../../src/ship/restore.js';
import { shipVerify } from '../../src/ship/verify.js';
import { shipWatch } from '../../src/ship/watch.js';
import { listRestorePoints } from '../../src/ship/list.js';
import { isCairnError } from '../../src/core/errors.js';

/** A library caller gets the checks the CLI makes: a USAGE error naming the key, and nothing written. */

async function world(t: { after: (fn: () => Promise<void>) => void }) {
  const base = await mkdtemp(join(tmpdir(), 'cairn-libreq-'));
  t.after(() => rm(base, { recursive: true, force: true }));
  const src = join(base, 'src');
  const repo = join(base, 'repo');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(src);
  await writeFile(join(src, 'a.db'), 'aaaa');
  const store = new LocalStore(repo);
  return { base, src, repo, store, lockDir: join(base, 'locks') };
}

const usage = (key: RegExp) => (e: unknown) => {
  assert.ok(isCairnError(e), String(e));
  assert.equal(e.code, 'USAGE', e.message);
  assert.match(e.message, key);
  assert.ok(e.hint, 'a hint');
  assert.doesNotMatch(e.message, /\n/);
  return true;
};

async function stored(store: LocalStore): Promise<string[]> {
  return (await collect(store.list(''))).map((o) => o.key).sort();
}

test('a library backup with an empty host is refused before anything is stored', async (t) => {
  const { src, store, lockDir } = await world(t);
  await assert.rejects(
    shipBackup({ store, paths: [src], host: '', lockDir }),
    usage(/^ship backup: host: invalid host name ""/),
  );
  assert.deepEqual(await stored(store), []);
  await assert.rejects(
    shipWatch({ store, paths: [src], host: '  ', lockDir }),
    usage(/^ship watch: host: invalid host name/),
  );
  assert.deepEqual(await stored(store), []);
  await assert.rejects(
    shipBackup({ store, paths: [src], concurrency: 0, lockDir }),
    usage(/^ship backup: concurrency: must be at least 1/),
  );
  await assert.rejects(listRestorePoints(store, { host: '' }), usage(/^ship list: host: /));
});

test('a library prune with an empty policy, a bad duration or conflicting hosts deletes nothing', async (t) => {
  const { src, store, lockDir } = await world(t);
  await shipBackup({ store, paths: [src], host: 'h', lockDir });
  await writeFile(join(src, 'a.db'), 'bbbb');
  await shipBackup({ store, paths: [src], host: 'h', lockDir });
  const before = await stored(store);
  await assert.rejects(
    shipPrune({ store, policy: {} }),
    usage(/^ship prune: policy: .*at least one keep rule/),
  );
  await assert.rejects(
    shipPrune({ store, policy: { within: '30 days' } }),
    usage(/^ship prune: policy\.within: invalid duration "30 days"/),
  );
  await assert.rejects(
    shipPrune({ store, policy: { last: 0 } }),
    usage(/^ship prune: policy\.last: must be a whole number of at least 1/),
  );
  await assert.rejects(
    shipPrune({ store, policy: { last: 1 }, graceMs: 60_000 }),
    usage(/^ship prune: graceMs: the grace period must be at least 1h/),
  );
  await assert.rejects(
    shipPrune({ store, policy: { last: 1 }, hosts: ['h'], allHosts: true }),
    usage(/^ship prune: allHosts: allHosts and hosts exclude each other/),
  );
  await assert.rejects(shipPrune({ store, policy: { last: 1 }, hosts: [] }), usage(/^ship prune: hosts: /));
  assert.deepEqual(await stored(store), before);
});

test('a library restore or verify with a bad time or conflicting options writes nothing', async (t) => {
  const { base, src, store, lockDir } = await world(t);
  await shipBackup({ store, paths: [src], host: 'h', lockDir });
  const dest = join(base, 'dest');
  await assert.rejects(
    shipRestore({ store, dest, host: 'h', at: 'tomorrowish' }),
    usage(/^ship restore: at: invalid time "tomorrowish"/),
  );
  await assert.rejects(
    shipRestore({ store, dest, host: 'h', concurrency: 1.5 }),
    usage(/^ship restore: concurrency: /),
  );
  await assert.rejects(
    import('node:fs/promises').then((fs) => fs.access(dest)),
    (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT',
  );
  await assert.rejects(shipVerify({ store, dryRun: true }), usage(/^ship verify: dryRun: goes with repair/));
  // Text times work for a library caller as for the CLI, against the injected clock.
  const r = await shipRestore({ store, dest, host: 'h', at: 'now', dryRun: true });
  assert.equal(r.files, 1);
  assert.deepEqual(r.outcome, { status: 'ok', reasons: [] });
  const v = await shipVerify({ store, at: '1h ago' });
  assert.equal(v.outcome.status, 'ok');
});

test('results carry their outcome', async (t) => {
  const { src, store, lockDir } = await world(t);
  const b = await shipBackup({ store, paths: [src], host: 'h', lockDir });
  assert.deepEqual(b.outcome, { status: 'ok', reasons: [] });
  const objects = (await stored(store)).filter((k) => k.startsWith('objects/'));
  assert.equal(objects.length, 1);
  await store.delete(objects);
  const v = await shipVerify({ store });
  assert.equal(v.outcome.status, 'failed');
  assert.deepEqual(v.outcome.reasons, ['1 object(s) missing or damaged']);
  const p = await shipPrune({ store, policy: { last: 1 }, dryRun: true });
  assert.deepEqual(p.outcome, { status: 'ok', reasons: [] });
});
