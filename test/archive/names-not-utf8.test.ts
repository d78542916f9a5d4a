// A name (or a symlink's target) that is not valid UTF-8 cannot be stored as the name it is:
// archive create refuses it like an unreadable file, or leaves it out and reports it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cairn } from '../support/cli.js';
import { listArchives } from '../../src/archive/catalog.js';
import { LocalStore } from '../../src/storage/local-store.js';

/** `dir/name` as bytes: Node's string paths are UTF-8, so a name with other bytes needs a Buffer. */
const bytesPath = (dir: string, name: number[]): Buffer =>
  Buffer.concat([Buffer.from(`${dir}/`), Buffer.from(name)]);

async function tree(): Promise<{ base: string; src: string; repo: string }> {
  const base = await mkdtemp(join(tmpdir(), 'cairn-arc-names-'));
  const src = join(base, 'src');
  await mkdir(src);
  await writeFile(join(src, 'ok.txt'), 'fine');
  return { base, src, repo: join(base, 'repo') };
}

/** `cairn archive create x` of the tree's source into its repository. */
const create = (s: { src: string; repo: string }, ...extra: string[]) =>
  cairn(['archive', 'create', 'x', '--include', s.src, '--to', s.repo, ...extra]);

for (const format of ['tar.gz', 'zip']) {
  test(`${format}: a file whose name is not UTF-8 fails the archive, naming it as bash writes it (exit 5, nothing stored)`, async () => {
    const s = await tree();
    await writeFile(bytesPath(s.src, [...Buffer.from('bad'), 0xff, ...Buffer.from('.txt')]), 'bytes');
    const r = await create(s, '--format', format);
    assert.equal(r.code, 5, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0] ?? '', /bad\\xff\.txt: its name is not valid UTF-8/);
    assert.match(lines[1] ?? '', /hint: rename it \(bash: mv \$'.*\/bad\\xff\.txt' NEWNAME\)/);
    assert.deepEqual(await listArchives(new LocalStore(s.repo)).catch(() => []), []);
  });
}

test('with --skip-unreadable the names are reported and left out, the rest is archived', async () => {
  const s = await tree();
  await writeFile(bytesPath(s.src, [0x66, 0xfe]), 'bytes');
  await mkdir(bytesPath(s.src, [0x64, 0xc3, 0x28]));
  await symlink(bytesPath('/tmp', [0x74, 0xff]), join(s.src, 'link'));
  const r = await create(s, '--skip-unreadable', '--json');
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { files: number; skipped: { path: string; reason: string }[] };
  assert.equal(result.files, 1);
  assert.deepEqual(result.skipped.map((k) => k.path).sort(), [
    `${s.src}/d\\xc3(`,
    `${s.src}/f\\xfe`,
    join(s.src, 'link'),
  ]);
  assert.match(
    result.skipped.find((k) => k.path.endsWith('link'))?.reason ?? '',
    /its target \/tmp\/t\\xff is not valid UTF-8/,
  );

  const out = join(s.base, 'out');
  const restored = await cairn(['archive', 'restore', 'x', out, '--from', s.repo]);
  assert.equal(restored.code, 0, restored.stderr);
  assert.deepEqual(await readdir(out), ['ok.txt']);
});

test('a name left out by --exclude is not reported', async () => {
  const s = await tree();
  await writeFile(bytesPath(s.src, [0x62, 0xff, ...Buffer.from('.tmp')]), 'bytes');
  const r = await create(s, '--exclude', '*.tmp', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual((JSON.parse(r.stdout) as { skipped: unknown[] }).skipped, []);
});
