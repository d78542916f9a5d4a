import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cairn } from '../support/cli.js';
import { describeTree } from '../support/tree.js';

async function base(): Promise<{ src: string; repo: string; at: (name: string) => string }> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-pit-'));
  const src = join(dir, 'src');
  await mkdir(src);
  return { src, repo: join(dir, 'repo'), at: (name) => join(dir, name) };
}

async function backup(src: string, repo: string): Promise<void> {
  const r = await cairn(['ship', 'backup', src, '-r', '--to', repo, '--host', 'h']);
  assert.equal(r.code, 0, r.stderr);
}

async function restore(repo: string, src: string, dest: string, at?: string): Promise<void> {
  const r = await cairn([
    'ship',
    'restore',
    dest,
    '--from',
    repo,
    '--path',
    src,
    '--host',
    'h',
    ...(at ? ['--at', at] : []),
  ]);
  assert.equal(r.code, 0, r.stderr);
}

/** The regular files restored under DEST (restore with --path puts that directory at DEST). */
async function files(dest: string): Promise<string[]> {
  const tree = await describeTree(dest);
  return Object.keys(tree)
    .filter((k) => tree[k]?.type === 'file')
    .sort();
}

test('a directory removed or emptied between backups is gone from the newest point in time, and still in the older one', async () => {
  const { src, repo, at } = await base();
  await mkdir(join(src, 'sub'));
  await mkdir(join(src, 'gone'));
  await mkdir(join(src, 'was-dir'));
  await writeFile(join(src, 'a'), 'a');
  await writeFile(join(src, 'sub', 'b'), 'b');
  await writeFile(join(src, 'gone', 'x'), 'x');
  await writeFile(join(src, 'was-dir', 'y'), 'y');
  await backup(src, repo);
  const first = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 50));

  await rm(join(src, 'gone'), { recursive: true });
  await rm(join(src, 'sub', 'b'));
  await rm(join(src, 'was-dir'), { recursive: true });
  await writeFile(join(src, 'was-dir'), 'now a file');
  await backup(src, repo);

  await restore(repo, src, at('newest'));
  assert.deepEqual(await files(at('newest')), ['a', 'was-dir']);
  assert.equal(await readFile(join(at('newest'), 'was-dir'), 'utf8'), 'now a file');

  await restore(repo, src, at('older'), first);
  assert.deepEqual(await files(at('older')), ['a', 'gone/x', 'sub/b', 'was-dir/y']);
});

test('the directories of one backup run are one point in time: restoring at a listed time gives that run whole', async () => {
  const { src, repo, at } = await base();
  await mkdir(join(src, 'sub', 'deeper'), { recursive: true });
  const write = async (v: string): Promise<void> => {
    await writeFile(join(src, 'f'), v);
    await writeFile(join(src, 'sub', 'g'), v);
    await writeFile(join(src, 'sub', 'deeper', 'h'), v);
  };
  await write('one');
  await backup(src, repo);
  await write('two');
  await backup(src, repo);
  await write('three');
  await backup(src, repo);

  const list = await cairn(['ship', 'list', '--from', repo, '--json']);
  assert.equal(list.code, 0, list.stderr);
  const times = [...new Set((JSON.parse(list.stdout) as { time: string }[]).map((p) => p.time))].sort();
  assert.equal(times.length, 3, `one time per run: ${list.stdout}`);
  for (const [i, v] of ['one', 'two', 'three'].entries()) {
    const dest = at(`at-${v}`);
    await restore(repo, src, dest, times[i]);
    for (const p of ['f', 'sub/g', 'sub/deeper/h'])
      assert.equal(await readFile(join(dest, p), 'utf8'), v, `${p} at the ${v} run`);
  }
});

test('restore over files with the right bytes gives them back their mode and time too', async () => {
  const { src, repo, at } = await base();
  await writeFile(join(src, 'f'), 'v1');
  await chmod(join(src, 'f'), 0o600);
  await utimes(join(src, 'f'), new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
  await backup(src, repo);
  const dest = at('dest');
  await restore(repo, src, dest);
  await chmod(join(dest, 'f'), 0o644);
  await utimes(join(dest, 'f'), new Date(), new Date());
  await restore(repo, src, dest);
  const st = await stat(join(dest, 'f'));
  assert.equal(st.mode & 0o777, 0o600);
  assert.equal(st.mtime.toISOString(), '2020-01-01T00:00:00.000Z');
});

test('restore makes no directory through a symlink in DEST that leads out of it', async () => {
  const { src, repo, at } = await base();
  await mkdir(join(src, 'sub', 'deeper'), { recursive: true });
  await writeFile(join(src, 'sub', 'deeper', 'f'), 'x');
  await backup(src, repo);
  const dest = at('dest');
  const outside = at('outside');
  await mkdir(dest);
  await mkdir(outside);
  await symlink(outside, join(dest, 'sub'));
  const r = await cairn(['ship', 'restore', dest, '--from', repo, '--path', src, '--host', 'h']);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /leads outside the destination/);
  assert.deepEqual(await readdir(outside), [], 'not even an empty directory');
});

test('restore to / (every file to its own place) is planned, not refused; an empty --host is refused', async () => {
  const { src, repo } = await base();
  await writeFile(join(src, 'f'), 'x');
  await backup(src, repo);
  const dry = await cairn(['ship', 'restore', '/', '--from', repo, '--host', 'h', '--dry-run', '--json']);
  assert.equal(dry.code, 0, dry.stderr);
  const empty = await cairn(['ship', 'backup', src, '--to', repo, '--host', '']);
  assert.equal(empty.code, 2, empty.stderr);
  assert.match(empty.stderr, /invalid host name ""\nhint: /);
  const list = await cairn(['ship', 'list', '--from', repo, '--host', '']);
  assert.equal(list.code, 2, list.stderr);
});
