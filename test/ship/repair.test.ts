import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/storage/open-store.js';
import { objectKey } from '../../src/ship/layout.js';
import { cairn, eventually } from '../support/cli.js';
import { startDaemon } from '../support/daemon.js';
import { allTargets } from '../support/targets.js';
import type { TestTarget } from '../support/targets.js';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const json = <T>(s: string): T => JSON.parse(s) as T;

interface Repo {
  src: string;
  repo: string;
  env: NodeJS.ProcessEnv;
  files: Record<string, Buffer>;
}

async function shipped(target: TestTarget): Promise<Repo> {
  const env = target.env();
  Object.assign(process.env, env); // for the test's own store to reach the target
  const src = await mkdtemp(join(tmpdir(), 'cairn-repair-src-'));
  const repo = await target.make();
  const files: Record<string, Buffer> = {
    'a.db': Buffer.from('content a'),
    'b.db': Buffer.from('content b'),
    'big.db': randomBytes(9 * 1024 * 1024 + 7), // above the small-file size
    'c.db': Buffer.from('content c'),
  };
  for (const [name, body] of Object.entries(files)) await writeFile(join(src, name), body);
  const r = await cairn(['ship', 'backup', src, '--to', repo, '--host', 'h'], { env });
  assert.equal(r.code, 0, r.stderr);
  return { src, repo, env, files };
}

/** Deletes one object and flips a byte of another (same size, other bytes). */
async function damage(r: Repo, missing: string, flipped: string): Promise<void> {
  const store = openStore(r.repo);
  await store.delete([objectKey(sha(r.files[missing]!))]);
  const bad = Buffer.from(r.files[flipped]!);
  bad[0] = bad[0]! ^ 0xff;
  await store.put(objectKey(sha(r.files[flipped]!)), bad);
}

for (const target of allTargets) {
  test(`${target.name}: ship verify --repair stores missing and damaged objects again from the files`, async () => {
    const r = await shipped(target);
    await damage(r, 'a.db', 'big.db');
    const verify = await cairn(['ship', 'verify', '--from', r.repo], { env: r.env });
    assert.equal(verify.code, 8, verify.stdout + verify.stderr);
    assert.match(verify.stderr, /--repair/);

    const dry = await cairn(['ship', 'verify', '--from', r.repo, '--repair', '--dry-run', '--json'], {
      env: r.env,
    });
    assert.equal(dry.code, 0, dry.stdout + dry.stderr);
    const planned = json<{ repair: { repaired: { sha256: string }[] } }>(dry.stdout);
    assert.equal(planned.repair.repaired.length, 2);
    assert.equal((await cairn(['ship', 'verify', '--from', r.repo], { env: r.env })).code, 8, 'dry run');

    const repair = await cairn(['ship', 'verify', '--from', r.repo, '--repair', '--json'], { env: r.env });
    assert.equal(repair.code, 0, repair.stdout + repair.stderr);
    const out = json<{ repair: { repaired: { sha256: string; from: string }[]; notRepaired: unknown[] } }>(
      repair.stdout,
    );
    assert.deepEqual(
      out.repair.repaired.map((x) => x.sha256).sort(),
      [sha(r.files['a.db']!), sha(r.files['big.db']!)].sort(),
    );
    assert.deepEqual(out.repair.notRepaired, []);

    const deep = await cairn(['ship', 'verify', '--from', r.repo, '--read-data'], { env: r.env });
    assert.equal(deep.code, 0, deep.stdout + deep.stderr);
    const dest = await mkdtemp(join(tmpdir(), 'cairn-repair-dest-'));
    const restore = await cairn(['ship', 'restore', dest, '--from', r.repo, '--path', r.src], { env: r.env });
    assert.equal(restore.code, 0, restore.stdout + restore.stderr);
    for (const [name, body] of Object.entries(r.files))
      assert.deepEqual(await readFile(join(dest, name)), body);
    await rm(dest, { recursive: true, force: true });
    await rm(r.src, { recursive: true, force: true });
  });

  test(`${target.name}: content gone everywhere is reported as not repairable; the rest is repaired`, async () => {
    const r = await shipped(target);
    await damage(r, 'a.db', 'b.db');
    await writeFile(join(r.src, 'a.db'), 'a changed since'); // the only copy of the old content is gone
    const repair = await cairn(['ship', 'verify', '--from', r.repo, '--repair', '--json'], { env: r.env });
    assert.equal(repair.code, 8, repair.stdout + repair.stderr);
    const out = json<{ repair: { repaired: { sha256: string }[]; notRepaired: { sha256: string }[] } }>(
      repair.stdout,
    );
    assert.deepEqual(
      out.repair.repaired.map((x) => x.sha256),
      [sha(r.files['b.db']!)],
    );
    assert.deepEqual(
      out.repair.notRepaired.map((x) => x.sha256),
      [sha(r.files['a.db']!)],
    );
    assert.match(repair.stderr, /could not be repaired/);
    await rm(r.src, { recursive: true, force: true });
  });

  test(`${target.name}: a backup stores a missing object again instead of naming it`, async () => {
    const r = await shipped(target);
    await openStore(r.repo).delete([objectKey(sha(r.files['c.db']!))]);
    const again = await cairn(['ship', 'backup', r.src, '--to', r.repo, '--host', 'h', '--json'], {
      env: r.env,
    });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(json<{ stats: { filesUploaded: number } }>(again.stdout).stats.filesUploaded, 1);
    const verify = await cairn(['ship', 'verify', '--from', r.repo, '--at', 'now'], { env: r.env });
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    await rm(r.src, { recursive: true, force: true });
  });
}

test('local: ship watch, on start, stores a missing object again instead of naming it', async (t) => {
  const r = await shipped(allTargets[0]!);
  const store = openStore(r.repo);
  const key = objectKey(sha(r.files['c.db']!));
  await store.delete([key]);
  const locks = await mkdtemp(join(tmpdir(), 'cairn-repair-locks-'));
  const d = await startDaemon([r.src, '--to', r.repo, '--host', 'h'], { CAIRN_LOCK_DIR: locks });
  t.after(async () => {
    d.stop();
    await d.exited;
    await rm(locks, { recursive: true, force: true });
    await rm(r.src, { recursive: true, force: true });
  });
  await eventually(async () => (await store.head(key)) !== undefined, 15_000, 'the object stored again');
  assert.deepEqual(await readFile(join(r.repo, ...key.split('/'))), r.files['c.db']);
  const verify = await cairn(['ship', 'verify', '--from', r.repo, '--read-data']);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
});
