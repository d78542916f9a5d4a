import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cairn } from '../support/cli.js';
import { describeTree } from '../support/tree.js';
import { archiveFixture } from '../support/archive-tree.js';
import { allTargets } from '../support/targets.js';
import { openStore } from '../../src/storage/open-store.js';

const json = <T>(s: string): T => JSON.parse(s) as T;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

for (const target of allTargets) {
  for (const format of ['tar.gz', 'tar', 'zip'] as const) {
    test(`${target.name} ${format}: create → restore is identical (modes, mtimes, symlinks, empty dirs, Unicode)`, async () => {
      const src = await archiveFixture();
      const repo = await target.make();
      const env = target.env();
      const created = await cairn(
        [
          'archive',
          'create',
          'rt',
          '--include',
          `${src}:tree`,
          '--format',
          format,
          '--to',
          repo,
          '--json',
          // 20 MB of command output: more than the 16 MiB tar spool, so tar formats patch a header later.
          '--run',
          'cmd/big.bin=head -c 20000000 /dev/zero | tr "\\0" "x"',
          '--run',
          'cmd/small.txt=echo small output',
        ],
        { env },
      );
      assert.equal(created.code, 0, created.stderr);
      const r = json<{ key: string; files: number; sha256: string; bytes: number }>(created.stdout);
      assert.match(r.key, new RegExp(`^rt_\\d{14}\\.${format.replace('.', '\\.')}$`));
      assert.equal(r.files, 8); // 6 regular files and 2 command outputs; symlinks and directories are entries, not files

      // The recorded SHA-256 and size are those of the stored object.
      Object.assign(process.env, env);
      const stored = await openStore(repo).getBuffer(r.key);
      assert.equal(stored.length, r.bytes);
      assert.equal(sha(stored), r.sha256);
      const meta = json<{ sha256: string; cairn: string }>(
        (await openStore(repo).getBuffer(`${r.key}.json`)).toString(),
      );
      assert.equal(meta.sha256, r.sha256);

      const dest = await mkdtemp(join(tmpdir(), 'cairn-arc-dest-'));
      const restored = await cairn(['archive', 'restore', 'rt', dest, '--from', repo, '--json'], { env });
      assert.equal(restored.code, 0, restored.stderr);
      assert.deepEqual(
        await describeTree(join(dest, 'tree'), { mtimes: 'seconds' }),
        await describeTree(src, { mtimes: 'seconds' }),
      );
      assert.equal((await readFile(join(dest, 'cmd', 'small.txt'))).toString(), 'small output\n');
      const big = await readFile(join(dest, 'cmd', 'big.bin'));
      assert.equal(big.length, 20_000_000);
      assert.equal(big.indexOf('\0'), -1);

      // Ordinary tools read it too.
      const file = join(await mkdtemp(join(tmpdir(), 'cairn-arc-raw-')), 'a');
      await import('node:fs/promises').then((fs) => fs.writeFile(file, stored));
      const sys = await mkdtemp(join(tmpdir(), 'cairn-arc-sys-'));
      if (format === 'zip') execFileSync('unzip', ['-q', file, '-d', sys]);
      else execFileSync('tar', [format === 'tar.gz' ? '-xzf' : '-xf', file, '-C', sys]);
      assert.deepEqual(await describeTree(join(sys, 'tree')), await describeTree(src));
      await rm(sys, { recursive: true, force: true });
    });
  }
}

test('preservePaths and names: contents merge under one name, full paths kept', async () => {
  const a = await archiveFixture();
  const b = await archiveFixture();
  const repo = join(await mkdtemp(join(tmpdir(), 'cairn-arc-repo-')), 'r');
  const r = await cairn([
    'archive',
    'create',
    'merge',
    '--include',
    `${a}:both`,
    '--include',
    `${b}:both`,
    '--to',
    repo,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const p = await cairn([
    'archive',
    'create',
    'full',
    '--include',
    `${a}:site`,
    '--preserve-paths',
    '--to',
    repo,
  ]);
  assert.equal(p.code, 0, p.stderr);
  const dest = await mkdtemp(join(tmpdir(), 'cairn-arc-dest-'));
  assert.equal((await cairn(['archive', 'restore', 'full', dest, '--from', repo])).code, 0);
  assert.deepEqual(await describeTree(join(dest, 'site', a)), await describeTree(a));
  const dry = await cairn([
    'archive',
    'create',
    'merge',
    '--include',
    `${a}:both`,
    '--include',
    `${b}:both`,
    '--to',
    repo,
    '--dry-run',
    '--json',
  ]);
  const entries = json<{ entries: { name: string }[] }>(dry.stdout).entries.map((e) => e.name);
  assert.equal(entries.filter((n) => n === 'both').length, 1, 'the shared directory is listed once');
  assert.ok(entries.includes('both/nested/deeper/data.bin'));
});
