import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cairn } from '../support/cli.js';
import { onTerminal } from '../support/terminal.js';

async function tree(): Promise<{ base: string; src: string }> {
  const base = await mkdtemp(join(tmpdir(), 'cairn-tty-'));
  const src = join(base, 'src');
  await mkdir(src);
  for (let i = 0; i < 300; i++) await writeFile(join(src, `f${i}`), randomBytes(16_384));
  return { base, src };
}

test('on a terminal, ship backup, ship restore and archive create draw a progress bar, then a summary', async () => {
  const { base, src } = await tree();
  const repo = join(base, 'repo');

  const shipped = await onTerminal(['ship', 'backup', src, '--to', repo]);
  assert.equal(shipped.code, 0, shipped.screen);
  assert.match(shipped.screen, /shipping \[[^\]]*\] \d+% \d+\/300 files/);
  assert.match(shipped.screen, /shipped .* in \d+/);

  const restored = await onTerminal(['ship', 'restore', join(base, 'out'), '--from', repo]);
  assert.equal(restored.code, 0, restored.screen);
  assert.match(restored.screen, /restoring \[[^\]]*\] \d+%/);

  const archived = await onTerminal(['archive', 'create', 'tty', '--include', src, '--to', repo]);
  assert.equal(archived.code, 0, archived.screen);
  assert.match(archived.screen, /tty_\d{14}\.tar\.gz \[[^\]]*\] \d+%/);
});

test('off a terminal there is no progress bar: logs are JSON lines', async () => {
  const { base, src } = await tree();
  const r = await cairn(['ship', 'backup', src, '--to', join(base, 'repo')]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /\[[^\]]*\] \d+%/);
  for (const line of r.stderr.trim().split('\n').filter(Boolean))
    assert.doesNotThrow(() => JSON.parse(line), line);
});
