import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cairn, eventually, finished, spawnCairn } from '../support/cli.js';
import { localObjectCount } from '../support/repo-probe.js';

interface BackupJson {
  scanned: number;
  stats: { filesUploaded: number };
}

test('ship backup of a directory that holds the local target leaves the target out, run after run', async () => {
  const base = await mkdtemp(join(tmpdir(), 'cairn-ship-inside-'));
  const home = join(base, 'home');
  await mkdir(join(home, 'docs'), { recursive: true });
  await writeFile(join(home, 'docs', 'a.txt'), 'a');
  await writeFile(join(home, 'b.txt'), 'b');
  const repo = join(home, '.local', 'share', 'cairn');
  const args = ['ship', 'backup', home, '--recursive', '--to', repo, '--json'];

  const first = await cairn(args);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /left out .*cairn: it is where files are shipped to/);
  const a = JSON.parse(first.stdout) as BackupJson;
  assert.equal(a.scanned, 2);
  assert.equal(a.stats.filesUploaded, 2);

  // Without the rule, the second run would ship the objects and manifests the first one stored.
  const second = await cairn(args);
  assert.equal(second.code, 0, second.stderr);
  const b = JSON.parse(second.stdout) as BackupJson;
  assert.equal(b.scanned, 2);
  assert.equal(b.stats.filesUploaded, 0);
});

test('ship backup --recursive --include enters every directory and ships the matching files in them', async () => {
  const base = await mkdtemp(join(tmpdir(), 'cairn-ship-include-'));
  const src = join(base, 'src');
  await mkdir(join(src, 'sub', 'deeper'), { recursive: true });
  await writeFile(join(src, 'a.db'), '1');
  await writeFile(join(src, 'sub', 'b.db'), '2');
  await writeFile(join(src, 'sub', 'deeper', 'c.db'), '3');
  await writeFile(join(src, 'sub', 'notes.txt'), 'not this');
  const args = ['ship', 'backup', src, '-r', '--include', '*.db', '--exclude', 'sub/deeper/**'];
  const r = await cairn([...args, '--to', join(base, 'repo'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as BackupJson;
  assert.equal(j.scanned, 2, 'a.db and sub/b.db; sub/deeper is excluded by a path pattern');
  assert.equal(j.stats.filesUploaded, 2);
});

test('ship watch of a directory that holds the local target never ships its own objects, also when it starts again', async () => {
  const base = await mkdtemp(join(tmpdir(), 'cairn-watch-inside-'));
  const home = join(base, 'home');
  await mkdir(home);
  const repo = join(home, 'repo');
  const daemon = async (during: () => Promise<void>): Promise<string> => {
    const d = spawnCairn(['ship', 'watch', home, '--recursive', '--to', repo, '--host', 'h'], {
      env: { CAIRN_LOCK_DIR: join(base, 'locks') },
    });
    const done = finished(d);
    let log = '';
    d.stderr?.on('data', (b: Buffer) => (log += b.toString()));
    await eventually(() => Promise.resolve(log.includes('ship.ready')), 20_000, 'daemon ready');
    await during();
    d.kill('SIGTERM');
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    return log;
  };
  const first = await daemon(async () => {
    for (let i = 0; i < 3; i++) await writeFile(join(home, `f${i}.txt`), `file ${i}`);
    await eventually(async () => (await localObjectCount(repo)) === 3, 20_000, 'three files shipped');
  });
  // Started again, it reconciles: everything under the watched directory that is not shipped yet,
  // which would include the manifests and objects the first one stored.
  const second = await daemon(() => new Promise((r) => setTimeout(r, 2000)));
  assert.equal(await localObjectCount(repo), 3, `${first}\n${second}`);
  assert.doesNotMatch(second, /"path":"[^"]*\/repo\//);
});
