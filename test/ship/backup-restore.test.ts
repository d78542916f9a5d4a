import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, link, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { cairn } from '../support/cli.js';
import { describeTree } from '../support/tree.js';
import { allTargets } from '../support/targets.js';

async function sourceTree(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'cairn-src-'));
  await mkdir(join(root, 'ks', 'snapshots'), { recursive: true });
  await writeFile(join(root, 'ks', 'a-Data.db'), randomBytes(200_000));
  await writeFile(join(root, 'ks', 'b-Data.db'), randomBytes(9 * 1024 * 1024 + 7)); // above the small-file size
  await writeFile(join(root, 'ks', 'empty.db'), '');
  await writeFile(join(root, 'ks', 'same-1.txt'), 'identical content');
  await writeFile(join(root, 'ks', 'same-2.txt'), 'identical content');
  await writeFile(join(root, 'ks', 'x-tmp-1.db'), 'temporary: never shipped');
  await writeFile(join(root, 'ks', 'données ü.txt'), 'unicode name');
  await chmod(join(root, 'ks', 'a-Data.db'), 0o600);
  await utimes(
    join(root, 'ks', 'a-Data.db'),
    new Date('2026-01-02T03:04:05Z'),
    new Date('2026-01-02T03:04:05Z'),
  );
  await link(join(root, 'ks', 'a-Data.db'), join(root, 'ks', 'snapshots', 'a-Data.db'));
  return root;
}

const json = (s: string): Record<string, unknown> => JSON.parse(s) as Record<string, unknown>;

for (const target of allTargets) {
  test(`${target.name}: backup → restore is byte-identical, keeps modes and mtimes, stores identical content once`, async () => {
    const src = await sourceTree();
    const repo = await target.make();
    const env = target.env();
    const first = await cairn(['ship', 'backup', src, '-r', '--to', repo, '--host', 'db-1', '--json'], {
      env,
    });
    assert.equal(first.code, 0, first.stderr);
    const r1 = json(first.stdout) as { stats: Record<string, number>; scanned: number };
    assert.equal(r1.scanned, 7, 'the -tmp- file is excluded');
    // 7 files, 5 distinct contents: the hard link and the identical text are stored once.
    assert.equal(r1.stats.filesUploaded! + r1.stats.filesStoredAlready!, 7);
    assert.equal(r1.stats.filesUploaded, 5);

    const again = await cairn(['ship', 'backup', src, '-r', '--to', repo, '--host', 'db-1', '--json'], {
      env,
    });
    assert.equal(again.code, 0, again.stderr);
    const r2 = json(again.stdout) as { stats: Record<string, number> };
    assert.equal(r2.stats.filesUploaded, 0);
    assert.equal(r2.stats.filesUnchanged, 7);
    assert.equal(r2.stats.manifestsWritten, 0);

    const dest = await mkdtemp(join(tmpdir(), 'cairn-dest-'));
    const restored = await cairn(
      ['ship', 'restore', dest, '--from', repo, '--host', 'db-1', '--path', src, '--json'],
      { env },
    );
    assert.equal(restored.code, 0, restored.stderr);
    await rm(join(src, 'ks', 'x-tmp-1.db'));
    assert.deepEqual(await describeTree(dest, { mtimes: true }), await describeTree(src, { mtimes: true }));

    const twice = await cairn(
      ['ship', 'restore', dest, '--from', repo, '--host', 'db-1', '--path', src, '--json'],
      { env },
    );
    assert.equal((json(twice.stdout) as { skippedIdentical: number }).skippedIdentical, 7);

    const verify = await cairn(['ship', 'verify', '--from', repo, '--read-data', '--json'], { env });
    assert.equal(verify.code, 0, verify.stderr);
    assert.deepEqual((json(verify.stdout) as { problems: unknown[] }).problems, []);
  });

  test(`${target.name}: restore --at returns the directory as it was at that time`, async () => {
    const src = await mkdtemp(join(tmpdir(), 'cairn-src-'));
    const repo = await target.make();
    const env = target.env();
    await writeFile(join(src, 'v.db'), 'version 1');
    await writeFile(join(src, 'gone.db'), 'deleted later');
    assert.equal((await cairn(['ship', 'backup', src, '--to', repo, '--host', 'h'], { env })).code, 0);
    const list1 = json(
      (await cairn(['ship', 'list', '--from', repo, '--json'], { env })).stdout,
    ) as unknown as { time: string }[];
    const t1 = list1.at(-1)?.time;
    assert.ok(t1);
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(join(src, 'v.db.tmp'), 'version 2');
    await import('node:fs/promises').then((fs) => fs.rename(join(src, 'v.db.tmp'), join(src, 'v.db')));
    await rm(join(src, 'gone.db'));
    assert.equal((await cairn(['ship', 'backup', src, '--to', repo, '--host', 'h'], { env })).code, 0);

    const old = await mkdtemp(join(tmpdir(), 'cairn-dest-'));
    const r = await cairn(['ship', 'restore', old, '--from', repo, '--path', src, '--at', t1], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(join(old, 'v.db'), 'utf8'), 'version 1');
    assert.equal(await readFile(join(old, 'gone.db'), 'utf8'), 'deleted later');

    const now = await mkdtemp(join(tmpdir(), 'cairn-dest-'));
    assert.equal((await cairn(['ship', 'restore', now, '--from', repo, '--path', src], { env })).code, 0);
    assert.deepEqual(Object.keys(await describeTree(now)), ['v.db']);
    assert.equal(await readFile(join(now, 'v.db'), 'utf8'), 'version 2');

    const before = await cairn(['ship', 'restore', now, '--from', repo, '--at', '2000-01-01'], { env });
    assert.equal(before.code, 4);
    assert.match(before.stderr, /no manifest .* at or before 2000-01-01/);
  });
}

