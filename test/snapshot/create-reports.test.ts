import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cairn } from '../support/cli.js';
import { run, simEnv, withSim } from './helpers.js';
import type { CreateJson } from './helpers.js';

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
