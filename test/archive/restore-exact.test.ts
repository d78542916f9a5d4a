// Restore is exact or fails: damaged or truncated archives fail with exit 8 and leave DEST as it
// was, and no metadata call at the end reaches outside DEST through a symlink the archive swapped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { pack } from 'tar-stream';
import { cairn } from '../support/cli.js';
import { describeTree } from '../support/tree.js';
import { s3TestClient } from '../support/s3-env.js';
import { allTargets } from '../support/targets.js';
import type { TestTarget } from '../support/targets.js';
import { openStore } from '../../src/storage/open-store.js';
import { zipOf } from './zip-build.js';

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/** Replaces a stored object in place (what bit rot or a truncated upload leaves behind). */
async function overwrite(repo: string, key: string, bytes: Buffer | undefined): Promise<void> {
  if (!repo.startsWith('s3://')) {
    if (bytes) await writeFile(join(repo, key), bytes);
    else await rm(join(repo, key));
    return;
  }
  const [, bucket = '', prefix = ''] = /^s3:\/\/([^/]+)\/?(.*)$/.exec(repo) ?? [];
  const s3 = s3TestClient();
  try {
    const Key = prefix ? `${prefix}/${key}` : key;
    if (bytes) await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: bytes }));
    else {
      const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
    }
  } finally {
    s3.destroy();
  }
}

async function stored(target: TestTarget, repo: string, key: string): Promise<Buffer> {
  Object.assign(process.env, target.env());
  return openStore(repo).getBuffer(key);
}

/** An archive of big.bin (random) and keep.txt, and a DEST that already holds other versions of both. */
async function world(target: TestTarget, format: 'tar' | 'zip' | 'tar.gz') {
  const base = await mkdtemp(join(tmpdir(), 'cairn-arc-exact-'));
  const src = join(base, 'src');
  const dest = join(base, 'dest');
  await mkdir(src);
  await mkdir(dest);
  await writeFile(join(src, 'big.bin'), randomBytes(400_000));
  await writeFile(join(src, 'keep.txt'), 'new content');
  await writeFile(join(dest, 'big.bin'), 'old good big');
  await writeFile(join(dest, 'keep.txt'), 'old good keep');
  const repo = await target.make();
  const env = target.env();
  const made = await cairn(
    ['archive', 'create', 'x', '--include', src, '--format', format, '--to', repo, '--json'],
    { env },
  );
  assert.equal(made.code, 0, made.stderr);
  const key = (JSON.parse(made.stdout) as { key: string }).key;
  const before = await describeTree(dest, { mtimes: true });
  const restore = () => cairn(['archive', 'restore', 'x', dest, '--from', repo, '--json'], { env });
  return { base, src, dest, repo, key, before, restore };
}

