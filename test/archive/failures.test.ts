import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { BIN, cairn, eventually, finished, spawnCairn } from '../support/cli.js';
import { describeTree } from '../support/tree.js';
import { allTargets, localTarget, s3Target } from '../support/targets.js';
import type { TestTarget } from '../support/targets.js';
import { s3TestClient } from '../support/s3-env.js';
import { archive } from '../../src/archive/archive.js';
import { listArchives } from '../../src/archive/catalog.js';
import { LocalStore } from '../../src/storage/local-store.js';
import { openStore } from '../../src/storage/open-store.js';
import { s3TestConfig } from '../support/s3-env.js';

/** The S3 settings the test process itself needs to write to the target. */
function s3Settings(target: TestTarget): { endpoint: string; region: string } | undefined {
  if (target !== s3Target) return undefined;
  Object.assign(process.env, target.env()); // credentials, for the SDK's default chain
  const c = s3TestConfig();
  return { endpoint: c.endpoint, region: c.region };
}

async function bucketEmpty(target: string): Promise<void> {
  const bucket = target.slice(5).split('/')[0] ?? '';
  const c = s3TestClient();
  const objects = await c.send(new ListObjectsV2Command({ Bucket: bucket }));
  const uploads = await c.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  c.destroy();
  assert.deepEqual(objects.Contents ?? [], [], 'no object');
  assert.deepEqual(uploads.Uploads ?? [], [], 'no unfinished upload');
}

for (const format of ['tar.gz', 'zip'] as const) {
  test(`${format}: a command that fails after streaming 20 MB leaves no archive and no parts (exit 10)`, async () => {
    const repo = await s3Target.make();
    const r = await cairn(
      [
        'archive',
        'create',
        'broken',
        '--to',
        repo,
        '--format',
        format,
        '--run',
        'dump.sql=head -c 20000000 /dev/urandom; echo "disk on fire" >&2; exit 3',
      ],
      { env: s3Target.env() },
    );
    assert.equal(r.code, 10, r.stderr);
    assert.match(r.stderr, /exited with 3: disk on fire/);
    await bucketEmpty(repo);
  });
}

test('a command that does not exist is a clear error', async () => {
  const repo = join(await mkdtemp(join(tmpdir(), 'cairn-arc-')), 'r');
  const a = archive('x', { to: repo, format: 'zip' });
  a.includeCommandOutput('out', ['/nonexistent/bin/dump']);
  await assert.rejects(a.save(), /command not found: \/nonexistent\/bin\/dump/);
  assert.deepEqual(await listArchives(new LocalStore(repo)), []);
});

