// bin/cairn, the command npm installs: it starts bin/cairn.js with Node.js and glibc settings
// for little memory, and the commands cairn runs get the environment cairn was given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { finished } from '../support/cli.js';

const LAUNCHER = fileURLToPath(new URL('../../bin/cairn', import.meta.url));

/** Runs `cairn archive create` through the launcher (by a symlink, as npm installs it) with a command whose output records what it was given. */
async function recorded(env: NodeJS.ProcessEnv): Promise<{ environ: string[]; parentArgs: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-launcher-'));
  const link = join(dir, 'cairn');
  await symlink(LAUNCHER, link);
  // cairn runs the command with /bin/sh -c: that shell's parent is the Node.js process running cairn.
  const script = 'tr "\\0" "\\n" < /proc/$PPID/cmdline > "$OUT/args"; env > "$OUT/env"';
  const child = spawn(link, ['archive', 'create', 't', '--run', `x=${script}`, '--to', join(dir, 'repo')], {
    env: {
      PATH: [dirname(process.execPath), process.env.PATH].join(delimiter),
      HOME: dir,
      OUT: dir,
      ...env,
    },
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