for (const target of allTargets) {
  for (const format of ['tar', 'zip'] as const) {
    test(`${target.name} ${format}: one flipped byte in the stored archive fails with exit 8 and DEST is untouched`, async () => {
      const w = await world(target, format);
      const bytes = await stored(target, w.repo, w.key);
      // A byte in the middle of big.bin's data.
      bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
      await overwrite(w.repo, w.key, bytes);
      const r = await w.restore();
      assert.equal(r.code, 8, `exit 8 (INTEGRITY): ${r.stderr}`);
      assert.doesNotMatch(r.stdout, /extracted/);
      assert.deepEqual(await describeTree(w.dest, { mtimes: true }), w.before, 'DEST is as it was');
      await rm(w.base, { recursive: true, force: true });
    });

    test(`${target.name} ${format}: a truncated archive fails with exit 8 and leaves DEST's files as they were`, async () => {
      const w = await world(target, format);
      const bytes = await stored(target, w.repo, w.key);
      await overwrite(w.repo, w.key, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
      const r = await w.restore();
      assert.equal(r.code, 8, `exit 8 (INTEGRITY): ${r.stderr}`);
      assert.deepEqual(await describeTree(w.dest, { mtimes: true }), w.before, 'DEST is as it was');
      await rm(w.base, { recursive: true, force: true });
    });
  }
}

test('local tar: a truncated archive without its record still fails and leaves DEST as it was', async () => {
  const w = await world(allTargets[0]!, 'tar');
  const bytes = await readFile(join(w.repo, w.key));
  await writeFile(join(w.repo, w.key), bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  await overwrite(w.repo, `${w.key}.json`, undefined);
  const r = await w.restore();
  assert.equal(r.code, 8, r.stderr);
  assert.deepEqual(await describeTree(w.dest, { mtimes: true }), w.before);
  await rm(w.base, { recursive: true, force: true });
});

test('local zip: a flipped byte is caught by the entry CRC-32 even without the record', async () => {
  const w = await world(allTargets[0]!, 'zip');
  const bytes = await readFile(join(w.repo, w.key));
  bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
  await writeFile(join(w.repo, w.key), bytes);
  await overwrite(w.repo, `${w.key}.json`, undefined);
  const r = await w.restore();
  assert.equal(r.code, 8, r.stderr);
  assert.match(r.stderr, /CRC-32/);
  assert.deepEqual(await describeTree(w.dest, { mtimes: true }), w.before);
  await rm(w.base, { recursive: true, force: true });
});

test('local tar.gz: an intact archive still replaces DEST files, with nothing left behind', async () => {
  const w = await world(allTargets[0]!, 'tar.gz');
  const r = await w.restore();
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await readFile(join(w.dest, 'keep.txt'), 'utf8'), 'new content');
  assert.deepEqual(await readFile(join(w.dest, 'big.bin')), await readFile(join(w.src, 'big.bin')));
  const all = await readdir(w.dest, { recursive: true });
  assert.deepEqual(
    all.filter((n) => n.includes('.cairn-')),
    [],
    'no temporary files are left in DEST',
  );
  await rm(w.base, { recursive: true, force: true });
});

// The entries in/, a → in, a/target/ (mode 06777), a → OUTSIDE: a directory's mode and time are
// applied at the end, when "a/target" leads to OUTSIDE/target.
async function hostileDirWorld() {
  const base = await mkdtemp(join(tmpdir(), 'cairn-arc-meta-'));
  const repo = join(base, 'repo');
  const dest = join(base, 'dest');
  const outside = join(base, 'outside');
  await mkdir(repo);
  await mkdir(outside);
  await writeFile(join(outside, 'target'), 'root only');
  await chmod(join(outside, 'target'), 0o600);
  const old = new Date('2001-02-03T04:05:06Z');
  await utimes(join(outside, 'target'), old, old);
  await utimes(outside, old, old);
  const check = async (r: { code: number | null; stderr: string }) => {
    const st = await stat(join(outside, 'target'));
    assert.equal((st.mode & 0o7777).toString(8), '600', 'the file outside DEST keeps its mode');
    assert.equal(st.mtime.toISOString(), old.toISOString(), 'the file outside DEST keeps its mtime');
    assert.equal((await stat(outside)).mtime.toISOString(), old.toISOString());
    assert.deepEqual(await readdir(outside), ['target']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await lstat(join(dest, 'in', 'target'))).isDirectory(), 'the directory is made inside DEST');
    assert.ok((await lstat(join(dest, 'a'))).isSymbolicLink());
  };
  return { base, repo, dest, outside, check };
}

test('tar: directory modes and times are never applied through a symlink swapped to lead outside DEST', async () => {
  const w = await hostileDirWorld();
  const p = pack();
  p.entry({ name: 'in', type: 'directory', mode: 0o755 });
  p.entry({ name: 'a', type: 'symlink', linkname: 'in' });
  p.entry({ name: 'a/target', type: 'directory', mode: 0o6777 });
  p.entry({ name: 'a', type: 'symlink', linkname: w.outside });
  p.finalize();
  await writeFile(join(w.repo, 'evil_20260101000000.tar'), await buffer(p));
  await w.check(await cairn(['archive', 'restore', 'evil', w.dest, '--from', w.repo]));
  await rm(w.base, { recursive: true, force: true });
});

