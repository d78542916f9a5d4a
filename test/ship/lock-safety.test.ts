// Locks cannot be planted or hijacked by another local user: they live in a directory only their
// user can write, and a lock file is opened without following a symlink or waiting on a FIFO.
// Each run here has a bound: a hang fails the test instead of holding it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished, spawnCairn } from '../support/cli.js';
import type { CliResult } from '../support/cli.js';

const lockName = (path: string): string =>
  `${createHash('sha256').update(path).digest('hex').slice(0, 24)}.lock`;

/** Runs `cairn ship backup`, killing it (and failing) if it has not ended within 30 s. */
async function backupBounded(src: string, repo: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  const child = spawnCairn(['ship', 'backup', src, '--to', repo, '--host', 'h'], { env });
  const done = finished(child);
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, 30_000);
  const r = await done;
  clearTimeout(timer);
  assert.equal(hung, false, 'ship backup hung on the lock');
  return r;
}

async function world(): Promise<{ base: string; src: string; repo: string }> {
  const base = await mkdtemp(join(tmpdir(), 'cairn-lock-'));
  const src = join(base, 'src');
  await mkdir(src);
  await writeFile(join(src, 'a.db'), 'data\n');
  return { base, src: await realpath(src), repo: join(base, 'repo') };
}

test('what is planted at the old shared lock path ($TMPDIR/cairn-locks) is not used: a FIFO, a symlink, a live pid', async () => {
  const { base, src, repo } = await world();
  try {
    const shared = join(base, 'tmp');
    const old = join(shared, 'cairn-locks');
    await mkdir(old, { recursive: true, mode: 0o1777 });
    await chmod(old, 0o1777);
    // The old code's defaults; undefined leaves a variable out of the child's environment.
    const env = { TMPDIR: shared, XDG_RUNTIME_DIR: undefined, CAIRN_LOCK_DIR: undefined };
    execFileSync('mkfifo', [join(old, lockName(src))]);
    assert.equal((await backupBounded(src, repo, env)).code, 0, 'a FIFO at the old path');
    await rm(join(old, lockName(src)));
    await writeFile(join(base, 'pid1'), '1\n/elsewhere\n');
    await symlink(join(base, 'pid1'), join(old, lockName(src)));
    const r = await backupBounded(src, repo, env);
    assert.equal(r.code, 0, r.stderr);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test('a FIFO or a symlink planted at the lock path is refused with a clear error (exit 5), never waited on', async () => {
  const { base, src, repo } = await world();
  try {
    const locks = join(base, 'locks');
    await mkdir(locks, { mode: 0o700 });
    const env = { CAIRN_LOCK_DIR: locks };
    const file = join(locks, lockName(src));
    execFileSync('mkfifo', [file]);
    const fifo = await backupBounded(src, repo, env);
    assert.equal(fifo.code, 5, fifo.stderr);
    assert.match(fifo.stderr, /lock file .* is a FIFO/);
    await rm(file);
    await writeFile(join(base, 'pid1'), '1\n/elsewhere\n'); // pid 1 is always alive
    await symlink(join(base, 'pid1'), file);
    const link = await backupBounded(src, repo, env);
    assert.equal(link.code, 5, link.stderr);
    assert.match(link.stderr, /lock file .* is a symlink/);
    await rm(file);
    const ok = await backupBounded(src, repo, env);
    assert.equal(ok.code, 0, ok.stderr);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test('a lock directory that another user owns, or that others can write, is refused (exit 5)', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to give a directory to another user');
  const { base, src, repo } = await world();
  try {
    const theirs = join(base, 'theirs');
    await mkdir(theirs, { mode: 0o700 });
    await chown(theirs, 65534, 65534);
    const r = await backupBounded(src, repo, { CAIRN_LOCK_DIR: theirs });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /lock directory .* belongs to another user \(uid 65534\)/);
    const open = join(base, 'open');
    await mkdir(open);
    await chmod(open, 0o1777);
    const w = await backupBounded(src, repo, { CAIRN_LOCK_DIR: open });
    assert.equal(w.code, 5, w.stderr);
    assert.match(w.stderr, /lock directory .* can be written by others \(mode 1777\)/);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
