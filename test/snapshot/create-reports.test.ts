import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cairn } from '../support/cli.js';
import { run, simEnv, withSim } from './helpers.js';
import type { CreateJson } from './helpers.js';
import { SNAPSHOT_DEFAULTS } from '../../src/ebs/options.js';

test('an instance named by id that lacks the selecting tag is "not selected", not "not found"', async () => {
  await withSim({}, async (sim) => {
    const dev = sim.addInstance('us-east-1', {
      name: 'dev-1',
      tags: { Env: 'dev' },
      volumes: [{ device: '/dev/xvda' }],
    });
    const gone = 'i-0abc1234def567890';
    const r = await run<CreateJson>(sim, [
      'snapshot',
      'create',
      '--instances',
      `${dev.instanceId},${gone}`,
      '--tags',
      'Env=prod',
    ]);
    const of = (id: string) => r.json.items.find((i) => i.instanceId === id);
    assert.equal(of(dev.instanceId)?.state, 'skipped');
    assert.equal(of(dev.instanceId)?.note, 'not selected: lacks tag Env=prod (it has Env=dev)');
    assert.equal(of(dev.instanceId)?.error, undefined);
    assert.match(of(gone)?.error ?? '', /^not found in us-east-1$/);
    assert.equal(r.code, 3, 'the instance that does not exist is still an error');
    assert.equal(sim.callsOf('CreateSnapshots').length, 0);
  });
});

test('a dry run says what would happen: would create, would stop, nothing created', async () => {
  await withSim({}, async (sim) => {
    sim.addInstance('us-east-1', {
      name: 'a',
      tags: { Env: 'prod' },
      volumes: [{ device: '/dev/xvda' }, { device: '/dev/sdf' }],
    });
    const r = await cairn(['snapshot', 'create', '--tags', 'Env=prod', '--stop', '--dry-run'], {
      env: simEnv(sim),
      cwd: '/tmp',
    });
    assert.equal(r.code, 0, r.stderr);
    const last = r.stdout.trimEnd().split('\n').at(-1) ?? '';
    assert.match(
      last,
      /^dry run: would create 2 snapshot\(s\) \(stopping 1 instance\(s\) first and starting them again\); nothing was created \(run \d{8}T\d{6}-[0-9a-f]{8}\)$/,
    );
    assert.deepEqual([...new Set(sim.calls.map((c) => c.action))], ['DescribeInstances']);
  });
});

test('snapshot create --help lists every series-key placeholder', async () => {
  const h = await cairn(['snapshot', 'create', '--help'], { env: { CAIRN_CONFIG: '' } });
  assert.equal(h.code, 0, h.stderr);
  const text = h.stdout.replace(/\s+/g, ' ');
  for (const p of ['{name}', '{instance}', '{device}', '{volume}', '{tag:KEY}', '{volume-tag:KEY}'])
    assert.ok(text.includes(p), `${p} in:\n${h.stdout}`);
});

test('the --help texts of the snapshot commands print the defaults of SNAPSHOT_DEFAULTS', async () => {
  const hours = (ms: number) => `${ms / 3_600_000}h`;
  const minutes = (ms: number) => `${ms / 60_000}m`;
  const seconds = (ms: number) => `${ms / 1000}s`;
  const help = async (sub: string) => {
    const h = await cairn(['snapshot', sub, '--help'], { env: { CAIRN_CONFIG: '' } });
    assert.equal(h.code, 0, h.stderr);
    return h.stdout.replace(/\s+/g, ' ');
  };
  const d = SNAPSHOT_DEFAULTS;
  const create = await help('create');
  for (const part of [
    `(default ${d.seriesKey})`,
    `after this long (default ${hours(d.waitTimeoutMs)})`,
    `to stop (default ${minutes(d.stopTimeoutMs)})`,
    `grows to ${seconds(d.pollMaxMs)} (default ${seconds(d.pollMs)})`,
  ])
    assert.ok(create.includes(part), `${part} in: ${create}`);
  assert.ok((await help('copy')).includes(`after this long (default ${hours(d.waitTimeoutMs)})`));
  assert.ok((await help('list')).includes(`(default ${hours(d.staleAfterMs)})`));
});
