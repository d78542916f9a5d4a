// `archive create` from the outside: what goes in (--exclude, --file), the record stored beside
// the archive, UTC names, a failing command on a local target, and the summary on a terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cairn } from '../support/cli.js';
import { onTerminal, screenLines } from '../support/terminal.js';
import { describeTree } from '../support/tree.js';
import { archiveFixture } from '../support/archive-tree.js';
import { allTargets, localTarget, s3Target } from '../support/targets.js';
import { archive } from '../../src/archive/archive.js';
import { fixedClock } from '../../src/core/clock.js';
import { openStore } from '../../src/storage/open-store.js';

Object.assign(process.env, s3Target.env());

const json = <T>(s: string): T => JSON.parse(s) as T;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const FORMATS = ['tar.gz', 'tar', 'zip'] as const;

/** The UTC time a key's YYYYMMDDhhmmss stands for. */
function keyTime(key: string): Date {
  const m = /_(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\./.exec(key);
  assert.ok(m, `${key} has a timestamp`);
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
}

test('archive create --exclude (repeatable) leaves matching files out; --file PATH[:NAME] stores one file', async () => {
  const base = await mkdtemp(join(tmpdir(), 'cairn-arc-excl-'));
  const src = join(base, 'src');
  await mkdir(join(src, 'sub', 'cache'), { recursive: true });
  await writeFile(join(src, 'keep.txt'), 'kept');
  await writeFile(join(src, 'debug.log'), 'noise');
  await writeFile(join(src, 'scratch.tmp'), 'noise');
  await writeFile(join(src, 'sub', 'inner.log'), 'noise at depth');
  await writeFile(join(src, 'sub', 'data.csv'), 'a,b\n1,2\n');
  await writeFile(join(src, 'sub', 'cache', 'blob'), 'cached');
  await writeFile(join(base, 'app.conf'), 'listen 80\n');
  await writeFile(join(base, 'notes.txt'), 'read me\n');
  const repo = join(base, 'repo');
  const args = [
    'archive',
    'create',
    'ex',
    '--include',
    `${src}:site`,
    '--exclude',
    '*.log',
    '--exclude',
    '*.tmp',
    '--exclude',
    'cache',
    '--file',
    `${join(base, 'app.conf')}:conf/app.conf`,
    '--file',
    join(base, 'notes.txt'),
    '--to',
    repo,
  ];
  const expected = [
    'conf',
    'conf/app.conf',
    'notes.txt',
    'site',
    'site/keep.txt',
    'site/sub',
    'site/sub/data.csv',
  ];

  const dry = await cairn([...args, '--dry-run', '--json']);
  assert.equal(dry.code, 0, dry.stderr);
  const plan = json<{ dryRun: boolean; entries: { type: string; name: string; size?: number }[] }>(
    dry.stdout,
  );
  assert.equal(plan.dryRun, true);
  assert.deepEqual(plan.entries.map((e) => e.name).sort(), expected);
  assert.deepEqual(
    plan.entries.find((e) => e.name === 'conf/app.conf'),
    { type: 'file', name: 'conf/app.conf', size: 10 },
  );
  assert.equal(plan.entries.find((e) => e.name === 'conf')?.type, 'dir');
  assert.deepEqual(await readdir(repo).catch(() => []), [], 'a dry run stores nothing');

  const created = await cairn([...args, '--json']);
  assert.equal(created.code, 0, created.stderr);
  assert.equal(json<{ files: number }>(created.stdout).files, 4);
  const dest = join(base, 'out');
  const restored = await cairn(['archive', 'restore', 'ex', dest, '--from', repo]);
  assert.equal(restored.code, 0, restored.stderr);
  assert.deepEqual(Object.keys(await describeTree(dest)).sort(), expected);
  assert.equal(await readFile(join(dest, 'conf', 'app.conf'), 'utf8'), 'listen 80\n');
  assert.equal(await readFile(join(dest, 'notes.txt'), 'utf8'), 'read me\n');
  assert.equal(await readFile(join(dest, 'site', 'sub', 'data.csv'), 'utf8'), 'a,b\n1,2\n');
});

test('archive create --exclude with a "/" matches the path inside the included directory', async () => {
  const base = await mkdtemp(join(tmpdir(), 'cairn-arc-excl-path-'));
  const src = join(base, 'src');
  await mkdir(join(src, 'sub', 'cache'), { recursive: true });
  await writeFile(join(src, 'top.csv'), 'kept: not under sub/');
  await writeFile(join(src, 'sub', 'data.csv'), 'left out by sub/*.csv');
  await writeFile(join(src, 'sub', 'notes.txt'), 'kept');
  await writeFile(join(src, 'sub', 'cache', 'blob'), 'left out by sub/cache/**');
  const r = await cairn([
    'archive',
    'create',
    'expath',
    '--include',
    src,
    '--exclude',
    'sub/*.csv',
    '--exclude',
    'sub/cache/**',
    '--to',
    join(base, 'repo'),
    '--dry-run',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const files = json<{ entries: { type: string; name: string }[] }>(r.stdout)
    .entries.filter((e) => e.type === 'file')
    .map((e) => e.name)
    .sort();
  assert.deepEqual(files, ['sub/notes.txt', 'top.csv']);
});

for (const target of allTargets) {
  for (const format of FORMATS) {
    test(`${target.name} ${format}: the record beside the archive describes the stored object`, async () => {
      const src = await archiveFixture();
      const repo = await target.make();
      const env = target.env();
      const tree = await describeTree(src);
      const before = new Date();
      const r = await cairn(
        [
          'archive',
          'create',
          'rec',
          '--include',
          src,
          '--run',
          'cmd/out.txt=echo recorded',
          '--format',
          format,
          '--to',
          repo,
          '--json',
        ],
        { env },
      );
      const after = new Date();
      assert.equal(r.code, 0, r.stderr);
      const saved = json<{ key: string; bytes: number; files: number; sha256: string }>(r.stdout);
      assert.match(saved.key, new RegExp(`^rec_\\d{14}\\.${format.replace('.', '\\.')}$`));

      const store = openStore(repo);
      const object = await store.getBuffer(saved.key);
      const record = json<Record<string, unknown>>(
        (await store.getBuffer(`${saved.key}.json`)).toString('utf8'),
      );
      const pkg = json<{ version: string }>(
        await readFile(new URL('../../package.json', import.meta.url), 'utf8'),
      );
      const files = Object.values(tree).filter((e) => e.type === 'file').length + 1;
      // Every entry of the tree, the command's output and its parent directory 'cmd'.
      const entries = Object.keys(tree).length + 2;
      assert.deepEqual(
        { ...record, createdAt: undefined },
        {
          version: 1,
          name: 'rec',
          key: saved.key,
          format,
          createdAt: undefined,
          bytes: object.length,
          files,
          entries,
          sha256: sha(object),
          skipped: [],
          cairn: pkg.version,
        },
      );
      assert.equal(saved.bytes, object.length);
      assert.equal(saved.files, files);
      assert.equal(saved.sha256, sha(object));
      const listed = await cairn(['archive', 'list', 'rec', '--from', repo, '--json'], { env });
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(
        json<{ size: number }[]>(listed.stdout).map((l) => l.size),
        [object.length],
      );

      const createdAt = new Date(String(record.createdAt));
      assert.equal(String(record.createdAt), createdAt.toISOString(), 'createdAt is an ISO time in UTC');
      const startSecond = Math.floor(before.getTime() / 1000) * 1000;
      assert.ok(
        keyTime(saved.key).getTime() >= startSecond,
        `${saved.key} is not before ${before.toISOString()}`,
      );
      assert.ok(keyTime(saved.key).getTime() <= createdAt.getTime(), 'the record is not older than its key');
      assert.ok(createdAt.getTime() <= after.getTime(), `${createdAt.toISOString()} is not after the run`);
    });
  }
}

test('the record of an archive made by the library with a fixed clock carries that time', async () => {
  const repo = await localTarget.make();
  const at = '2026-07-04T05:06:07.000Z';
  await using a = archive('clocked', { to: repo, format: 'zip', clock: fixedClock(at) });
  a.includeCommandOutput('a.txt', ['echo', 'a']);
  const saved = await a.save();
  assert.equal(saved.key, 'clocked_20260704050607.zip');
  const record = json<{ createdAt: string; format: string; files: number; entries: number }>(
    await readFile(join(repo, `${saved.key}.json`), 'utf8'),
  );
  assert.equal(record.createdAt, at);
  assert.equal(record.format, 'zip');
  assert.equal(record.files, 1);
  assert.equal(record.entries, 1);
});

test("the key's timestamp is UTC whatever the local time zone (TZ=Pacific/Kiritimati, UTC+14)", async () => {
  const env = { TZ: 'Pacific/Kiritimati' };
  // The zone is really in effect for the child: its offset is 14 hours ahead of UTC.
  const offset = execFileSync(
    process.execPath,
    ['-e', 'process.stdout.write(String(new Date().getTimezoneOffset()))'],
    {
      env: { ...process.env, ...env },
    },
  ).toString();
  assert.equal(offset, '-840');

  const repo = await localTarget.make();
  const before = Date.now();
  const r = await cairn(['archive', 'create', 'tz', '--run', 'a.txt=echo a', '--to', repo, '--json'], {
    env,
  });
  const after = Date.now();
  assert.equal(r.code, 0, r.stderr);
  const key = json<{ key: string }>(r.stdout).key;
  const t = keyTime(key).getTime();
  assert.ok(
    t >= before - 60_000 && t <= after + 60_000,
    `${key} is within a minute of ${new Date(before).toISOString()}`,
  );

  const listed = await cairn(['archive', 'list', 'tz', '--from', repo, '--json'], { env });
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(
    json<{ time: string }[]>(listed.stdout).map((l) => l.time),
    [keyTime(key).toISOString()],
  );
});

for (const format of FORMATS) {
  for (const size of [1_000, 20_000_000]) {
    test(`local ${format}: a command that fails after ${size} bytes leaves no archive and no temporary file (exit 10)`, async () => {
      const repo = await localTarget.make();
      const r = await cairn([
        'archive',
        'create',
        'broken',
        '--to',
        repo,
        '--format',
        format,
        '--run',
        `dump.sql=head -c ${size} /dev/urandom; echo "disk on fire" >&2; exit 3`,
      ]);
      assert.equal(r.code, 10, r.stderr);
      assert.match(r.stderr, /exited with 3: disk on fire/);
      assert.deepEqual(
        (await readdir(repo)).filter((n) => n !== '.cairn-tmp' && n !== '.cairn-claims'),
        [],
        'no archive and no record',
      );
      assert.deepEqual(await readdir(join(repo, '.cairn-tmp')).catch(() => []), [], 'no temporary file');
      assert.deepEqual(await readdir(join(repo, '.cairn-claims')).catch(() => []), [], 'no name claim');
    });
  }
}

test('on a terminal, archive create ends with its one-line summary', async () => {
  const base = await mkdtemp(join(tmpdir(), 'cairn-arc-tty-'));
  const src = join(base, 'src');
  await mkdir(src);
  for (let i = 0; i < 200; i++) await writeFile(join(src, `f${i}`), randomBytes(32_768));
  const repo = join(base, 'repo');
  const r = await onTerminal(['archive', 'create', 'tty', '--include', src, '--to', repo]);
  assert.equal(r.code, 0, r.screen);
  // What stays on screen: the bar redraws its line in place (CR, cursor to column 1, clear line).
  const lines = screenLines(r.screen);
  const last = lines.at(-1) ?? '';
  assert.match(
    last,
    new RegExp(
      `^stored ${repo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/tty_\\d{14}\\.tar\\.gz: 200 files, \\S+ \\S+, sha256 [0-9a-f]{64}, in \\S+`,
    ),
    r.screen,
  );
  assert.equal(lines.filter((l) => l.startsWith('stored ')).length, 1, r.screen);
});
