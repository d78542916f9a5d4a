// bin/cairn, the command npm installs: it starts bin/cairn.js, `cairn archive` with Node.js and
// glibc settings for little memory, and the commands cairn runs get the environment it was given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, finished } from '../support/cli.js';

const LAUNCHER = fileURLToPath(new URL('../../bin/cairn', import.meta.url));

/** The launcher by a symlink, as npm installs it, in a directory of its own. */
async function installed(): Promise<{ dir: string; link: string; env: NodeJS.ProcessEnv }> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-launcher-'));
  const link = join(dir, 'cairn');
  await symlink(LAUNCHER, link);
  return {
    dir,
    link,
    env: { PATH: [dirname(process.execPath), process.env.PATH].join(delimiter), HOME: dir },
  };
}

/** Runs `cairn archive create` through the launcher with a command whose output records what it was given. */
async function recorded(
  env: NodeJS.ProcessEnv,
  globalOptions: string[] = [],
): Promise<{ environ: string[]; parentArgs: string[] }> {
  const { dir, link, env: base } = await installed();
  // cairn runs the command with /bin/sh -c: that shell's parent is the Node.js process running cairn.
  const script = 'tr "\\0" "\\n" < /proc/$PPID/cmdline > "$OUT/args"; env > "$OUT/env"';
  const args = [
    ...globalOptions,
    'archive',
    'create',
    't',
    '--run',
    `x=${script}`,
    '--to',
    join(dir, 'repo'),
  ];
  const child = spawn(link, args, {
    env: { ...base, OUT: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const r = await finished(child);
  assert.equal(r.code, 0, r.stderr);
  return {
    environ: (await readFile(join(dir, 'env'), 'utf8')).split('\n'),
    parentArgs: (await readFile(join(dir, 'args'), 'utf8')).split('\n'),
  };
}

test('bin/cairn runs Node.js with a 1 MiB young generation and does not pass MALLOC_ARENA_MAX on', async () => {
  const { environ, parentArgs } = await recorded({});
  assert.ok(parentArgs.includes('--max-semi-space-size=1'), parentArgs.join(' '));
  assert.ok(
    parentArgs.some((a) => a.endsWith('/bin/cairn.js')),
    parentArgs.join(' '),
  );
  assert.deepEqual(
    environ.filter((l) => /MALLOC_ARENA_MAX/.test(l)),
    [],
    'the arena setting is for cairn alone',
  );
});

test("bin/cairn leaves the user's own settings as they are", async () => {
  const { environ, parentArgs } = await recorded({
    MALLOC_ARENA_MAX: '4',
    NODE_OPTIONS: '--max-semi-space-size=8',
  });
  assert.ok(!parentArgs.includes('--max-semi-space-size=1'), parentArgs.join(' '));
  assert.ok(environ.includes('MALLOC_ARENA_MAX=4'), 'a value the user set reaches commands too');
  assert.ok(environ.includes('NODE_OPTIONS=--max-semi-space-size=8'));
});

test('bin/cairn finds the command after global options and their values', async () => {
  const { parentArgs } = await recorded({}, ['-c', '/dev/null', '--quiet']);
  assert.ok(parentArgs.includes('--max-semi-space-size=1'), parentArgs.join(' '));
});

test("other commands (here the ship daemon) run with Node.js's and glibc's defaults", async () => {
  const { dir, link, env } = await installed();
  const watched = join(dir, 'data');
  await mkdir(watched);
  const daemon = spawn(link, ['ship', 'watch', watched, '--to', join(dir, 'repo')], { env, stdio: 'ignore' });
  try {
    // The launcher execs Node.js in its own process: read what that process was started with.
    const args = await eventually(async () => {
      const a = (await readFile(`/proc/${daemon.pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
      return a.some((x) => x.endsWith('/bin/cairn.js')) ? a : undefined;
    });
    assert.ok(!args.some((a) => a.startsWith('--max-semi-space-size')), args.join(' '));
    const environ = (await readFile(`/proc/${daemon.pid}/environ`, 'utf8')).split('\0');
    assert.ok(!environ.some((l) => l.startsWith('MALLOC_ARENA_MAX=')), 'no arena setting');
  } finally {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
  }
});
