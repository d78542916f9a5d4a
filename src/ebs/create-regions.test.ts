import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryReporter } from '../core/reporter.js';
import type { Progress, Reporter } from '../core/reporter.js';
import { snapshotCreate } from './create.js';
import { progressAcrossRegions } from './create-outcomes.js';
import type { Ec2Api } from './ports.js';
import type { Ec2Instance } from './types.js';

const instance = (region: string, id: string): Ec2Instance => ({
  id,
  region,
  state: 'running',
  rootDevice: '/dev/xvda',
  tags: { Name: id },
  volumes: [{ volumeId: `vol-${id}`, device: '/dev/xvda' }],
});

const unused = (): never => {
  throw new Error('not expected in this test');
};

test('a region snapshots as soon as it is selected, without waiting for slower regions', async () => {
  let created!: () => void;
  const fastCreated = new Promise<void>((resolve) => (created = resolve));
  const order: string[] = [];
  const api: Ec2Api = {
    listRegions: unused,
    // The slow region answers only after the fast one has created its snapshots; if creation
    // waited for every region's selection, neither would ever happen.
    findInstances: async (region) => {
      if (region === 'ap-southeast-2') {
        const gave = await Promise.race([
          fastCreated.then(() => 'after'),
          new Promise<string>((r) => setTimeout(() => r('gave up'), 5000).unref()),
        ]);
        order.push(`selected ${region} ${gave}`);
      }
      return [instance(region, region === 'us-east-1' ? 'i-fast' : 'i-slow')];
    },
    findVolumes: unused,
    createSnapshots: (region, r) => {
      order.push(`created ${region}`);
      if (region === 'us-east-1') created();
      return Promise.resolve([
        { snapshotId: `snap-${r.instanceId}`, volumeId: `vol-${r.instanceId}`, state: 'pending' },
      ]);
    },
    createSnapshot: unused,
    tagSnapshots: unused,
    findSnapshots: unused,
    deleteSnapshot: unused,
    imageSnapshots: unused,
    copySnapshot: unused,
    stopInstance: unused,
    startInstance: unused,
  };
  const r = await snapshotCreate({
    api,
    homeRegion: 'us-east-1',
    regions: ['us-east-1', 'ap-southeast-2'],
    selection: { instanceIds: [], volumeIds: [], tags: { Backup: ['daily'] }, excludeDevices: [] },
  });
  assert.deepEqual(order, ['created us-east-1', 'selected ap-southeast-2 after', 'created ap-southeast-2']);
  assert.deepEqual(
    r.items.map((x) => [x.region, x.snapshotId, x.state]),
    [
      ['us-east-1', 'snap-i-fast', 'pending'],
      ['ap-southeast-2', 'snap-i-slow', 'pending'],
    ],
  );
});

test('progress of several regions adds up into one', () => {
  const seen: Progress[] = [];
  const events = new MemoryReporter();
  const reporter: Reporter = { event: (e) => events.event(e), progress: (p) => seen.push(p) };
  const of = progressAcrossRegions(reporter);
  of('a').progress?.({ unit: 'items', done: 1, total: 4, label: 'creating snapshots' });
  of('b').progress?.({ unit: 'items', done: 2, total: 3, label: 'creating snapshots' });
  of('a').progress?.({ unit: 'items', done: 4, total: 4, label: 'creating snapshots' });
  of('b').event({ level: 'info', type: 'x', message: 'passed on' });
  assert.deepEqual(
    seen.map((p) => [p.done, p.total]),
    [
      [1, 4],
      [3, 7],
      [6, 7],
    ],
  );
  assert.equal(events.ofType('x').length, 1);
});
