import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cairn } from '../support/cli.js';
import { archive } from '../../src/archive/archive.js';
import { listArchives } from '../../src/archive/catalog.js';
import { LocalStore } from '../../src/storage/local-store.js';

async function source(): Promise<{ base: string; src: string; repo: string }> {
  const base = await mkdtemp(join(tmpdir(), 'cairn-arc-bad-'));
  const src = join(base, 'src');
  await mkdir(join(src, 'sub'), { recursive: true });
  await writeFile(join(src, 'a.txt'), 'a');
  await writeFile(join(src, 'sub', 'b.txt'), 'b');
  return { base, src, repo: join(base, 'repo') };
}

/** One line of error and one of hint, nothing else (no stack trace). */
function oneLineError(stderr: string, message: RegExp): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 2, stderr);
  assert.match(lines[0] ?? '', message);
  assert.match(lines[1] ?? '', /^\s*hint: /);
}

const names: [string, (s: { src: string }) => string[]][] = [
  ['a command output named ../escape', () => ['--run', '../escape=echo hi']],
  ['a command output with an absolute name', () => ['--run', '/abs=echo hi']],
  ['a directory named ../up', ({ src }) => ['--include', `${src}:../up`]],
  ['a file named a/./b', ({ src }) => ['--file', `${join(src, 'a.txt')}:a/./b`]],
];
for (const [what, args] of names) {
  test(`archive create refuses ${what}, which restore would refuse (exit 2, nothing stored)`, async () => {
    const s = await source();
    const r = await cairn(['archive', 'create', 'x', '--to', s.repo, ...args(s)]);
    assert.equal(r.code, 2, r.stderr);
    oneLineError(r.stderr, /invalid name inside the archive/);
    assert.deepEqual(await listArchives(new LocalStore(s.repo)).catch(() => []), []);
  });
}

test('the library refuses the same names when they are given', async () => {
  const s = await source();
  const a = archive('x', { to: s.repo });
  assert.throws(() => a.includeCommandOutput('../x', ['true']), { code: 'USAGE' });
  assert.throws(() => a.includeDirectory(s.src, { name: '/etc' }), { code: 'USAGE' });
  assert.throws(() => a.includeFile(join(s.src, 'a.txt'), { name: 'x/../../y' }), { code: 'USAGE' });
  await assert.rejects(
    a.includeNewDir('..', () => undefined),
    { code: 'USAGE' },
  );
  // Repeated and trailing slashes are only tidied.
  a.includeDirectory(s.src, { name: 'site//www/' });
  assert.deepEqual(
    (await a.entries()).map((e) => e.name),
    ['site', 'site/www', 'site/www/a.txt', 'site/www/sub', 'site/www/sub/b.txt'],
  );
});

test('--file of a directory and --include of a file are usage errors that name the other flag', async () => {
  const s = await source();
  const dir = await cairn(['archive', 'create', 'x', '--to', s.repo, '--file', s.src]);
  assert.equal(dir.code, 2, dir.stderr);
  oneLineError(dir.stderr, /is a directory, not a file/);
  assert.match(dir.stderr, /--include/);

  const file = await cairn(['archive', 'create', 'x', '--to', s.repo, '--include', join(s.src, 'a.txt')]);
  assert.equal(file.code, 2, file.stderr);
  oneLineError(file.stderr, /is not a directory/);
  assert.match(file.stderr, /--file/);
  assert.deepEqual(await listArchives(new LocalStore(s.repo)).catch(() => []), []);
});

test('a local target inside an included directory is left out of the archive, with a warning', async () => {
  const s = await source();
  const repo = join(s.src, 'backups');
  const args = ['archive', 'create', 'home', '--include', s.src, '--to', repo, '--format', 'tar'];
  const first = await cairn(args);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /left out .*backups: it is where the archive is stored/);
  // A second run would otherwise take in the first archive (and its own unfinished one).
  await new Promise((r) => setTimeout(r, 1100));
  const dry = await cairn([...args, '--dry-run', '--json']);
  assert.equal(dry.code, 0, dry.stderr);
  const entries = (JSON.parse(dry.stdout) as { entries: { name: string }[] }).entries.map((e) => e.name);
  assert.deepEqual(entries, ['a.txt', 'sub', 'sub/b.txt']);
  const second = await cairn([...args, '--json']);
  assert.equal(second.code, 0, second.stderr);
  assert.equal((JSON.parse(second.stdout) as { files: number }).files, 2);
  assert.equal((await listArchives(new LocalStore(repo))).length, 2);
});

test('restore into a path that is a file, and a storage target that is a file, are usage errors', async () => {
  const s = await source();
  const made = await cairn(['archive', 'create', 'x', '--include', s.src, '--to', s.repo]);
  assert.equal(made.code, 0, made.stderr);
  const file = join(s.base, 'a-file');
  await writeFile(file, 'not a directory');

  const into = await cairn(['archive', 'restore', 'x', file, '--from', s.repo]);
  assert.equal(into.code, 2, into.stderr);
  oneLineError(into.stderr, /restore destination .*a-file is not a directory/);

  const to = await cairn(['archive', 'create', 'x', '--include', s.src, '--to', file]);
  assert.equal(to.code, 2, to.stderr);
  oneLineError(to.stderr, /storage target .*a-file is not a directory/);

  const under = await cairn(['archive', 'list', '--from', join(file, 'sub')]);
  assert.notEqual(under.code, 0, under.stderr);
  assert.doesNotMatch(under.stderr, /\n\s+at /);
});

test('prune of a name with no archives is an error, not an empty success', async () => {
  const s = await source();
  const made = await cairn(['archive', 'create', 'x', '--include', s.src, '--to', s.repo]);
  assert.equal(made.code, 0, made.stderr);
  const r = await cairn(['archive', 'prune', 'y', '--keep-last', '1', '--from', s.repo]);
  assert.equal(r.code, 4, r.stderr);
  oneLineError(r.stderr, /no archives "y" in/);
  assert.deepEqual(
    (await readdir(s.repo)).filter((n) => !n.startsWith('.')).length,
    2,
    'the archive of x and its record are untouched',
  );
});
