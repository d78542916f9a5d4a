// A local repository is private: 0700 directories and 0600 files, whatever the umask and the
// modes of what is backed up, so no other local user reads a backed-up file out of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cairn } from '../support/cli.js';

/** Every path under `root` (itself included) with its permission bits. */
async function modes(root: string): Promise<{ path: string; dir: boolean; mode: number }[]> {
  const out: { path: string; dir: boolean; mode: number }[] = [];
  const walk = async (p: string): Promise<void> => {
    const st = await lstat(p);
    out.push({ path: p, dir: st.isDirectory(), mode: st.mode & 0o7777 });
    if (st.isDirectory()) for (const n of await readdir(p)) await walk(join(p, n));
  };
  await walk(root);
  return out;
}

/** Whether `nobody` can read `path` (exit status of cat run as uid/gid 65534). */
function nobodyReads(path: string): boolean {
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'cat', path], {
    stdio: 'ignore',
  });
  return r.status === 0;
}

async function world(): Promise<{ base: string; src: string; repo: string; env: NodeJS.ProcessEnv }> {
  const base = await mkdtemp(join(tmpdir(), 'cairn-private-'));
  await chmod(base, 0o755); // only the repository's own modes stand between a user and its files
  const src = join(base, 'src');
  await mkdir(src, { mode: 0o755 });
  await writeFile(join(src, 'secret.key'), 'the private key\n', { mode: 0o600 });
  await writeFile(join(src, 'public.txt'), 'for everyone\n', { mode: 0o644 });
  return { base, src, repo: join(base, 'repo'), env: { CAIRN_LOCK_DIR: join(base, 'locks') } };
}

test('ship backup and archive create make a local repository 0700/0600; nobody else reads an object', async () => {
  const { base, src, repo, env } = await world();
  try {
    const b = await cairn(['ship', 'backup', src, '--to', repo, '--host', 'h'], { env });
    assert.equal(b.code, 0, b.stderr);
    const a = await cairn(['archive', 'create', 'site', '--include', src, '--to', repo], { env });
    assert.equal(a.code, 0, a.stderr);
    const all = await modes(repo);
    assert.ok(all.filter((e) => !e.dir).length >= 5, 'objects, manifests, an archive and its record');
    for (const e of all) {
      assert.equal(e.mode.toString(8), e.dir ? '700' : '600', `${e.path} is ${e.mode.toString(8)}`);
    }
    if (process.getuid?.() === 0) {
      const objects = all.filter((e) => !e.dir && e.path.includes('/objects/'));
      assert.ok(objects.length >= 2);
      for (const o of objects) assert.equal(nobodyReads(o.path), false, `nobody reads ${o.path}`);
    }
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test('an existing local repository open to others is closed on the next write (its top directory becomes 0700)', async () => {
  const { base, src, repo, env } = await world();
  try {
    await mkdir(join(repo, 'old'), { recursive: true, mode: 0o755 });
    await chmod(repo, 0o755);
    await writeFile(join(repo, 'old', 'left.txt'), 'from an earlier version\n', { mode: 0o644 });
    if (process.getuid?.() === 0) assert.equal(nobodyReads(join(repo, 'old', 'left.txt')), true);
    const b = await cairn(['ship', 'backup', src, '--to', repo, '--host', 'h'], { env });
    assert.equal(b.code, 0, b.stderr);
    assert.equal(((await lstat(repo)).mode & 0o777).toString(8), '700');
    if (process.getuid?.() === 0) assert.equal(nobodyReads(join(repo, 'old', 'left.txt')), false);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
