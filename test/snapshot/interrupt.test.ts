import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, finished, spawnCairn } from '../support/cli.js';
import type { Ec2Sim } from '../support/ec2sim/index.js';
import { ok, simEnv, withSim } from './helpers.js';
import type { CreateJson } from './helpers.js';

const stateOf = (sim: Ec2Sim, id: string): string | undefined =>
  sim.state.region('us-east-1').instances.get(id)?.state;

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`--stop: ${signal} while cairn waits for the stop starts the instance again, exit 130, the summary names it`, async () => {
    // The stop takes 3 s of wall time (5 simulated minutes at FAST's speed): the signal arrives
    // while the instance is stopping, and the restart has to wait for `stopped` before it can start it.
    await withSim({ stopDurationMs: 300_000 }, async (sim) => {
      const a = sim.addInstance('us-east-1', {
        name: 'web-1',
        volumes: [{ device: '/dev/xvda' }, { device: '/dev/sdf' }],
      });
      const child = spawnCairn(
        ['--json', 'snapshot', 'create', '--instances', a.instanceId, '--stop', '--poll-interval', '20ms'],
        { env: simEnv(sim), cwd: '/tmp' },
      );
      const done = finished(child);
      try {
        await eventually(
          () => Promise.resolve(ok(sim.callsOf('StopInstances')).length > 0),
          15_000,
          'the StopInstances call',
        );
        assert.equal(stateOf(sim, a.instanceId), 'stopping');
        child.kill(signal);
        const r = await done;
        assert.equal(r.code, 130, r.stderr);
        assert.equal(sim.callsOf('CreateSnapshots').length, 0, 'no new work after the signal');
        assert.equal(ok(sim.callsOf('StartInstances')).length, 1, r.stderr);
        await eventually(
          () => Promise.resolve(stateOf(sim, a.instanceId) === 'running'),
          15_000,
          'the instance to run again',
        );
        const json = JSON.parse(r.stdout) as CreateJson & {
          outcome: { status: string; reasons: string[] };
          restarted: string[];
        };
        assert.equal(json.outcome.status, 'interrupted');
        assert.deepEqual(json.restarted, [a.instanceId]);
        assert.match(r.stderr, new RegExp(`interrupted.*started ${a.instanceId} again`));
        assert.doesNotMatch(r.stderr, /AbortError/);
      } finally {
        child.kill('SIGKILL');
        await done;
      }
    });
  });
}

test('--stop: the text summary of an interrupted run names the instances started again', async () => {
  await withSim({ stopDurationMs: 300_000 }, async (sim) => {
    const a = sim.addInstance('us-east-1', { name: 'db-1', volumes: [{ device: '/dev/xvda' }] });
    const child = spawnCairn(
      ['snapshot', 'create', '--instances', a.instanceId, '--stop', '--poll-interval', '20ms'],
      { env: simEnv(sim), cwd: '/tmp' },
    );
    const done = finished(child);
    try {
      await eventually(
        () => Promise.resolve(ok(sim.callsOf('StopInstances')).length > 0),
        15_000,
        'the StopInstances call',
      );
      child.kill('SIGINT');
      const r = await done;
      assert.equal(r.code, 130, r.stderr);
      assert.match(r.stdout, new RegExp(`started again: ${a.instanceId}`));
    } finally {
      child.kill('SIGKILL');
      await done;
    }
  });
});
