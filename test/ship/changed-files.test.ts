import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { link, lstat, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cairn, eventually, finished, spawnCairn } from '../support/cli.js';
import { newestManifest } from '../support/repo-probe.js';

const OLD_TIME = new Date('2026-01-02T03:04:05Z');

async function base(): Promise<{ src: string; repo: string; at: (name: string) => string }> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-changed-'));
  const src = join(dir, 'src');
  await mkdir(src);
  return { src, repo: join(dir, 'repo'), at: (name) => join(dir, name) };
}

const json = (s: string): Record<string, unknown> => JSON.parse(s) as Record<string, unknown>;

async function backup(src: string, repo: string): Promise<Record<string, number>> {
  const r = await cairn(['ship', 'backup', src, '--to', repo, '--host', 'h', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return (json(r.stdout) as { stats: Record<string, number> }).stats;
}

async function restore(repo: string, src: string, dest: string): Promise<void> {
  const r = await cairn(['ship', 'restore', dest, '--from', repo, '--path', src, '--host', 'h']);
  assert.equal(r.code, 0, r.stderr);
}

test('a change that keeps size and mtime (utimes back to the old time) is shipped', async () => {
  const { src, repo, at } = await base();
  const file = join(src, 'data.db');
  await writeFile(file, 'version 1 of the content');
  await utimes(file, OLD_TIME, OLD_TIME);
  await backup(src, repo);
  const before = await lstat(file, { bigint: true });

  // What `cp -p`, `rsync -t` or `touch -r` leave: other bytes, same size, the old mtime to the nanosecond.
  await writeFile(file, 'version 2 of the content');
  await utimes(file, OLD_TIME, OLD_TIME);
  const after = await lstat(file, { bigint: true });
  assert.equal(after.size, before.size);
  assert.equal(after.mtimeNs, before.mtimeNs);

  const stats = await backup(src, repo);
  assert.equal(stats.filesUnchanged, 0);
  assert.equal(stats.filesUploaded, 1);

  await restore(repo, src, at('dest'));
  assert.equal(await readFile(join(at('dest'), 'data.db'), 'utf8'), 'version 2 of the content');
});

test('a file whose ctime alone moved is read again and not uploaded again; the next run reads nothing', async () => {
  const { src, repo } = await base();
  const file = join(src, 'data.db');
  await writeFile(file, 'same content');
  await backup(src, repo);
  const first = (await newestManifest(repo, src))?.files[0];
  assert.equal(typeof first?.ctimeMs, 'number');
  assert.equal(first?.ino, (await lstat(file)).ino);

  // A hard link made and removed again: the content, size, mtime and mode stay, ctime moves.
  await new Promise((r) => setTimeout(r, 20));
  await link(file, join(src, 'other-name'));
  await rm(join(src, 'other-name'));
  const stats = await backup(src, repo);
  assert.equal(stats.filesUnchanged, 0);
  assert.equal(stats.filesUploaded, 0);
  assert.equal(stats.filesStoredAlready, 1);
  const second = (await newestManifest(repo, src))?.files[0];
  assert.equal(second?.sha256, first?.sha256);
  assert.equal(second?.ctimeMs, (await lstat(file)).ctimeMs);

  const third = await backup(src, repo);
  assert.equal(third.filesUnchanged, 1);
  assert.equal(third.manifestsWritten, 0);
});

test('manifests without ctime and inode (earlier versions) are restored, listed, verified and pruned; their files are read again once', async () => {
  const { src, repo, at } = await base();
  const kept = join(src, 'kept.db');
  const changed = join(src, 'changed.db');
  await writeFile(kept, 'content that stays');
  await writeFile(changed, 'old bytes, same size');
  await utimes(changed, OLD_TIME, OLD_TIME);
  await backup(src, repo);

  // Make the stored manifest what an earlier cairn wrote: the same JSON without ctimeMs and ino.
  const dir = join(repo, 'ship', 'h', 'manifests', encodeURIComponent(src));
  const [name, ...more] = await readdir(dir);
  assert.ok(name);
  assert.equal(more.length, 0);
  const stored = json(await readFile(join(dir, name), 'utf8')) as { files: Record<string, unknown>[] };
  for (const f of stored.files) {
    assert.ok('ctimeMs' in f && 'ino' in f, 'this version records ctime and inode');
    delete f.ctimeMs;
    delete f.ino;
  }
  await writeFile(join(dir, name), JSON.stringify(stored));
  const oldTime = (await newestManifest(repo, src))?.time;
  assert.ok(oldTime);

  const list = await cairn(['ship', 'list', '--from', repo, '--json']);
  assert.equal(list.code, 0, list.stderr);
  const verify = await cairn(['ship', 'verify', '--from', repo, '--read-data', '--json']);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  await restore(repo, src, at('old'));
  assert.equal(await readFile(join(at('old'), 'changed.db'), 'utf8'), 'old bytes, same size');

  // A change an earlier version could not see, and one file not changed at all.
  await writeFile(changed, 'new bytes, same size');
  await utimes(changed, OLD_TIME, OLD_TIME);
  const stats = await backup(src, repo);
  assert.equal(stats.filesUnchanged, 0, 'entries without ctime and inode are read again');
  assert.equal(stats.filesUploaded, 1, 'only the changed content is uploaded');
  assert.equal(stats.filesStoredAlready, 1);
  assert.equal(stats.manifestsWritten, 1, 'a manifest with ctime and inode replaces the old one');
  const newest = await newestManifest(repo, src);
  assert.ok(newest?.files.every((f) => typeof f.ctimeMs === 'number' && typeof f.ino === 'number'));

  const again = await backup(src, repo);
  assert.equal(again.filesUnchanged, 2, 'read again once, not at every run');
  assert.equal(again.manifestsWritten, 0);

  await restore(repo, src, at('newest'));
  assert.equal(await readFile(join(at('newest'), 'changed.db'), 'utf8'), 'new bytes, same size');
  assert.equal(await readFile(join(at('newest'), 'kept.db'), 'utf8'), 'content that stays');
  const older = await cairn(['ship', 'restore', at('older'), '--from', repo, '--path', src, '--at', oldTime]);
  assert.equal(older.code, 0, older.stderr);
  assert.equal(await readFile(join(at('older'), 'changed.db'), 'utf8'), 'old bytes, same size');

  // Prune reads the old manifest (kept: replaced less than the grace period ago) to find its objects.
  const prune = await cairn(['ship', 'prune', '--from', repo, '--host', 'h', '--keep-last', '1', '--json']);
  assert.equal(prune.code, 0, prune.stderr);
  const plan = json(prune.stdout) as { keepManifests: unknown[]; removeObjects: unknown[] };
  assert.equal(plan.keepManifests.length, 2);
  assert.deepEqual(plan.removeObjects, []);
});

test('ship watch, on start, ships a change made while it was stopped that kept size and mtime', async () => {
  const { src, repo, at } = await base();
  const locks = at('locks');
  const file = join(src, 'data.db');
  await writeFile(file, 'written before the daemon ran');
  await utimes(file, OLD_TIME, OLD_TIME);
  const first = await watchUntilShipped(src, repo, locks, 'written before the daemon ran');

  await writeFile(file, 'written while it was stopped!');
  await utimes(file, OLD_TIME, OLD_TIME);
  const second = await watchUntilShipped(src, repo, locks, 'written while it was stopped!');
  assert.notEqual(second, first);

  await restore(repo, src, at('dest'));
  assert.equal(await readFile(join(at('dest'), 'data.db'), 'utf8'), 'written while it was stopped!');
});

/** Starts the daemon, waits until the newest manifest of `src` names `content`'s hash, stops it; returns the hash. */
async function watchUntilShipped(src: string, repo: string, locks: string, content: string): Promise<string> {
  const sha = createHash('sha256').update(content).digest('hex');
  const d = spawnCairn(['ship', 'watch', src, '--to', repo, '--host', 'h'], {
    env: { CAIRN_LOCK_DIR: locks },
  });
  const done = finished(d);
  try {
    await eventually(
      async () => (await newestManifest(repo, src))?.files.some((f) => f.sha256 === sha),
      15_000,
      `a manifest naming ${content}`,
    );
  } finally {
    d.kill('SIGTERM');
  }
  const r = await done;
  assert.equal(r.code, 0, r.stderr);
  return sha;
}
