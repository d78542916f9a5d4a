import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { BIN, cairn } from '../support/cli.js';
import type { Ec2Sim } from '../support/ec2sim/index.js';
import { fleet } from '../support/ec2sim/index.js';
import { run, simEnv, withSim } from './helpers.js';

/** The simulator's environment with every source of AWS credentials taken away. */
function noCredentials(sim: Ec2Sim): NodeJS.ProcessEnv {
  return {
    ...simEnv(sim),
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
    AWS_EC2_METADATA_DISABLED: 'true',
    HOME: '/nonexistent',
  };
}

const COMMANDS = [
  ['snapshot', 'list'],
  ['snapshot', 'create', '--instances', 'i-0abc1234def567890'],
  ['snapshot', 'trim', '--keep-daily', '7'],
  ['snapshot', 'copy', '--to-region', 'eu-west-1'],
];

const count = (text: string, re: RegExp): number => text.match(new RegExp(re, 'g'))?.length ?? 0;

/** Runs cairn on a pseudo-terminal (util-linux `script`): everything it drew, stdout and stderr. */
function onTerminal(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    cwd: '/tmp',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let screen = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (screen += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (screen += d));
  return new Promise((done) => child.on('close', (code) => done({ code, screen })));
}

test('without AWS credentials each command says so once, with a hint, exit 5, no stack trace', async () => {
  await withSim({}, async (sim) => {
    for (const args of COMMANDS) {
      const r = await cairn(args, { env: noCredentials(sim), cwd: '/tmp' });
      const what = `${args.join(' ')}:\n${r.stderr}`;
      assert.equal(r.code, 5, what);
      assert.equal(count(r.stderr, /no AWS credentials/), 1, what);
      assert.match(
        r.stderr,
        /^cairn: (listing snapshots|selecting) in us-east-1: no AWS credentials .*\nhint: /,
      );
      assert.equal(r.stderr.trim().split('\n').length, 2, what);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.equal(r.stdout, '');
    }
    const tty = await onTerminal(['snapshot', 'list'], noCredentials(sim));
    assert.equal(tty.code, 5, tty.screen);
    assert.equal(count(tty.screen, /no AWS credentials/), 1, tty.screen);
    assert.doesNotMatch(tty.screen, /error: /);
    assert.equal(sim.calls.length, 0, 'nothing was sent unsigned');
  });
});

test('a region that fails while others work is logged once and reported, exit 3; when every region fails, one line names them all', async () => {
  // Simulated time runs as the wall clock does: faster, the snapshot made here would be dated in the
  // future for the CLI, and list would add a clock-skew warning to the events this test counts.
  await withSim({ clockSpeed: 1, denyRegions: ['eu-west-1', 'us-west-2'] }, async (sim) => {
    fleet(sim, { regions: ['us-east-1'], instances: 1, volumesPerInstance: 1, tags: { B: '1' } });
    const created = await run(sim, ['snapshot', 'create', '--tags', 'B=1']);
    assert.equal(created.code, 0, created.stderr);

    const some = await run(sim, ['snapshot', 'list', '--regions', 'us-east-1,eu-west-1']);
    assert.equal(some.code, 3, some.stderr);
    const lines = some.stderr.trim().split('\n');
    const logged = lines
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      logged.map((l) => [l.type, l.region]),
      [['snapshot.region', 'eu-west-1']],
    );
    assert.match(String(logged[0]?.msg), /listing snapshots in eu-west-1: access denied/);
    assert.equal(count(some.stderr, /access denied/), 1, some.stderr);
    assert.match(some.stderr, /cairn: 1 region\(s\) could not be used\nhint: /);
    assert.equal((some.json.series as unknown[]).length, 1, 'the region that worked is listed');

    for (const args of [
      ['snapshot', 'list', '--regions', 'eu-west-1,us-west-2'],
      ['snapshot', 'trim', '--keep-last', '1', '--regions', 'eu-west-1,us-west-2'],
      ['snapshot', 'create', '--tags', 'B=1', '--regions', 'eu-west-1,us-west-2'],
    ]) {
      const all = await cairn(args, { env: simEnv(sim), cwd: '/tmp' });
      assert.equal(all.code, 5, all.stderr);
      assert.match(all.stderr, /^cairn: \w[\w ]* in eu-west-1, us-west-2: access denied .*\nhint: [^\n]+\n$/);
    }
  });
});