for (const target of allTargets) {
  test(`${target.name}: an unreadable file fails the archive unless --skip-unreadable, which reports it`, async () => {
    const base = await mkdtemp(join(tmpdir(), 'cairn-arc-perm-'));
    await chmod(base, 0o777);
    const src = join(base, 'src');
    await mkdir(src);
    await chmod(src, 0o755);
    await writeFile(join(src, 'ok.txt'), 'fine');
    await chmod(join(src, 'ok.txt'), 0o644);
    await writeFile(join(src, 'secret.txt'), 'root only');
    await chmod(join(src, 'secret.txt'), 0o600);
    const local = target === localTarget;
    const repo = local ? join(base, 'repo') : await target.make();
    if (local) {
      await mkdir(repo);
      await chmod(repo, 0o777);
    }
    const asNobody = (args: string[]): { code: number; out: string; err: string } => {
      try {
        const out = execFileSync('runuser', ['-u', 'nobody', '--', process.execPath, BIN, ...args], {
          env: { ...process.env, ...target.env(), HOME: base },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        return { code: 0, out: out.toString(), err: '' };
      } catch (err) {
        const e = err as { status: number; stdout: Buffer; stderr: Buffer };
        return { code: e.status, out: e.stdout.toString(), err: e.stderr.toString() };
      }
    };
    const failed = asNobody(['archive', 'create', 'perm', '--include', src, '--to', repo]);
    assert.equal(failed.code, 5, failed.err);
    assert.match(failed.err, /permission denied on .*secret\.txt/);
    if (local) assert.deepEqual(await readdir(repo).then((xs) => xs.filter((x) => !x.startsWith('.'))), []);
    else await bucketEmpty(repo);
    const skipped = asNobody([
      'archive',
      'create',
      'perm',
      '--include',
      src,
      '--to',
      repo,
      '--skip-unreadable',
      '--json',
    ]);
    assert.equal(skipped.code, 0, skipped.err);
    const r = JSON.parse(skipped.out) as {
      files: number;
      skipped: { path: string }[];
      outcome: { status: string; reasons: string[] };
    };
    assert.equal(r.files, 1);
    assert.equal(r.outcome.status, 'partial');
    assert.match(r.outcome.reasons.join('\n'), /left out .*secret\.txt/);
    assert.deepEqual(
      r.skipped.map((s) => s.path),
      [join(src, 'secret.txt')],
    );
  });
}

for (const target of allTargets) {
  test(`hostile archives from ${target.name}: entries with .. or absolute paths are refused, nothing lands outside DEST`, async () => {
    const base = await mkdtemp(join(tmpdir(), 'cairn-arc-hostile-'));
    const staging = join(base, 'staging');
    await mkdir(staging);
    const py = `
import tarfile, zipfile, io, sys
repo = sys.argv[1]
def tar(path, mode, names):
    with tarfile.open(path, mode) as t:
        for n in names:
            data = b'pwned'
            info = tarfile.TarInfo(n); info.size = len(data)
            t.addfile(info, io.BytesIO(data))
tar(repo + '/evil1_20260101000000.tar', 'w', ['ok.txt', '../../escape.txt'])
tar(repo + '/evil2_20260101000000.tar.gz', 'w:gz', ['/tmp/absolute-escape.txt'])
with zipfile.ZipFile(repo + '/evil3_20260101000000.zip', 'w') as z:
    z.writestr('ok.txt', 'fine')
    z.writestr('../../zip-escape.txt', 'pwned')
`;
    execFileSync('python3', ['-c', py, staging]);
    const repo = await target.make();
    const store = openStore(repo, s3Settings(target));
    for (const key of await readdir(staging)) await store.put(key, await readFile(join(staging, key)));
    for (const name of ['evil1', 'evil2', 'evil3']) {
      const dest = join(base, `dest-${name}`, 'inner');
      const r = await cairn(['archive', 'restore', name, dest, '--from', repo], { env: target.env() });
      assert.equal(r.code, 8, `${name}: ${r.stderr}`);
      assert.match(r.stderr, /would land outside the destination/);
    }
    // The target is made elsewhere: nothing but the destinations and the staging directory is here.
    assert.deepEqual((await readdir(base)).sort(), ['dest-evil1', 'dest-evil2', 'dest-evil3', 'staging']);
    assert.deepEqual(await describeTree(join(base, 'dest-evil2')), { inner: { type: 'dir', mode: 0o755 } });
  });
}

test('an interrupted archive (SIGINT) leaves no archive and no parts, exit 130', async () => {
  const repo = await s3Target.make();
  const child = spawnCairn(
    ['archive', 'create', 'slow', '--to', repo, '--run', 'data=head -c 30000000 /dev/urandom; sleep 30'],
    { env: s3Target.env() },
  );
  const done = finished(child);
  const bucket = repo.slice(5).split('/')[0] ?? '';
  const c = s3TestClient();
  await eventually(
    async () =>
      ((await c.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads?.length ?? 0) > 0,
    20_000,
    'upload started',
  );
  c.destroy();
  child.kill('SIGINT');
  const r = await done;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /interrupted/);
  await bucketEmpty(repo).catch((err: unknown) => {
    throw new Error(`${String(err)}\n${r.stderr}`);
  });
});

test('an interrupted archive to a local directory leaves no archive and no temporary file, exit 130', async () => {
  const repo = join(await mkdtemp(join(tmpdir(), 'cairn-arc-int-')), 'repo');
  const child = spawnCairn([
    'archive',
    'create',
    'slow',
    '--to',
    repo,
    '--run',
    'data=head -c 30000000 /dev/urandom; sleep 30',
  ]);
  const done = finished(child);
  await eventually(
    async () => (await readdir(join(repo, '.cairn-tmp')).catch(() => [])).length > 0,
    20_000,
    'the archive is being written',
  );
  child.kill('SIGINT');
  const r = await done;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /interrupted/);
  assert.deepEqual(await readdir(join(repo, '.cairn-tmp')), [], 'no temporary file');
  assert.deepEqual(await listArchives(new LocalStore(repo)), []);
});

test('archive jobs from the config file, and the library with await using', async () => {
  const base = await mkdtemp(join(tmpdir(), 'cairn-arc-job-'));
  const src = join(base, 'www');
  await mkdir(src);
  await writeFile(join(src, 'index.html'), '<h1>hi</h1>');
  const repo = join(base, 'repo');
  await writeFile(
    join(base, 'cairn.config.yaml'),
    `archive:\n  jobs:\n    nightly:\n      name: site\n      format: zip\n      to: ${repo}\n      include:\n        - { path: ${src}, name: www }\n      run:\n        - { name: meta/date.txt, command: [echo, '2026'] }\n`,
  );
  const r = await cairn(['archive', 'create', '--job', 'nightly', '--json'], { cwd: base });
  assert.equal(r.code, 0, r.stderr);
  assert.match((JSON.parse(r.stdout) as { key: string }).key, /^site_\d{14}\.zip$/);
  const missing = await cairn(['archive', 'create', '--job', 'weekly'], { cwd: base });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no archive job "weekly".*\nhint: jobs there: nightly/);

  let tempDir = '';
  {
    await using backup = archive('lib', { format: 'tar', to: repo });
    backup.includeDirectory(src, { name: 'site' });
    await backup.includeNewDir('db', async (dir) => {
      tempDir = dir;
      await writeFile(join(dir, 'dump.sql'), 'create table t;');
    });
    backup.includeFile(join(src, 'index.html'), { name: 'conf/copy.html' });
    const saved = await backup.save();
    assert.equal(saved.files, 3);
  }
  await assert.rejects(readdir(tempDir), 'the temporary directory is gone');
  const dest = join(base, 'out');
  assert.equal((await cairn(['archive', 'restore', 'lib', dest, '--from', repo])).code, 0);
  assert.deepEqual(Object.keys(await describeTree(dest)).sort(), [
    'conf',
    'conf/copy.html',
    'db',
    'db/dump.sql',
    'site',
    'site/index.html',
  ]);
});
