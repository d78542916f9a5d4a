import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ok, run, withSim } from './helpers.js';
import type { CreateJson } from './helpers.js';
import type { Ec2Sim } from '../support/ec2sim/index.js';

const stateOf = (sim: Ec2Sim, id: string): string | undefined =>
  sim.state.region('us-east-1').instances.get(id)?.state;
const order = (sim: Ec2Sim, actions: string[]): string[] =>
  ok(sim.calls)
    .filter((c) => actions.includes(c.action))
    .map((c) => c.action);

test('--stop: stops each instance once, snapshots it stopped, starts it again', async () => {
  await withSim({}, async (sim) => {
    const a = sim.addInstance('us-east-1', {
      name: 'a',
      tags: { B: '1' },
      volumes: [{ device: '/dev/xvda' }, { device: '/dev/sdf' }],
    });
    const b = sim.addInstance('us-east-1', {
      name: 'b',
      state: 'stopped',
      tags: { B: '1' },
      volumes: [{ device: '/dev/xvda' }],
    });
    const r = await run<CreateJson>(sim, ['snapshot', 'create', '--tags', 'B=1', '--stop']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.items.filter((i) => i.state === 'pending').length, 3);
    const stops = sim.callsOf('StopInstances');
    assert.deepEqual(
      stops.map((c) => c.params['InstanceId.1']),
      [a.instanceId],
      'an instance already stopped is not stopped again',
    );
    assert.deepEqual(
      sim.callsOf('StartInstances').map((c) => c.params['InstanceId.1']),
      [a.instanceId],
      'nor started',
    );
    assert.deepEqual(
      order(sim, ['StopInstances', 'CreateSnapshots', 'StartInstances']).filter(
        (x, i, all) => x !== 'CreateSnapshots' || all.indexOf(x) === i,
      ),
      ['StopInstances', 'CreateSnapshots', 'StartInstances'],
    );
    // The CreateSnapshots call of `a` came after it was seen stopped.
    const stoppedSeen = sim.calls.findIndex(
      (c) => c.action === 'DescribeInstances' && c.at >= (stops[0]?.at ?? 0),
    );
    const created = sim.calls.findIndex(
      (c) => c.action === 'CreateSnapshots' && c.params['InstanceSpecification.InstanceId'] === a.instanceId,
    );
    assert.ok(stoppedSeen >= 0 && stoppedSeen < created);
    assert.ok(['pending', 'running'].includes(stateOf(sim, a.instanceId) ?? ''));
    assert.equal(stateOf(sim, b.instanceId), 'stopped');
  });
});

test('--stop: an instance whose stop fails is reported, left running, and the others go on', async () => {
  await withSim({}, async (sim) => {
    const bad = sim.addInstance('us-east-1', {
      name: 'bad',
      tags: { B: '1' },
      volumes: [{ device: '/dev/xvda' }],
    });
    sim.addInstance('us-east-1', { name: 'good', tags: { B: '1' }, volumes: [{ device: '/dev/xvda' }] });
    sim.setInstanceFaults(bad.instanceId, {
      stop: { kind: 'error', code: 'UnsupportedOperation', message: 'cannot stop a spot instance' },
    });
    const r = await run<CreateJson>(sim, ['snapshot', 'create', '--tags', 'B=1', '--stop']);
    assert.equal(r.code, 3);
    const row = r.json.items.find((i) => i.instanceId === bad.instanceId);
    assert.equal(row?.state, 'failed');
    assert.match(row?.error ?? '', /could not stop .*UnsupportedOperation/);
    assert.doesNotMatch(row?.error ?? '', /started it again/, 'it was never stopped');
    assert.match(row?.error ?? '', /; it is still running$/);
    assert.equal(r.json.items.find((i) => i.series === 'good:/dev/xvda')?.state, 'pending');
    assert.equal(stateOf(sim, bad.instanceId), 'running');
  });
});

test('--stop: an instance stuck in stopping is forced to stop and started again; no snapshot of it', async () => {
  await withSim({}, async (sim) => {
    const stuck = sim.addInstance('us-east-1', {
      name: 'stuck',
      tags: { B: '1' },
      volumes: [{ device: '/dev/xvda' }],
    });
    sim.setInstanceFaults(stuck.instanceId, { stop: { kind: 'stuck' } });
    const r = await run<CreateJson>(sim, [
      'snapshot',
      'create',
      '--tags',
      'B=1',
      '--stop',
      '--stop-timeout',
      '300ms',
    ]);
    assert.equal(r.code, 3);
    assert.match(r.json.items[0]?.error ?? '', /did not stop within 300ms.*forced/);
    assert.ok(sim.callsOf('StopInstances').some((c) => c.params.Force === 'true'));
    assert.equal(sim.callsOf('CreateSnapshots').length, 0);
    assert.equal(ok(sim.callsOf('StartInstances')).length, 1);
    assert.ok(['pending', 'running'].includes(stateOf(sim, stuck.instanceId) ?? ''));
  });
});

test('--stop: the instance is started again when its snapshot call fails', async () => {
  await withSim({}, async (sim) => {
    const a = sim.addInstance('us-east-1', {
      name: 'a',
      tags: { B: '1' },
      volumes: [{ device: '/dev/xvda' }],
    });
    sim.injectFault({ action: 'CreateSnapshots', code: 'IncorrectState', message: 'volume is busy' });
    const r = await run<CreateJson>(sim, ['snapshot', 'create', '--tags', 'B=1', '--stop']);
    assert.equal(r.code, 3);
    assert.match(r.json.items[0]?.error ?? '', /IncorrectState/);
    assert.equal(ok(sim.callsOf('StartInstances')).length, 1);
    assert.ok(['pending', 'running'].includes(stateOf(sim, a.instanceId) ?? ''));
  });
});

test('--stop: an instance that cannot be started again is named first in the error notification and on stderr', async () => {
  await withSim({}, async (sim) => {
    const a = sim.addInstance('us-east-1', {
      name: 'a',
      tags: { B: '1' },
      volumes: [{ device: '/dev/xvda' }],
    });
    sim.setInstanceFaults(a.instanceId, {
      start: { kind: 'error', code: 'InsufficientInstanceCapacity', message: 'no capacity' },
    });
    const r = await run<CreateJson>(sim, [
      'snapshot',
      'create',
      '--tags',
      'B=1',
      '--stop',
      '--notify-error',
      'sns:arn:aws:sns:us-east-1:123456789012:backups-failed',
    ]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, new RegExp(`STILL STOPPED: ${a.instanceId}`));
    const first = sim.published[0]?.message.split('\n')[0] ?? '';
    assert.match(first, new RegExp(`${a.instanceId}.*STILL STOPPED.*InsufficientInstanceCapacity`));
    assert.match(sim.published[0]?.subject ?? '', new RegExp(`${a.instanceId} LEFT STOPPED`));
  });
});

test('--stop: a StopInstances that fails does not claim the instance was started again', async () => {
  await withSim({}, async (sim) => {
    const a = sim.addInstance('us-east-1', {
      name: 'a',
      tags: { B: '1' },
      volumes: [{ device: '/dev/xvda' }],
    });
    sim.setInstanceFaults(a.instanceId, {
      stop: { kind: 'error', code: 'UnsupportedOperation', message: 'cannot stop a spot instance' },
    });
    const r = await run<CreateJson>(sim, ['snapshot', 'create', '--tags', 'B=1', '--stop']);
    assert.equal(r.code, 3);
    assert.doesNotMatch(r.json.items[0]?.error ?? '', /started it again/);
    assert.equal(sim.callsOf('StartInstances').length, 0);
  });
});
