// Restoring hand-built hostile archives: a symlink that leads outside DEST followed by entries
// under it must be refused (exit 8) without a byte or a directory written outside DEST.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { cairn } from '../support/cli.js';

type Entry =
  | { name: string; type: 'symlink'; target: string }
  | { name: string; type: 'file'; data: string }
  | { name: string; type: 'dir' };

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const p = pack();
  for (const e of entries) {
    if (e.type === 'symlink') p.entry({ name: e.name, type: 'symlink', linkname: e.target });
    else if (e.type === 'dir') p.entry({ name: e.name, type: 'directory', mode: 0o755 });
    else p.entry({ name: e.name, type: 'file', mode: 0o644 }, e.data);
  }
  p.finalize();
  return buffer(p);
}

interface Layout {
  base: string;
  repo: string;
  dest: string;
  outside: string;
}

async function layout(): Promise<Layout> {
  const base = await mkdtemp(join(tmpdir(), 'cairn-arc-unsafe-'));
  const l = { base, repo: join(base, 'repo'), dest: join(base, 'dest'), outside: join(base, 'outside') };
  await mkdir(l.repo);
  await mkdir(l.outside);
  return l;
}

/** Restores NAME from the layout's repository into its DEST; asserts it was refused and nothing escaped. */
async function assertRefused(l: Layout, name: string): Promise<string> {
  const r = await cairn(['archive', 'restore', name, l.dest, '--from', l.repo]);
  assert.equal(r.code, 8, `${name}: ${r.stderr}`);
  assert.deepEqual(await readdir(l.outside), [], `${name}: nothing was written outside DEST`);
  assert.deepEqual((await readdir(l.base)).sort(), ['dest', 'outside', 'repo']);
  return r.stderr;
}

const OUTSIDE = /outside the destination/;

const variants: { what: string; entries: (l: Layout) => Entry[]; says?: RegExp }[] = [
  {
    what: 'an absolute symlink to a directory outside, then a file under it',
    entries: (l) => [
      { name: 'ok.txt', type: 'file', data: 'fine' },
      { name: 'link', type: 'symlink', target: l.outside },
      { name: 'link/evil.txt', type: 'file', data: 'pwned' },
    ],
    says: OUTSIDE,
  },
  {
    what: 'a relative symlink climbing out, then a file under it',
    entries: () => [
      { name: 'link', type: 'symlink', target: '../outside' },
      { name: 'link/evil.txt', type: 'file', data: 'pwned' },
    ],
    says: OUTSIDE,
  },
  {
    what: 'a symlink to a directory outside, then a file two levels under it',
    entries: (l) => [
      { name: 'link', type: 'symlink', target: l.outside },
      { name: 'link/sub/evil.txt', type: 'file', data: 'pwned' },
    ],
    says: OUTSIDE,
  },
  {
    what: 'a symlink to a directory outside, then a directory under it',
    entries: (l) => [
      { name: 'link', type: 'symlink', target: l.outside },
      { name: 'link/made', type: 'dir' },
    ],
    says: OUTSIDE,
  },
  {
    what: 'a symlink to a directory outside, then a symlink under it',
    entries: (l) => [
      { name: 'link', type: 'symlink', target: l.outside },
      { name: 'link/planted', type: 'symlink', target: '/etc/passwd' },
    ],
    says: OUTSIDE,
  },
  {
    what: 'a symlink to a missing path outside, then a file under it',
    entries: (l) => [
      { name: 'link', type: 'symlink', target: join(l.outside, 'not-yet') },
      { name: 'link/evil.txt', type: 'file', data: 'pwned' },
    ],
  },
];

for (const gz of [false, true]) {
  for (const v of variants) {
    test(`${gz ? 'tar.gz' : 'tar'}: restore refuses ${v.what}`, async () => {
      const l = await layout();
      const tar = await tarOf(v.entries(l));
      await writeFile(join(l.repo, `evil_20260101000000.${gz ? 'tar.gz' : 'tar'}`), gz ? gzipSync(tar) : tar);
      const stderr = await assertRefused(l, 'evil');
      if (v.says) assert.match(stderr, v.says);
    });
  }
}

