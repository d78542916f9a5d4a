import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fleet } from '../support/ec2sim/index.js';
import { ok, run, snapshotsOf, withSim } from './helpers.js';
import type { CreateJson } from './helpers.js';
import { startLossyProxy } from './lossy-proxy.js';

test('a throttling storm: every snapshot made once, none failed', async () => {
  // Refill at 1/20 of AWS's rate with a small burst: most calls are refused at first.
  await withSim(
    {
      rateScale: 0.05,
      rateOverrides: {
        ebsCreate: { capacity: 5, refillPerSec: 100 },
        describe: { capacity: 3, refillPerSec: 100 },
      },
    },
    async (sim) => {
      const f = fleet(sim, {
        regions: ['us-east-1'],
        instances: 30,
        volumesPerInstance: 2,
        tags: { B: '1' },
      });
      sim.injectFault({ action: 'CreateSnapshots', code: 'RequestLimitExceeded', count: 10 });
      const r = await run<CreateJson>(sim, ['snapshot', 'create', '--tags', 'B=1']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.json.items.filter((i) => i.state === 'pending').length, 60);
      const throttled = sim.calls.filter((c) => c.errorCode === 'RequestLimitExceeded').length;
      assert.ok(throttled > 10, `throttled ${throttled} times`);
      assert.equal(ok(sim.callsOf('CreateSnapshots')).length, 30);
      assert.equal(snapshotsOf(sim, 'us-east-1').length, f.volumeIds.length, 'no duplicates');
    },
  );
});

test('a CreateSnapshots whose answer is lost is looked up, not sent twice', async () => {
  await withSim({}, async (sim) => {
    fleet(sim, { regions: ['us-east-1'], instances: 3, volumesPerInstance: 2, tags: { B: '1' } });
    const proxy = await startLossyProxy(sim.endpoint, 'CreateSnapshots', 2);
    try {
      const r = await run<CreateJson>(sim, ['snapshot', 'create', '--tags', 'B=1'], {
        AWS_ENDPOINT_URL_EC2: proxy.endpoint,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(proxy.dropped, 2);
      assert.equal(r.json.items.filter((i) => i.state === 'pending' && i.snapshotId).length, 6);
      assert.equal(snapshotsOf(sim, 'us-east-1').length, 6, 'no duplicate snapshots');
      assert.equal(ok(sim.callsOf('CreateSnapshots')).length, 3);
      const ids = new Set(r.json.items.map((i) => i.snapshotId));
      assert.ok(snapshotsOf(sim, 'us-east-1').every((s) => ids.has(s.id)));
    } finally {
      await proxy.close();
    }
  });
});

test('internal errors before the call was done are retried; after too many, the volume fails alone', async () => {
  await withSim({}, async (sim) => {
    fleet(sim, { regions: ['us-east-1'], instances: 2, volumesPerInstance: 1, tags: { B: '1' } });
    sim.injectFault({ action: 'CreateSnapshots', code: 'InternalError', count: 2 });
    const r = await run<CreateJson>(sim, ['snapshot', 'create', '--tags', 'B=1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(snapshotsOf(sim, 'us-east-1').length, 2);
    sim.injectFault({ action: 'CreateSnapshots', code: 'InternalError', count: 50 });
    const bad = await run<CreateJson>(sim, ['snapshot', 'create', '--tags', 'B=1']);
    assert.equal(bad.code, 3);
    assert.ok(bad.json.items.every((i) => i.state === 'failed' && /InternalError/.test(i.error ?? '')));
  });
});

test('access denied in one region: the others are snapshotted, exit 3; in all of them: exit 5', async () => {
  await withSim({ denyRegions: ['eu-west-1'] }, async (sim) => {
    fleet(sim, {
      regions: ['us-east-1', 'eu-west-1', 'us-west-2'],
      instances: 6,
      volumesPerInstance: 1,
      tags: { B: '1' },
    });
    const r = await run<CreateJson>(sim, [
      'snapshot',
      'create',
      '--tags',
      'B=1',
      '--regions',
      'us-east-1,eu-west-1,us-west-2',
    ]);
    assert.equal(r.code, 3);
    assert.equal(r.json.items.filter((i) => i.state === 'pending').length, 4);
    assert.deepEqual(
      r.json.regionErrors.map((e) => [e.region, e.error.code]),
      [['eu-west-1', 'ACCESS']],
    );
    assert.match(r.stderr, /1 region\(s\) could not be used/);

    const all = await run(sim, ['snapshot', 'create', '--tags', 'B=1', '--regions', 'eu-west-1']);
    assert.equal(all.code, 5);
    assert.match(all.stderr, /access denied.*\nhint: grant the actions `cairn iam-policy`/);
  });
});

test('--regions all asks DescribeRegions and works in each', async () => {
  await withSim({ regions: ['us-east-1', 'eu-west-1', 'ap-south-1'] }, async (sim) => {
    fleet(sim, {
      regions: ['eu-west-1', 'ap-south-1'],
      instances: 2,
      volumesPerInstance: 1,
      tags: { B: '1' },
    });
    const r = await run<CreateJson>(sim, ['snapshot', 'create', '--tags', 'B=1', '--regions', 'all']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sim.callsOf('DescribeRegions').length, 1);
    assert.deepEqual(r.json.items.map((i) => i.region).sort(), ['ap-south-1', 'eu-west-1']);
  });
});

test("at AWS's published rate limits a fleet past the burst is paced, never throttled", async () => {
  // 130 instances in us-east-1: 30 CreateSnapshots more than its bucket's 100, which refills at 5/s.
  await withSim({ rateLimits: true, rateScale: 1 }, async (sim) => {
    const big = fleet(sim, {
      regions: ['us-east-1'],
      instances: 130,
      volumesPerInstance: 2,
      tags: { B: '1' },
    });
    const small = fleet(sim, {
      regions: ['eu-west-1'],
      instances: 40,
      volumesPerInstance: 2,
      tags: { B: '1' },
    });
    const r = await run<CreateJson>(sim, [
      'snapshot',
      'create',
      '--tags',
      'B=1',
      '--regions',
      'us-east-1,eu-west-1',
      '--wait',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.items.length, big.volumeIds.length + small.volumeIds.length);
    assert.ok(r.json.items.every((i) => i.state === 'completed'));
    assert.equal(ok(sim.callsOf('CreateSnapshots')).length, 170);
    const throttled = sim.calls.filter((c) => c.errorCode === 'RequestLimitExceeded');
    assert.deepEqual(
      throttled.map((c) => `${c.region} ${c.action}`),
      [],
      'no call was refused for its rate',
    );
    assert.ok(sim.calls.every((c) => c.status === 200));
    assert.equal(r.json.calls.throttled, 0);
  });
});
