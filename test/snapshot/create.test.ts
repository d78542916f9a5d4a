import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cairn } from '../support/cli.js';
import { ERROR_TOPIC, ok, run, simEnv, snapshotsOf, TOPIC, withSim } from './helpers.js';
import type { CreateJson } from './helpers.js';

test('create by tag in two regions: one crash-consistent call per instance, tags at creation, --wait', async () => {
  await withSim({}, async (sim) => {
    const db = sim.addInstance('us-east-1', {
      name: 'db-1',
      tags: { Env: 'prod', Team: 'a' },
      volumes: [{ device: '/dev/xvda' }, { device: '/dev/sdf' }],
    });
    sim.addInstance('us-east-1', { name: 'web-1', tags: { Env: 'dev' }, volumes: [{ device: '/dev/xvda' }] });
    sim.addInstance('eu-west-1', { name: 'db-2', tags: { Env: 'prod' }, volumes: [{ device: '/dev/xvda' }] });
    const r = await run<CreateJson>(sim, [
      'snapshot',
      'create',
      '--tags',
      'Env=prod',
      '--regions',
      'us-east-1,eu-west-1',
      '--label',
      'nightly',
      '--copy-tags',
      '--wait',
      '--notify',
      `sns:${TOPIC}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.items.length, 3);
    assert.ok(r.json.items.every((i) => i.state === 'completed' && i.snapshotId));
    assert.deepEqual(r.json.items.map((i) => i.series).sort(), [
      'db-1:/dev/sdf',
      'db-1:/dev/xvda',
      'db-2:/dev/xvda',
    ]);
    assert.equal(ok(sim.callsOf('CreateSnapshots')).length, 2);
    assert.equal(
      sim.callsOf('CreateSnapshot').length + sim.callsOf('CreateTags').length,
      0,
      'everything is tagged at creation',
    );
    const [a, b] = snapshotsOf(sim, 'us-east-1').sort((x, y) => x.volumeId.localeCompare(y.volumeId));
    for (const s of [a, b]) {
      assert.ok(s);
      assert.equal(s.tags.get('cairn:managed'), 'true');
      assert.equal(s.tags.get('cairn:instance'), db.instanceId);
      assert.equal(s.tags.get('Team'), 'a', '--copy-tags');
      assert.match(s.description, /db-1.*nightly/);
      const own = s.tags.get(`cairn:series:${s.volumeId}`);
      assert.ok(own === 'db-1:/dev/xvda' || own === 'db-1:/dev/sdf');
    }
    assert.equal(sim.published.length, 1);
    assert.equal(sim.published[0]?.topicArn, TOPIC);
    assert.match(sim.published[0]?.subject ?? '', /3 snapshot/);
  });
});

test("s3snapshot's --filter, --exclude-devices, --volumes and --per-volume", async () => {
  await withSim({}, async (sim) => {
    const a = sim.addInstance('us-east-1', {
      name: 'a',
      tags: { Env: 'PROD' },
      volumes: [{ device: '/dev/xvda' }, { device: '/dev/sdb' }, { device: '/dev/sdf' }],
    });
    const filter = JSON.stringify({ instances: [a.instanceId], tags: { 'tag:Env': 'PROD' } });
    const r = await run<CreateJson>(sim, [
      'snapshot',
      'create',
      '--filter',
      filter,
      '--exclude-devices',
      '/dev/sdb',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json.items.map((i) => `${i.device}:${i.state}`).sort(), [
      '/dev/sdb:skipped',
      '/dev/sdf:pending',
      '/dev/xvda:pending',
    ]);
    const call = sim.callsOf('CreateSnapshots')[0];
    assert.equal(call?.params['InstanceSpecification.ExcludeDataVolumeId.1'], a.volumeIds[1]);

    const loose = sim.addVolume('us-east-1', { tags: { Name: 'scratch' } });
    const v = await run<CreateJson>(sim, [
      'snapshot',
      'create',
      '--volumes',
      `${loose},${a.volumeIds[2] ?? ''}`,
      '--per-volume',
      '--protect',
    ]);
    assert.equal(v.code, 0, v.stderr);
    assert.deepEqual(v.json.items.map((i) => i.series).sort(), ['a:/dev/sdf', 'scratch']);
    assert.equal(sim.callsOf('CreateSnapshot').length, 2);
    const made = snapshotsOf(sim, 'us-east-1').filter((s) => v.json.items.some((i) => i.snapshotId === s.id));
    assert.ok(made.every((s) => s.tags.get('cairn:protected') === 'true' && s.tags.get('cairn:series')));
  });
});

test('--dry-run plans without creating or stopping anything', async () => {
  await withSim({}, async (sim) => {
    sim.addInstance('us-east-1', { name: 'a', tags: { Env: 'prod' }, volumes: [{ device: '/dev/xvda' }] });
    const r = await run<CreateJson>(sim, ['snapshot', 'create', '--tags', 'Env=prod', '--stop', '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.items[0]?.state, 'planned');
    assert.deepEqual([...new Set(sim.calls.map((c) => c.action))], ['DescribeInstances']);
  });
});

test('a snapshot that ends in error: reported per volume, exit 3, failures to the error topic', async () => {
  await withSim({}, async (sim) => {
    const a = sim.addInstance('us-east-1', {
      name: 'a',
      tags: { Env: 'prod' },
      volumes: [{ device: '/dev/xvda' }, { device: '/dev/sdf' }],
    });
    sim.failNextSnapshot(a.volumeIds[1] ?? '');
    const r = await run<CreateJson>(sim, [
      'snapshot',
      'create',
      '--tags',
      'Env=prod',
      '--wait',
      '--notify',
      TOPIC,
      '--notify-error',
      ERROR_TOPIC,
    ]);
    assert.equal(r.code, 3, r.stderr);
    const bad = r.json.items.find((i) => i.device === '/dev/sdf');
    assert.equal(bad?.state, 'error');
    assert.match(bad?.error ?? '', /ended in error/);
    assert.equal(r.json.items.find((i) => i.device === '/dev/xvda')?.state, 'completed');
    assert.match(r.stderr, /cairn: 1 volume\(s\) failed/);
    assert.equal(sim.published.length, 1);
    assert.equal(sim.published[0]?.topicArn, ERROR_TOPIC);
    assert.match(sim.published[0]?.message ?? '', /\/dev\/sdf: snapshot ended in error/);
  });
});

test('--stopped snapshots stopped instances only; a running one is an error', async () => {
  await withSim({}, async (sim) => {
    sim.addInstance('us-east-1', { name: 'up', tags: { B: '1' }, volumes: [{ device: '/dev/xvda' }] });
    sim.addInstance('us-east-1', {
      name: 'down',
      state: 'stopped',
      tags: { B: '1' },
      volumes: [{ device: '/dev/xvda' }],
    });
    const r = await run<CreateJson>(sim, ['snapshot', 'create', '--tags', 'B=1', '--stopped']);
    assert.equal(r.code, 3);
    const up = r.json.items.find((i) => i.series === 'up:/dev/xvda');
    assert.equal(up?.state, 'failed');
    assert.match(up?.error ?? '', /running; --stopped/);
    assert.equal(r.json.items.find((i) => i.series === 'down:/dev/xvda')?.state, 'pending');
    assert.equal(sim.callsOf('StopInstances').length, 0);
  });
});

test('bad input: one line with a hint, exit 2, no stack trace, no API call', async () => {
  await withSim({}, async (sim) => {
    const cases: [string[], RegExp][] = [
      [['snapshot', 'create'], /choose what to snapshot/],
      [['snapshot', 'create', '--tags', 'novalue'], /Key=Value/],
      [['snapshot', 'create', '--filter', '{"instance": []}'], /unknown key "instance"/],
      [['snapshot', 'create', '--instances', 'web-1'], /not an instance id/],
      [['snapshot', 'create', '--tags', 'a=b', '--stop', '--stopped'], /exclude each other/],
      [['snapshot', 'create', '--tags', 'a=b', '--regions', 'moon'], /not a region/],
      [['snapshot', 'create', '--tags', 'a=b', '--series-key', '{nmae}'], /unknown placeholder/],
      [['snapshot', 'create', '--tags', 'a=b', '--notify', 'mailto:x'], /SNS topic ARN/],
      [['snapshot', 'trim'], /retention policy/],
      [['snapshot', 'copy'], /--to-region/],
      [['iam-policy', 'snapshot', 'explode'], /no IAM policy/],
    ];
    for (const [args, msg] of cases) {
      const r = await cairn(args, { env: simEnv(sim), cwd: '/tmp' });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
      assert.match(r.stderr, /^cairn: .*\nhint: /);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
    assert.equal(sim.calls.length, 0);
    for (const sub of ['create', 'trim', 'copy', 'list']) {
      const h = await cairn(['snapshot', sub, '--help'], { env: simEnv(sim) });
      assert.equal(h.code, 0);
      assert.match(h.stdout, /--json|--dry-run|--regions|--to-region/);
    }
  });
});