test('restore refuses to follow a symlink out of DEST and reports it per file', async () => {
  const src = await mkdtemp(join(tmpdir(), 'cairn-src-'));
  await mkdir(join(src, 'sub'));
  await writeFile(join(src, 'sub', 'f'), 'x');
  const repo = join(await mkdtemp(join(tmpdir(), 'cairn-repo-')), 'r');
  assert.equal((await cairn(['ship', 'backup', src, '-r', '--to', repo, '--host', 'h'])).code, 0);
  const dest = await mkdtemp(join(tmpdir(), 'cairn-dest-'));
  const outside = await mkdtemp(join(tmpdir(), 'cairn-outside-'));
  await symlink(outside, join(dest, 'sub'));
  const r = await cairn(['ship', 'restore', dest, '--from', repo, '--path', src]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /leads outside the destination/);
  assert.deepEqual(await describeTree(outside), {});
});

test('a hostile manifest is refused before anything is written', async () => {
  const repo = join(await mkdtemp(join(tmpdir(), 'cairn-repo-')), 'r');
  const dir = join(repo, 'ship', 'h', 'manifests', encodeURIComponent('/data'));
  await mkdir(dir, { recursive: true });
  const hostile = {
    version: 1,
    host: 'h',
    dir: '/data',
    time: '2026-11-25T00:00:00.000Z',
    files: [{ name: '../../../etc/cron.d/evil', size: 1, mtimeMs: 0, mode: 420, sha256: 'a'.repeat(64) }],
  };
  await writeFile(join(dir, '20261125T000000.000Z.json'), JSON.stringify(hostile));
  const dest = await mkdtemp(join(tmpdir(), 'cairn-dest-'));
  const r = await cairn(['ship', 'restore', dest, '--from', repo]);
  assert.equal(r.code, 8);
  assert.match(r.stderr, /manifest .* is invalid: files\.0\.name must be a plain file name/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.deepEqual(await describeTree(dest), {});
});

test('verify finds a missing object and a corrupted one', async () => {
  const src = await mkdtemp(join(tmpdir(), 'cairn-src-'));
  await writeFile(join(src, 'a'), 'aaaa');
  await writeFile(join(src, 'b'), 'bbbb');
  const repo = join(await mkdtemp(join(tmpdir(), 'cairn-repo-')), 'r');
  assert.equal((await cairn(['ship', 'backup', src, '--to', repo, '--host', 'h'])).code, 0);
  const { createHash } = await import('node:crypto');
  const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
  await rm(join(repo, 'objects', 'sha256', sha('aaaa').slice(0, 2), sha('aaaa')));
  await writeFile(join(repo, 'objects', 'sha256', sha('bbbb').slice(0, 2), sha('bbbb')), 'BBBB');
  const quick = await cairn(['ship', 'verify', '--from', repo, '--json']);
  assert.equal(quick.code, 8);
  assert.deepEqual(
    (json(quick.stdout) as { problems: { problem: string }[] }).problems.map((p) => p.problem),
    ['missing'],
  );
  const deep = await cairn(['ship', 'verify', '--from', repo, '--read-data', '--json']);
  assert.deepEqual(
    (json(deep.stdout) as { problems: { problem: string }[] }).problems.map((p) => p.problem).sort(),
    ['missing', 'wrong hash'],
  );
  const dest = await mkdtemp(join(tmpdir(), 'cairn-dest-'));
  const r = await cairn(['ship', 'restore', dest, '--from', repo, '--path', src]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /does not match its manifest/);
});