test('zip: directory modes and times are never applied through a symlink swapped to lead outside DEST', async () => {
  const w = await hostileDirWorld();
  const zip = zipOf([
    { name: 'in/', mode: S_IFDIR | 0o755 },
    { name: 'a', mode: S_IFLNK | 0o777, data: 'in' },
    { name: 'a/target/', mode: S_IFDIR | 0o6777 },
    { name: 'a', mode: S_IFLNK | 0o777, data: w.outside },
    { name: 'plain.txt', mode: S_IFREG | 0o644, data: 'plain' },
  ]);
  await writeFile(join(w.repo, 'evil_20260101000000.zip'), zip);
  await w.check(await cairn(['archive', 'restore', 'evil', w.dest, '--from', w.repo]));
  await rm(w.base, { recursive: true, force: true });
});

test('tar: a hostile entry refused halfway leaves DEST as it was, earlier entries undone', async () => {
  const w = await hostileDirWorld();
  await mkdir(join(w.dest, 'sub'), { recursive: true });
  await writeFile(join(w.dest, 'ok.txt'), 'old good');
  await writeFile(join(w.dest, 'sub', 'f'), 'a file where the archive has a directory');
  const before = await describeTree(w.dest, { mtimes: true });
  const p = pack();
  p.entry({ name: 'ok.txt', type: 'file', mode: 0o644 }, 'replaced');
  p.entry({ name: 'new/deep/file.txt', type: 'file', mode: 0o644 }, 'new');
  p.entry({ name: 'sub/f', type: 'directory', mode: 0o755 });
  p.entry({ name: 'sub/f/x', type: 'file', mode: 0o644 }, 'x');
  p.entry({ name: 'ln', type: 'symlink', linkname: w.outside });
  p.entry({ name: 'ln/evil.txt', type: 'file', mode: 0o644 }, 'pwned');
  p.finalize();
  await writeFile(join(w.repo, 'half_20260101000000.tar'), await buffer(p));
  const r = await cairn(['archive', 'restore', 'half', w.dest, '--from', w.repo]);
  assert.equal(r.code, 8, r.stderr);
  assert.deepEqual(await describeTree(w.dest, { mtimes: true }), before);
  assert.match(r.stderr, /outside the destination.*; nothing was restored/);
  assert.deepEqual(await readdir(w.outside), ['target']);
  await rm(w.base, { recursive: true, force: true });
});

test('tar: a later entry of the same name wins, also when a file becomes a directory', async () => {
  const w = await hostileDirWorld();
  await mkdir(w.dest);
  await writeFile(join(w.dest, 'x'), 'an old file where the archive ends with a directory');
  const p = pack();
  p.entry({ name: 'x', type: 'file', mode: 0o644 }, 'first');
  p.entry({ name: 'x/y', type: 'file', mode: 0o644 }, 'under x');
  p.entry({ name: 'twice', type: 'file', mode: 0o644 }, 'one');
  p.entry({ name: 'twice', type: 'file', mode: 0o600 }, 'two');
  p.entry({ name: 'link', type: 'file', mode: 0o644 }, 'a file first');
  p.entry({ name: 'link', type: 'symlink', linkname: 'twice' });
  p.finalize();
  await writeFile(join(w.repo, 'later_20260101000000.tar'), await buffer(p));
  const r = await cairn(['archive', 'restore', 'later', w.dest, '--from', w.repo]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    Object.fromEntries(
      Object.entries(await describeTree(w.dest)).map(([k, v]) => [k, v.type + (v.target ?? '')]),
    ),
    { link: 'symlinktwice', twice: 'file', x: 'dir', 'x/y': 'file' },
  );
  assert.equal(await readFile(join(w.dest, 'twice'), 'utf8'), 'two');
  assert.equal(await readFile(join(w.dest, 'x', 'y'), 'utf8'), 'under x');
  await rm(w.base, { recursive: true, force: true });
});
