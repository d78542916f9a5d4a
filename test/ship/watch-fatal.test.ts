import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { cairn, eventually, finished, spawnCairn } from '../support/cli.js';
import type { CliResult } from '../support/cli.js';
import { manifestNames } from '../support/repo-probe.js';
import { createTestBucket, s3TestClient, s3TestConfig } from '../support/s3-env.js';

// A daemon that cannot go on must exit by itself, non-zero, so that a supervisor
// (systemd's Restart=on-failure) restarts it; one left running does nothing useful.

/** How long a failed daemon may take to exit: its stop has nothing slow to wait for here. */
const EXIT_WITHIN_MS = 10_000;

function s3Env(): NodeJS.ProcessEnv {
  const c = s3TestConfig();
  return {
    AWS_ENDPOINT_URL_S3: c.endpoint,
    AWS_REGION: c.region,
    AWS_ACCESS_KEY_ID: c.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
  };
}

async function world(): Promise<{ src: string; repo: string; locks: string }> {
  const base = await mkdtemp(join(tmpdir(), 'cairn-watch-fatal-'));
  await mkdir(join(base, 'src'));
  return { src: join(base, 'src'), repo: join(base, 'repo'), locks: join(base, 'locks') };
}

async function put(dir: string, name: string, body: string): Promise<void> {
  await writeFile(join(dir, `${name}.tmp`), body);
  await rename(join(dir, `${name}.tmp`), join(dir, name));
}

/** Starts `cairn ship watch`; resolves once it watches, with its exit and its inotifywait's pid. */
async function startDaemon(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ exited: Promise<CliResult>; inotifywait: number; kill(): void }> {
  const d = spawnCairn(['ship', 'watch', ...args], { env });
  const exited = finished(d);
  let stderr = '';
  d.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  await Promise.race([
    eventually(() => Promise.resolve(stderr.includes('ship.ready')), 30_000, 'the daemon to watch'),
    exited.then((r) => assert.fail(`the daemon exited (${r.code}) before it watched: ${r.stderr}`)),
  ]);
  const pid = d.pid as number;
  const inotifywait = await eventually(async () => (await childrenOf(pid, 'inotifywait'))[0]);
  return { exited, inotifywait, kill: () => d.kill('SIGKILL') };
}

/** Pids of the running processes named `name` whose parent is `ppid` (from /proc). */
async function childrenOf(ppid: number, name: string): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid ...: comm may hold spaces, so it is found by its parentheses.
    const m = /^\d+ \((.*)\) (\S) (\d+) /.exec(stat);
    if (m && m[1] === name && m[2] !== 'Z' && Number(m[3]) === ppid) out.push(Number(entry));
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The daemon's exit, or a failure if it is still running after `ms` (it is then killed). */
async function exitWithin(
  d: { exited: Promise<CliResult>; kill(): void; inotifywait: number },
  ms: number,
): Promise<CliResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  const r = await Promise.race([d.exited, late]);
  clearTimeout(timer);
  if (r) return r;
  d.kill();
  if (alive(d.inotifywait)) process.kill(d.inotifywait, 'SIGKILL');
  const after = await d.exited;
  return assert.fail(`the daemon was still running ${ms} ms after its failure; its stderr:\n${after.stderr}`);
}

/** The error lines the CLI printed: `cairn: …` and its `hint: …`, and no stack trace. */
function assertOneErrorLine(r: CliResult, message: RegExp): void {
  const lines = r.stderr.split('\n');
  const errors = lines.filter((l) => l.startsWith('cairn:'));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0] ?? '', message);
  assert.match(lines[lines.indexOf(errors[0] ?? '') + 1] ?? '', /^hint: \S/, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.doesNotMatch(r.stderr, /"level":50/, 'no error logged besides it');
}

test('a daemon whose manifests the bucket refuses stops by itself: exit 5, one error line, nothing left running', async () => {
  const { src, locks } = await world();
  const bucket = await createTestBucket('watch-fatal');
  const target = `s3://${bucket}/p`;
  Object.assign(process.env, s3Env());
  const d = await startDaemon([src, '--to', target, '--host', 'h'], { ...s3Env(), CAIRN_LOCK_DIR: locks });
  await put(src, 'first.db', 'shipped while the bucket takes manifests');
  await eventually(async () => (await manifestNames(target, src)).includes('first.db'), 20_000, 'first.db');

  // The bucket's policy stops allowing manifests to be written (say, a policy tightened by
  // hand): a 403 AccessDenied, which no retry cures. Objects can still be stored.
  const s3 = s3TestClient();
  try {
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:PutObject',
              Resource: `arn:aws:s3:::${bucket}/p/ship/*`,
            },
          ],
        }),
      }),
    );
  } finally {
    s3.destroy();
  }
  await put(src, 'second.db', 'stored, but its manifest is refused');

  const r = await exitWithin(d, EXIT_WITHIN_MS);
  assert.equal(r.signal, null);
  assert.equal(r.code, 5, r.stderr); // access denied
  assertOneErrorLine(r, /access denied/);
  assert.ok(!alive(d.inotifywait), 'inotifywait was stopped');
  assert.deepEqual(
    (await readdir(locks)).filter((f) => f.endsWith('.lock')),
    [],
    'the path lock was released',
  );
  // No manifest names an object that is not stored.
  const verify = await cairn(['ship', 'verify', '--from', target], { env: s3Env() });
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  assert.deepEqual(await manifestNames(target, src), ['first.db']);
});

test('a daemon that cannot open its target stops by itself, its watches already in place: exit 4', async () => {
  const { src, locks } = await world();
  const target = `s3://cairn-no-such-bucket-${process.pid}/p`;
  const d = spawnCairn(['ship', 'watch', src, '--to', target, '--host', 'h'], {
    env: { ...s3Env(), CAIRN_LOCK_DIR: locks },
  });
  const exited = finished(d);
  const inotifywait = await Promise.race([
    eventually(async () => (await childrenOf(d.pid as number, 'inotifywait'))[0], 10_000, 'inotifywait'),
    exited.then(() => 0),
  ]);
  const r = await exitWithin({ exited, kill: () => d.kill('SIGKILL'), inotifywait }, EXIT_WITHIN_MS);
  assert.equal(r.code, 4, r.stderr); // not found
  assertOneErrorLine(r, /bucket "cairn-no-such-bucket-\d+" does not exist/);
  assert.ok(!inotifywait || !alive(inotifywait), 'inotifywait was stopped');
});

test('inotifywait killed: the daemon does not go on blind, it stops with exit 6 and one error line', async () => {
  const { src, repo, locks } = await world();
  const d = await startDaemon([src, '--to', repo, '--host', 'h'], { CAIRN_LOCK_DIR: locks });
  process.kill(d.inotifywait, 'SIGKILL');
  const r = await exitWithin(d, EXIT_WITHIN_MS);
  assert.equal(r.code, 6, r.stderr); // unavailable
  assertOneErrorLine(r, /inotifywait stopped/);
  // What happened while nothing watched is shipped by the reconciliation a restarted daemon starts with.
  await put(src, 'while-down.db', 'written while nothing watched');
  const again = await cairn(['ship', 'backup', src, '--to', repo, '--host', 'h'], {
    env: { CAIRN_LOCK_DIR: locks },
  });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(await manifestNames(repo, src), ['while-down.db']);
});
