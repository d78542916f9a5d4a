import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LATE_TAG_KEYS } from '../aws/iam.js';
import { describeCollision, planCreate } from './plan-create.js';
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

test('{volume-tag:KEY} reads each volume its own tags: three disks, three series', () => {
  const t = instance('i-1', 'running', 3, { Name: 'web-1' });
  assert.equal(t.kind, 'instance');
  if (t.kind !== 'instance') return;
  t.volumes = t.volumes.map((v, i) => ({ ...v, tags: { Name: ['root', 'data', 'logs'][i] ?? '' } }));
  const plan = planCreate([t], { ...o, seriesTemplate: '{name}:{volume-tag:Name}' });
  assert.deepEqual(
    plan.requests[0]?.volumes.map((v) => v.series),
    ['web-1:root', 'web-1:data', 'web-1:logs'],
  );
  assert.deepEqual(plan.collisions, []);
});

test('a plan that puts two volumes into one series is refused with both volumes and the key', () => {
  const plan = planCreate([instance('i-1', 'running', 2, { Name: 'db' }), instance('i-2', 'running', 1)], {
    ...o,
    seriesTemplate: '{name}',
  });
  assert.equal(plan.collisions.length, 1);
  const [c] = plan.collisions;
  assert.ok(c);
  assert.deepEqual(
    c.volumes.map((v) => v.volumeId),
    ['vol-i-10', 'vol-i-11'],
  );
  assert.equal(
    describeCollision(c),
    'the series key "{name}" puts vol-i-10 (/dev/xvda of i-1) and vol-i-11 (/dev/sdf of i-1) into one series "db" in us-east-1',
  );
  // Across instances too: {tag:Role} of two instances with the same role.
  const role = { Name: 'x', Role: 'web' };
  const two = planCreate([instance('i-3', 'running', 1, role), instance('i-4', 'running', 1, role)], {
    ...o,
    seriesTemplate: '{tag:Role}:{device}',
  });
  assert.deepEqual(
    two.collisions.map((x) => [x.series, x.volumes.map((v) => v.instanceId)]),
    [['web:/dev/xvda', ['i-3', 'i-4']]],
  );
});

test('tag budget: copied instance tags go first, named; series and identity tags always fit', () => {
  const many = Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`T${i}`, 'v']));
  for (const n of [1, 2, 20, 46, 47, 48, 60]) {
    for (const perVolume of [false, true]) {
      const plan = planCreate([instance('i-7', 'running', n, { Name: 'n', ...many })], {
        ...o,
        perVolume,
        copyTags: true,
        protect: true,
        label: 'nightly',
      });
      const r = plan.requests[0];
      assert.ok(r);
      for (const v of r.volumes) {
        const own: Record<string, string> = perVolume ? (r.volumeTags[v.volumeId] ?? {}) : r.tags;
        const late: Record<string, string> = r.lateTags[v.volumeId] ?? {};
        const total: Record<string, string> = { ...own, ...late };
        assert.ok(
          Object.keys(total).length <= 50,
          `${n} volumes, perVolume ${perVolume}: ${Object.keys(total).length}`,
        );
        assert.equal(total['cairn:series'] ?? total[`cairn:series:${v.volumeId}`], v.series);
        for (const k of ['cairn:managed', 'cairn:run', 'cairn:instance', 'cairn:protected', 'cairn:label'])
          assert.ok(k in own, `${k} at creation`);
      }
      const dropped = Object.keys({ Name: 'n', ...many }).filter(
        (k) => !(k in r.tags) && !(k in (r.volumeTags[r.volumes[0]?.volumeId ?? ''] ?? {})),
      );
      if (dropped.length) {
        const note = r.notes.find((x) => x.startsWith('instance tags not copied'));
        assert.ok(note, `${n}: ${r.notes.join(' | ')}`);
        for (const k of dropped) assert.ok(note.split(': ')[1]?.split(', ').includes(k), `${k} named`);
      }
    }
  }
});
