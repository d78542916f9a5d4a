import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/storage/open-store.js';
import { listManifests, newestPerSeries } from '../../src/ship/catalog.js';
import { manifestKey, objectKey } from '../../src/ship/layout.js';
import { cairn } from '../support/cli.js';
import { allTargets, localTarget } from '../support/targets.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const HOUR = 3_600_000;

for (const target of allTargets) {
  test(`${target.name}: a damaged manifest is reported and skipped; it stops nothing else`, async () => {
    const env = target.env();
    Object.assign(process.env, env); // for the test's own store to reach the target
    const src = await mkdtemp(join(tmpdir(), 'cairn-damaged-src-'));
    await mkdir(join(src, 'x'));
    await mkdir(join(src, 'y'));
    await writeFile(join(src, 'x', 'x1'), 'x one');
    await writeFile(join(src, 'y', 'y1'), 'y one');
    const repo = await target.make();
    const first = await cairn(['ship', 'backup', src, '-r', '--to', repo, '--host', 'h'], { env });
    assert.equal(first.code, 0, first.stderr);
    const store = openStore(repo);
    const refs = newestPerSeries(await listManifests(store));
    const xRef = refs.find((r) => r.dir === join(src, 'x'))!;
    await store.put(xRef.key, Buffer.from('garbage, not a manifest'));
    // An object no manifest names, older than the grace period (local: its mtime is set back).
    const orphan = objectKey(sha('orphan'));
    await store.put(orphan, Buffer.from('orphan'));
    if (target === localTarget) {
      const old = new Date(Date.now() - 7 * HOUR);
      await utimes(join(repo, ...orphan.split('/')), old, old);
    }

    const verify = await cairn(['ship', 'verify', '--from', repo], { env });
    assert.equal(verify.code, 8);
    assert.ok(verify.stdout.includes(xRef.key), verify.stdout);

    // Restore fails only for the directory whose manifest is damaged.
    const dest = await mkdtemp(join(tmpdir(), 'cairn-damaged-dest-'));
    const all = await cairn(['ship', 'restore', dest, '--from', repo, '--path', src], { env });
    assert.equal(all.code, 8, all.stderr);
    assert.ok(all.stderr.includes(xRef.key), all.stderr);
    assert.equal(await readFile(join(dest, 'y', 'y1'), 'utf8'), 'y one');
    const onlyY = await cairn(['ship', 'restore', dest, '--from', repo, '--path', join(src, 'y')], { env });
    assert.equal(onlyY.code, 0, onlyY.stderr);

    // Prune deletes no object while it cannot read every manifest it keeps, and says why.
    const prune = await cairn(['ship', 'prune', '--from', repo, '--host', 'h', '--keep-last', '1'], { env });
    assert.equal(prune.code, 3, prune.stdout + prune.stderr);
    assert.ok(prune.stderr.includes(xRef.key), prune.stderr);
    assert.ok(await store.head(orphan), 'the orphan is kept');

    // Backup warns, skips it, and writes a new manifest of x.
    const again = await cairn(['ship', 'backup', src, '-r', '--to', repo, '--host', 'h'], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.ok(again.stderr.includes(xRef.key), again.stderr);
    const dest2 = await mkdtemp(join(tmpdir(), 'cairn-damaged-dest-'));
    const now = await cairn(['ship', 'restore', dest2, '--from', repo, '--path', src], { env });
    assert.equal(now.code, 0, now.stderr);
    assert.equal(await readFile(join(dest2, 'x', 'x1'), 'utf8'), 'x one');

    await rm(src, { recursive: true, force: true });
    await rm(dest, { recursive: true, force: true });
    await rm(dest2, { recursive: true, force: true });
  });

  test(`${target.name}: verify names a manifest whose host or directory does not match its key`, async () => {
    const env = target.env();
    Object.assign(process.env, env);
    const src = await mkdtemp(join(tmpdir(), 'cairn-damaged-src-'));
    await writeFile(join(src, 'f'), 'f');
    const repo = await target.make();
    assert.equal((await cairn(['ship', 'backup', src, '--to', repo, '--host', 'h'], { env })).code, 0);
    const store = openStore(repo);
    const [ref] = await listManifests(store);
    const body = await store.getBuffer(ref!.key);
    const elsewhere = manifestKey('h', '/elsewhere', new Date(ref!.time.getTime() + 1000));
    await store.put(elsewhere, body);
    const verify = await cairn(['ship', 'verify', '--from', repo, '--json'], { env });
    assert.equal(verify.code, 8, verify.stdout + verify.stderr);
    const problems = (JSON.parse(verify.stdout) as { problems: { manifest: string; problem: string }[] })
      .problems;
    assert.deepEqual(
      problems.map((p) => [p.manifest, p.problem]),
      [[elsewhere, 'manifest does not match its key']],
    );
    await rm(src, { recursive: true, force: true });
  });
}
