import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cairn, eventually, finished, spawnCairn } from '../support/cli.js';
import { manifestNames } from '../support/repo-probe.js';
import { onTerminal, screenLines } from '../support/terminal.js';

// A name is bytes to the kernel: these are what `touch $'bad\xff.db'` makes in bash.
const bytes = (dir: string, ...name: (string | number)[]): Buffer =>
  Buffer.concat([
    Buffer.from(`${dir}/`),
    ...name.map((n) => (typeof n === 'number' ? Buffer.from([n]) : Buffer.from(n))),
  ]);

async function setup(): Promise<{ src: string; repo: string; at: (name: string) => string }> {
  const base = await mkdtemp(join(tmpdir(), 'cairn-names-'));
  await mkdir(join(base, 'src'));
  return { src: join(base, 'src'), repo: join(base, 'repo'), at: (name) => join(base, name) };
}

interface LogLine {
  level: number;
  type: string;
  msg: string;
  [field: string]: unknown;
}

/** stderr of a CLI run without a terminal: one JSON object per line. */
const logLines = (stderr: string): LogLine[] =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

const WARN = 40;

test('backup leaves out names that are not valid UTF-8, warns about each, counts them and exits 3', async () => {
  const { src, repo, at } = await setup();
  await writeFile(join(src, 'ok.db'), 'a good name');
  await writeFile(bytes(src, 'bad', 0xff, '.db'), 'a name with a byte that is not UTF-8');
  await mkdir(bytes(src, 'sub', 0xfe));
  await writeFile(Buffer.concat([bytes(src, 'sub', 0xfe), Buffer.from('/inner.db')]), 'inside it');
  await mkdir(join(src, 'deeper'));
  await writeFile(bytes(join(src, 'deeper'), 'tab\there', 0xc3), 'a cut-off sequence and a tab');
  await writeFile(bytes(src, 'scratch', 0xff, '.tmp'), 'excluded by the default patterns');

  const r = await cairn(['ship', 'backup', src, '-r', '--to', repo, '--host', 'h', '--json']);
  assert.equal(r.code, 3, r.stderr);
  const result = JSON.parse(r.stdout) as { stats: Record<string, number> };
  assert.equal(result.stats.namesNotUtf8, 3);
  assert.equal(result.stats.filesUploaded, 1);

  const warnings = logLines(r.stderr).filter((l) => l.type === 'ship.name-not-utf8');
  assert.ok(
    warnings.every((w) => w.level === WARN),
    r.stderr,
  );
  assert.deepEqual(warnings.map((w) => [w.dir, w.name]).sort(), [
    [src, 'bad\\xff.db'],
    [src, 'sub\\xfe'],
    [join(src, 'deeper'), 'tab\\x09here\\xc3'],
  ]);

  assert.deepEqual(await manifestNames(repo, src), ['ok.db']);
  const restored = await cairn(['ship', 'restore', at('dest'), '--from', repo, '--path', src]);
  assert.equal(restored.code, 0, restored.stderr);
  assert.equal(await readFile(join(at('dest'), 'ok.db'), 'utf8'), 'a good name');

  // On a terminal: a warning line for each, the summary counts them, the error says the backup is incomplete.
  const text = await onTerminal(['ship', 'backup', src, '-r', '--to', repo, '--host', 'h']);
  assert.equal(text.code, 3, text.screen);
  const lines = screenLines(text.screen);
  assert.ok(
    lines.some((l) => l.startsWith(`warning: left out ${src}/bad\\xff.db: its name is not valid UTF-8`)),
    text.screen,
  );
  assert.ok(
    lines.some((l) => /3 name\(s\) not valid UTF-8 \(not shipped\)/.test(l)),
    text.screen,
  );
  assert.ok(
    lines.some((l) => l.startsWith('cairn: 3 file(s) or directories could not be shipped')),
    text.screen,
  );
});

test('a valid name that a lossy decoding of another would equal is shipped once, and its manifest restores', async () => {
  const { src, repo, at } = await setup();
  // 'bad\uFFFD.db' is a valid name; 'bad\xff.db', decoded with replacement, reads as the same string.
  await writeFile(join(src, 'bad\uFFFD.db'), 'the valid one');
  await writeFile(bytes(src, 'bad', 0xff, '.db'), 'the invalid one');

  const r = await cairn(['ship', 'backup', src, '--to', repo, '--host', 'h', '--json']);
  assert.equal(r.code, 3, r.stderr);
  const stats = (JSON.parse(r.stdout) as { stats: Record<string, number> }).stats;
  assert.equal(stats.namesNotUtf8, 1);
  assert.equal(stats.filesUploaded! + stats.filesStoredAlready!, 1, 'the valid file is shipped once');
  assert.deepEqual(await manifestNames(repo, src), ['bad\uFFFD.db']);

  const restored = await cairn(['ship', 'restore', at('dest'), '--from', repo, '--path', src]);
  assert.equal(restored.code, 0, restored.stderr);
  assert.equal(await readFile(join(at('dest'), 'bad\uFFFD.db'), 'utf8'), 'the valid one');
  const verify = await cairn(['ship', 'verify', '--from', repo]);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
});

test('watch warns about a file or directory whose name is not valid UTF-8 and keeps running', async () => {
  const { src, repo, at } = await setup();
  const d = spawnCairn(['ship', 'watch', src, '-r', '--to', repo, '--host', 'h'], {
    env: { CAIRN_LOCK_DIR: at('locks') },
  });
  const done = finished(d);
  let stderr = '';
  d.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  try {
    await eventually(async () => Promise.resolve(stderr.includes('ship.ready')), 15_000, 'the daemon');
    await writeFile(join(src, 'incoming.tmp'), 'renamed into place');
    await rename(join(src, 'incoming.tmp'), bytes(src, 'moved', 0xff));
    await mkdir(bytes(src, 'dir', 0xfe));
    await writeFile(Buffer.concat([bytes(src, 'dir', 0xfe), Buffer.from('/inside.db')]), 'inside');
    await writeFile(join(src, 'after.tmp'), 'a good name, after them');
    await rename(join(src, 'after.tmp'), join(src, 'after.db'));
    await eventually(
      async () => (await manifestNames(repo, src)).includes('after.db'),
      15_000,
      'after.db shipped',
    );
    const names = (): string[] =>
      logLines(stderr)
        .filter((l) => l.type === 'ship.name-not-utf8')
        .map((l) => `${String(l.dir)}/${String(l.name)}`);
    await eventually(async () => Promise.resolve(names().length >= 2), 15_000, 'two warnings');
    assert.deepEqual(names().sort(), [`${src}/dir\\xfe`, `${src}/moved\\xff`]);
    assert.doesNotMatch(stderr, /unexpected error/);
    assert.equal(d.exitCode, null, `the daemon is still running: ${stderr}`);
  } finally {
    d.kill('SIGTERM');
  }
  const r = await done;
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await manifestNames(repo, src), ['after.db']);
});
