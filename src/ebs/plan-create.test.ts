import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LATE_TAG_KEYS } from '../aws/iam.js';
import { planCreate } from './plan-create.js';
import type { CreateOptions } from './plan-create.js';
import type { Target } from './select.js';
import { seriesKey } from './series.js';

const o: CreateOptions = {
  mode: 'live',
  perVolume: false,
  runId: 'r1',
  seriesTemplate: '{name}:{device}',
  excludeDevices: [],
};
const instance = (
  id: string,
  state: string,
  n: number,
  tags: Record<string, string> = { Name: id },
): Target => {
  const volumes = Array.from({ length: n }, (_, i) => ({
    volumeId: `vol-${id}${i}`,
    device:
      i === 0
        ? '/dev/xvda'
        : `/dev/sd${'fghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz'[i - 1] ?? 'z'}${i > 20 ? i : ''}`,
  }));
  return {
    kind: 'instance',
    region: 'us-east-1',
    instance: { id, region: 'us-east-1', state, rootDevice: '/dev/xvda', tags, volumes },
    volumes,
  };
};

test('one request per instance, per-volume series and device tags, exclusions', () => {
  const plan = planCreate([instance('i-1', 'running', 3)], {
    ...o,
    excludeDevices: ['/dev/sdf'],
    label: 'nightly',
    protect: true,
  });
  const r = plan.requests[0];
  assert.ok(r);
  assert.deepEqual(
    r.volumes.map((v) => v.series),
    ['i-1:/dev/xvda', 'i-1:/dev/sdg'],
  );
  assert.deepEqual(r.excludeVolumeIds, ['vol-i-11']);
  assert.equal(r.excludeBoot, false);
  assert.equal(r.tags['cairn:series:vol-i-12'], 'i-1:/dev/sdg');
  assert.equal(r.tags['cairn:device:vol-i-10'], '/dev/xvda');
  assert.equal(r.tags['cairn:protected'], 'true');
  assert.match(r.description, /i-1 \(i-1\) - nightly/);
  assert.deepEqual(
    plan.skipped.map((s) => [s.device, s.error, s.reason]),
    [['/dev/sdf', false, 'device /dev/sdf excluded']],
  );
  const noRoot = planCreate([instance('i-2', 'running', 2)], { ...o, excludeDevices: ['/dev/xvda'] });
  assert.equal(noRoot.requests[0]?.excludeBoot, true);
});

test('modes: --stopped refuses running instances, --stop stops only running ones', () => {
  const t = [instance('i-1', 'running', 1), instance('i-2', 'stopped', 1)];
  const stopped = planCreate(t, { ...o, mode: 'stopped' });
  assert.deepEqual(
    stopped.requests.map((r) => r.instanceId),
    ['i-2'],
  );
  assert.match(stopped.skipped[0]?.reason ?? '', /running; --stopped/);
  assert.equal(stopped.skipped[0]?.error, true);
  const stop = planCreate(t, { ...o, mode: 'stop' });
  assert.deepEqual(
    stop.requests.map((r) => [r.instanceId, r.stop]),
    [
      ['i-1', true],
      ['i-2', false],
    ],
  );
});

test('more volumes than fit in 50 tags: series first, the rest tagged after creation', () => {
  const big = planCreate([instance('i-9', 'running', 49, { Name: 'big', Team: 'x' })], {
    ...o,
    copyTags: true,
  });
  const r = big.requests[0];
  assert.ok(r);
  assert.ok(Object.keys(r.tags).length <= 50);
  const inline = Object.keys(r.tags).filter((k) => k.startsWith('cairn:series:')).length;
  assert.equal(inline + Object.keys(r.lateTags).length, 49);
  assert.ok(r.notes.some((n) => /after creation/.test(n)));
  // The IAM policy lets CreateTags after creation write only these keys, on managed snapshots.
  assert.equal(r.tags['cairn:managed'], 'true');
  for (const late of Object.values(r.lateTags))
    for (const k of Object.keys(late)) assert.ok(LATE_TAG_KEYS.includes(k), `late tag ${k}`);
});

test('series keys follow the template and survive volume replacement', () => {
  const a = seriesKey('{name}:{device}', {
    instanceId: 'i-1',
    instanceTags: { Name: 'db' },
    volumeId: 'vol-1',
    device: '/dev/sdf',
  });
  const b = seriesKey('{name}:{device}', {
    instanceId: 'i-1',
    instanceTags: { Name: 'db' },
    volumeId: 'vol-2',
    device: '/dev/sdf',
  });
  assert.equal(a, b);
  assert.equal(
    seriesKey('{tag:App}/{device}', { instanceTags: { App: 'pg' }, volumeId: 'v', device: '/dev/sdb' }),
    'pg//dev/sdb',
  );
  assert.equal(seriesKey('{name}:{device}', { volumeId: 'vol-9' }), 'vol-9');
});
