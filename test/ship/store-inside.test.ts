import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cairn } from '../support/cli.js';

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