test('tar.gz made by GNU tar: a symlink leading outside, then link/evil.txt appended, is refused', async () => {
  const l = await layout();
  const first = join(l.base, 'stage1');
  const second = join(l.base, 'stage2');
  await mkdir(first);
  await mkdir(join(second, 'link'), { recursive: true });
  await symlink(l.outside, join(first, 'link'));
  await writeFile(join(second, 'link', 'evil.txt'), 'pwned');
  const tar = join(l.base, 'evil.tar');
  execFileSync('tar', ['-cf', tar, '-C', first, 'link']);
  execFileSync('tar', ['-rf', tar, '-C', second, 'link/evil.txt']);
  assert.deepEqual(execFileSync('tar', ['-tf', tar]).toString().trim().split('\n'), [
    'link',
    'link/evil.txt',
  ]);
  await writeFile(join(l.repo, 'gnu_20260101000000.tar.gz'), gzipSync(await readFile(tar)));
  for (const d of [first, second, tar]) execFileSync('rm', ['-rf', d]);
  assert.match(await assertRefused(l, 'gnu'), OUTSIDE);
});

for (const deep of [false, true]) {
  const entry = deep ? 'link/sub/evil.txt' : 'link/evil.txt';
  test(`zip made by zip --symlinks: a symlink leading outside, then ${entry}, is refused`, async () => {
    const l = await layout();
    const first = join(l.base, 'stage1');
    const second = join(l.base, 'stage2');
    await mkdir(first);
    await mkdir(join(second, deep ? 'link/sub' : 'link'), { recursive: true });
    await symlink(l.outside, join(first, 'link'));
    await writeFile(join(second, entry), 'pwned');
    const zip = join(l.repo, 'evilzip_20260101000000.zip');
    execFileSync('zip', ['-q', '--symlinks', zip, 'link'], { cwd: first });
    execFileSync('zip', ['-q', zip, entry], { cwd: second });
    const listing = execFileSync('zipinfo', ['-1', zip]).toString().trim().split('\n');
    assert.deepEqual(listing, ['link', entry]);
    assert.match(execFileSync('zipinfo', [zip, 'link']).toString(), /^l/m, 'link is stored as a symlink');
    for (const d of [first, second]) execFileSync('rm', ['-rf', d]);
    assert.match(await assertRefused(l, 'evilzip'), OUTSIDE);
  });
}

test('the refusal names the archive entry that would have been written through the symlink', async () => {
  const l = await layout();
  const tar = await tarOf([
    { name: 'link', type: 'symlink', target: l.outside },
    { name: 'link/evil.txt', type: 'file', data: 'pwned' },
  ]);
  await writeFile(join(l.repo, 'named_20260101000000.tar'), tar);
  const stderr = await assertRefused(l, 'named');
  assert.ok(stderr.includes('"link/evil.txt"'), `the message names the entry "link/evil.txt": ${stderr}`);
});

test('symlinks are restored as they are, and one leading inside DEST may be written through', async () => {
  const l = await layout();
  const tar = await tarOf([
    { name: 'real', type: 'dir' },
    { name: 'alias', type: 'symlink', target: 'real' },
    { name: 'alias/through.txt', type: 'file', data: 'inside' },
    { name: 'away', type: 'symlink', target: l.outside },
  ]);
  await writeFile(join(l.repo, 'fine_20260101000000.tar'), tar);
  const r = await cairn(['archive', 'restore', 'fine', l.dest, '--from', l.repo]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await readFile(join(l.dest, 'real', 'through.txt'), 'utf8'), 'inside');
  assert.equal(await readlink(join(l.dest, 'alias')), 'real');
  assert.equal(await readlink(join(l.dest, 'away')), l.outside);
  assert.deepEqual(await readdir(l.outside), []);
});
