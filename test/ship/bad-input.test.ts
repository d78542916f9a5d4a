import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BIN, cairn, eventually, finished, spawnCairn } from '../support/cli.js';
import { manifestNames } from '../support/repo-probe.js';

async function world(): Promise<{ base: string; src: string; repo: string }> {
  const base = await mkdtemp(join(tmpdir(), 'cairn-bad-'));
  await chmod(base, 0o777);
  await mkdir(join(base, 'src'), { mode: 0o777 });
  await chmod(join(base, 'src'), 0o777);
  return { base, src: join(base, 'src'), repo: join(base, 'repo') };
}

test('an unreadable file is reported and the rest is shipped (exit 3)', async () => {
  const { base, src, repo } = await world();
  await writeFile(join(src, 'ok.db'), 'readable');
  await writeFile(join(src, 'secret.db'), 'root only');
  await chmod(join(src, 'secret.db'), 0o600);
  await chmod(join(src, 'ok.db'), 0o644);
  await mkdir(repo, { mode: 0o777 });
  await chmod(repo, 0o777);
  // Root can read anything: run cairn as an unprivileged user for real permission errors.
  const nobody = Number(execFileSync('id', ['-u', 'nobody']).toString().trim());
  await chown(join(src, 'secret.db'), 0, 0);
  const out = execFileSyncSafe(
    'runuser',
    ['-u', 'nobody', '--', process.execPath, BIN, 'ship', 'backup', src, '--to', repo, '--host', 'h'],
    {
      CAIRN_LOCK_DIR: join(base, 'locks'),
      HOME: base,
    },
  );
  assert.equal(out.code, 3, out.stderr);
  assert.match(out.stderr, /permission denied on .*secret\.db/);
  assert.match(out.stderr, /1 file\(s\) could not be shipped/);
  assert.deepEqual(await manifestNames(repo, src), ['ok.db']);
  assert.ok(nobody > 0);
});

function execFileSyncSafe(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): { code: number; stderr: string } {
  try {
    execFileSync(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, stderr: '' };
  } catch (err) {
    const e = err as { status: number; stderr: Buffer };
    return { code: e.status, stderr: e.stderr.toString() };
  }
}

test('restore into a full filesystem fails with exit 9 and leaves no partial file', async (t) => {
  const { base, src, repo } = await world();
  await writeFile(join(src, 'big.db'), randomBytes(3 * 1024 * 1024));
  assert.equal((await cairn(['ship', 'backup', src, '--to', repo, '--host', 'h'])).code, 0);
  const small = join(base, 'small');
  await mkdir(small);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small]);
  t.after(() => execFileSync('umount', [small]));
  const r = await cairn(['ship', 'restore', small, '--from', repo, '--path', src]);
  assert.equal(r.code, 9, r.stderr);
  assert.match(r.stderr, /no space left/);
  assert.equal(execFileSync('ls', ['-A', small]).toString(), '');
});

test('restore to a destination that is a file is a one-line error', async () => {
  const { base, src, repo } = await world();
  await writeFile(join(src, 'a'), 'a');
  assert.equal((await cairn(['ship', 'backup', src, '--to', repo, '--host', 'h'])).code, 0);
  await writeFile(join(base, 'afile'), '');
  const r = await cairn(['ship', 'restore', join(base, 'afile'), '--from', repo, '--path', src]);
  assert.notEqual(r.code, 0);
  assert.equal(r.stderr.trim().split('\n').length <= 2, true, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('bad flag values: one line, a hint, exit 2', async () => {
  const { src } = await world();
  for (const args of [
    ['ship', 'backup', src, '--max-rate', 'fast'],
    ['ship', 'backup', src, '--concurrency', '0'],
    ['ship', 'watch', src, '--finished', 'sometimes'],
    ['ship', 'prune', '--keep-daily', 'seven'],
    ['ship', 'restore', '/tmp/x', '--at', 'tomorrowish'],
    ['ship', 'backup', src, '--to', 'ftp://host/x'],
    ['ship', 'backup', src, '--unknown-flag'],
  ]) {
    const r = await cairn(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^cairn: /, args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('an invalid config file is named with the key path', async () => {
  const { base, src } = await world();
  const cfg = join(base, 'cairn.config.yaml');
  await writeFile(cfg, 'ship:\n  concurrency: lots\n');
  const r = await cairn(['ship', 'backup', src], { cwd: base });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /invalid config file .*cairn\.config\.yaml: ship\.concurrency/);
});

test('the config file supplies the target and options', async () => {
  const { base, src, repo } = await world();
  await mkdir(join(src, 'sub'));
  await writeFile(join(src, 'sub', 'x.db'), 'x');
  await writeFile(
    join(base, 'cairn.config.yaml'),
    `ship:\n  to: ${repo}\n  host: from-config\n  recursive: true\n`,
  );
  const r = await cairn(['ship', 'backup', src, '--json'], { cwd: base });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { host: string }).host, 'from-config');
  assert.deepEqual(await manifestNames(repo, join(src, 'sub')), ['x.db']);
});

test('--metrics serves Prometheus counters while watching', async () => {
  const { base, src, repo } = await world();
  const port = 20000 + Math.floor(Math.random() * 20000);
  const d = spawnCairn(['ship', 'watch', src, '--to', repo, '--metrics', `127.0.0.1:${port}`], {
    env: { CAIRN_LOCK_DIR: join(base, 'locks') },
  });
  const done = finished(d);
  const body = await eventually(async () => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
    return res?.ok && res.text();
  });
  assert.match(body, /# TYPE cairn_ship_queue_depth gauge\ncairn_ship_queue_depth 0/);
  await writeFile(join(src, 'n.tmp'), 'new');
  const { rename } = await import('node:fs/promises');
  await rename(join(src, 'n.tmp'), join(src, 'n.db'));
  await eventually(async () => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return (
      /cairn_ship_files_uploaded_total 1\n/.test(text) && /cairn_ship_manifests_written_total 1\n/.test(text)
    );
  });
  d.kill('SIGTERM');
  assert.equal((await done).code, 0);
  await rm(base, { recursive: true, force: true });
});
