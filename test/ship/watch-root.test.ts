import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cairn, eventually } from '../support/cli.js';
import type { CliResult } from '../support/cli.js';
import { alive, assertOneErrorLine, exitWithin, startDaemon } from '../support/daemon.js';
import type { Daemon } from '../support/daemon.js';
import { manifestNames } from '../support/repo-probe.js';

// The watched directory itself going away, or being replaced under its name (a restore,
// `mv /data /data.old && mkdir /data`), must not leave the daemon watching nothing.

/** Seconds, not the ten minutes of a rescan: a root event at once, a moved parent at the next check (5 s). */
const WITHIN_MS = 10_000;

async function world(): Promise<{ base: string; src: string; repo: string; locks: string }> {
  const base = await mkdtemp(join(tmpdir(), 'cairn-watch-root-'));
  await mkdir(join(base, 'data', 'src'), { recursive: true });
  return { base, src: join(base, 'data', 'src'), repo: join(base, 'repo'), locks: join(base, 'locks') };
}

async function put(dir: string, name: string, body: string): Promise<void> {
  await writeFile(join(dir, `${name}.tmp`), body);
  await rename(join(dir, `${name}.tmp`), join(dir, name));
}

/** Stops the daemon cleanly (its inotifywait with it), if it still runs; its exit. */
async function stopped(d: Daemon): Promise<CliResult> {
  d.stop();
  return d.exited;
}

test('the watched directory removed: the daemon stops by itself, exit 4, one error line naming it', async () => {
  const { src, repo, locks } = await world();
  const d = await startDaemon([src, '--to', repo, '--host', 'h'], { CAIRN_LOCK_DIR: locks });
  await put(src, 'first.db', 'shipped before the directory went');
  await eventually(async () => (await manifestNames(repo, src)).includes('first.db'), WITHIN_MS, 'first.db');

  await rm(src, { recursive: true });
  const r = await exitWithin(d, WITHIN_MS);
  assert.equal(r.signal, null);
  assert.equal(r.code, 4, r.stderr); // not found
  assertOneErrorLine(r, new RegExp(`watched path ${src} is gone`));
  assert.ok(!alive(d.inotifywait), 'inotifywait was stopped');
  assert.deepEqual(
    (await readdir(locks)).filter((f) => f.endsWith('.lock')),
    [],
    'the path lock was released',
  );
  const verify = await cairn(['ship', 'verify', '--from', repo]);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
});

test('the watched directory moved away and made again: the daemon watches the new one and ships into it', async (t) => {
  const { src, repo, locks } = await world();
  const d = await startDaemon([src, '--to', repo, '--host', 'h'], { CAIRN_LOCK_DIR: locks });
  t.after(() => stopped(d));
  await put(src, 'old.db', 'in the directory moved away');
  await eventually(async () => (await manifestNames(repo, src)).includes('old.db'), WITHIN_MS, 'old.db');

  await rename(src, `${src}.old`);
  await mkdir(src);
  await writeFile(join(src, 'restored.db'), 'there before the daemon looked');
  await put(src, 'new.db', 'written into the new directory');
  // The new directory as it is, without the file of the old one.
  await eventually(
    async () => (await manifestNames(repo, src)).join() === 'new.db,restored.db',
    WITHIN_MS,
    'a manifest of the new directory',
  );
  await put(src, 'later.db', 'written once the new directory is watched');
  await eventually(async () => (await manifestNames(repo, src)).includes('later.db'), WITHIN_MS, 'later.db');
  assert.match(d.stderr(), /ship\.root-replaced/);

  const dest = join(repo, '..', 'restored');
  const restore = await cairn(['ship', 'restore', dest, '--from', repo, '--host', 'h', '--path', src]);
  assert.equal(restore.code, 0, restore.stderr);
  assert.equal(await readFile(join(dest, 'new.db'), 'utf8'), 'written into the new directory');
  assert.equal(await readFile(join(dest, 'later.db'), 'utf8'), 'written once the new directory is watched');
  assert.equal((await stopped(d)).code, 0);
});

test('the watched directory moved away with its parent: found at the next check, and watched again', async (t) => {
  const { base, src, repo, locks } = await world();
  const d = await startDaemon([src, '--to', repo, '--host', 'h'], { CAIRN_LOCK_DIR: locks });
  t.after(() => stopped(d));
  // inotify tells the watched directory nothing when its parent is renamed.
  await rename(join(base, 'data'), join(base, 'data.old'));
  await mkdir(src, { recursive: true });
  await put(src, 'new.db', 'written into the new directory');
  await eventually(async () => (await manifestNames(repo, src)).includes('new.db'), 2 * WITHIN_MS, 'new.db');
  assert.equal((await stopped(d)).code, 0);
});
