import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ec2Sim } from '../support/ec2sim/index.js';
import { ERROR_TOPIC, run, snapshotsOf, TOPIC, withSim } from './helpers.js';

interface TrimJson {
  dryRun: boolean;
  deleted: number;
  kept: number;
  failed: number;
  rows: { region: string; series: string; snapshotId: string; action: string; reasons: string[] }[];
}

const DAY = 86_400_000;

/** Series db:/dev/xvda: one completed snapshot a day for 10 days, plus special cases. */
function seed(sim: Ec2Sim) {
  const now = sim.clock.now();
  const tags = (extra: Record<string, string> = {}) => ({
    'cairn:managed': 'true',
    'cairn:series': 'db:/dev/xvda',
    ...extra,
  });
  const day = (n: number, extra: Record<string, string> = {}, state?: 'error' | 'pending') =>
    sim.addSnapshot('us-east-1', {
      startTime: now - n * DAY,
      tags: tags(extra),
      ...(state ? { state } : {}),
    });
  const daily = Array.from({ length: 10 }, (_, i) => day(i + 1));
  const ids = {
    daily,
    pending: sim.addSnapshot('us-east-1', { state: 'pending', durationMs: 3_600_000, tags: tags() }),
    failed: day(2.5, {}, 'error'),
    protected: day(9.5, { 'cairn:protected': 'true' }),
    ami: day(8.5),
    unmanaged: sim.addSnapshot('us-east-1', { startTime: now - 400 * DAY }),
    other: sim.addSnapshot('us-east-1', {
      startTime: now - 5 * DAY,
      tags: { 'cairn:managed': 'true', 'cairn:series': 'web:/dev/xvda', Env: 'dev' },
    }),
  };
  sim.addImage('us-east-1', { snapshotIds: [ids.ami] });
  return ids;
}

const reasonOf = (r: TrimJson, id: string) => r.rows.find((x) => x.snapshotId === id);

test('trim keeps by policy, never the newest, protected, pending or AMI-backed; removes error ones; reasons for all', async () => {
  await withSim({}, async (sim) => {
    const ids = seed(sim);
    const dry = await run<TrimJson>(sim, [
      'snapshot',
      'trim',
      '--keep-daily',
      '3',
      '--series',
      'db:*',
      '--dry-run',
    ]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(sim.callsOf('DeleteSnapshot').length, 0);
    const remove = dry.json.rows.filter((x) => x.action === 'remove').map((x) => x.snapshotId);
    assert.deepEqual(new Set(remove), new Set([...ids.daily.slice(3), ids.failed]));
    assert.match(
      reasonOf(dry.json, ids.daily[0] ?? '')?.reasons.join() ?? '',
      /newest completed snapshot of its series/,
    );
    assert.match(reasonOf(dry.json, ids.daily[1] ?? '')?.reasons.join() ?? '', /daily 2\/3/);
    assert.match(reasonOf(dry.json, ids.protected)?.reasons.join() ?? '', /protected/);
    assert.match(reasonOf(dry.json, ids.ami)?.reasons.join() ?? '', /used by ami-/);
    assert.match(reasonOf(dry.json, ids.pending)?.reasons.join() ?? '', /still pending/);
    assert.match(reasonOf(dry.json, ids.failed)?.reasons.join() ?? '', /ended in error/);
    assert.equal(reasonOf(dry.json, ids.unmanaged), undefined, 'only snapshots cairn manages');
    assert.equal(reasonOf(dry.json, ids.other), undefined, '--series filters');

    const r = await run<TrimJson>(sim, ['snapshot', 'trim', '--keep-daily', '3', '--series', 'db:*']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.deleted, 8);
    const left = new Set(snapshotsOf(sim, 'us-east-1').map((s) => s.id));
    for (const id of [
      ...ids.daily.slice(0, 3),
      ids.pending,
      ids.protected,
      ids.ami,
      ids.unmanaged,
      ids.other,
    ])
      assert.ok(left.has(id), id);
    for (const id of [...ids.daily.slice(3), ids.failed]) assert.ok(!left.has(id), id);
  });
});

test('--max-deletions deletes the oldest first and defers the rest; --tags selects', async () => {
  await withSim({}, async (sim) => {
    const ids = seed(sim);
    const r = await run<TrimJson>(sim, [
      'snapshot',
      'trim',
      '--keep-last',
      '1',
      '--tags',
      'Env=dev',
      '--max-deletions',
      '0',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.json.rows.map((x) => x.snapshotId),
      [ids.other],
    );
    const m = await run<TrimJson>(sim, ['snapshot', 'trim', '--keep-last', '1', '--max-deletions', '2']);
    assert.equal(m.code, 0, m.stderr);
    assert.equal(m.json.deleted, 2);
    const deleted = m.json.rows.filter((x) => x.action === 'deleted').map((x) => x.snapshotId);
    assert.deepEqual(new Set(deleted), new Set([ids.daily[9], ids.daily[8]]), 'the two oldest that may go');
    assert.ok(m.json.rows.some((x) => x.reasons.some((y) => y.startsWith('deferred by --max-deletions 2'))));
  });
});

test('a snapshot an AMI starts using after planning is reported and kept, not fatal', async () => {
  await withSim({}, async (sim) => {
    const ids = seed(sim);
    sim.setOptions({ denyActions: ['DescribeImages'] });
    const denied = await run<TrimJson>(sim, ['snapshot', 'trim', '--keep-daily', '3']);
    assert.equal(denied.code, 5, 'without DescribeImages nothing is deleted');
    assert.equal(sim.callsOf('DeleteSnapshot').length, 0);
    sim.setOptions({ denyActions: [] });
    sim.injectFault({
      action: 'DeleteSnapshot',
      code: 'InvalidSnapshot.InUse',
      message: `The snapshot ${ids.daily[9] ?? ''} is currently in use by ami-0123456789abcdef0`,
    });
    const r = await run<TrimJson>(sim, [
      'snapshot',
      'trim',
      '--keep-daily',
      '3',
      '--series',
      'db:/dev/xvda',
      '--max-deletions',
      '1',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const row = reasonOf(r.json, ids.daily[9] ?? '');
    assert.equal(row?.action, 'keep');
    assert.match(row?.reasons.join() ?? '', /in use/);
  });
});

test('list shows each series with its newest snapshot, count and freshness', async () => {
  await withSim({}, async (sim) => {
    seed(sim);
    const r = await run<{
      series: {
        series: string;
        count: number;
        completed: number;
        pending: number;
        error: number;
        stale: boolean;
      }[];
    }>(sim, ['snapshot', 'list', '--stale-after', '2d']);
    assert.equal(r.code, 3, 'web:/dev/xvda is stale');
    assert.match(r.stderr, /cairn: 1 series stale: web:\/dev\/xvda \(us-east-1\)/);
    const db = r.json.series.find((s) => s.series === 'db:/dev/xvda');
    assert.deepEqual([db?.count, db?.completed, db?.pending, db?.error, db?.stale], [14, 12, 1, 1, false]);
    assert.equal(r.json.series.find((s) => s.series === 'web:/dev/xvda')?.stale, true);
    const text = await run(sim, ['snapshot', 'list', '--unmanaged']);
    assert.equal((text.json.series as unknown[]).length, 3);
  });
});

test('--unmanaged trims the snapshots cairn did not make, one series per volume; without it they are untouched', async () => {
  await withSim({}, async (sim) => {
    const ids = seed(sim);
    const now = sim.clock.now();
    const volume = 'vol-0123456789abcdef0';
    const theirs = [1, 2, 3].map((n) =>
      sim.addSnapshot('us-east-1', { volumeId: volume, startTime: now - n * DAY }),
    );
    const foreign = sim.addSnapshot('us-east-1', {
      volumeId: volume,
      startTime: now - 10 * DAY,
      ownerId: '999999999999',
      public: true,
    });
    const series = `volume:${volume}`;

    const managedOnly = await run<TrimJson>(sim, ['snapshot', 'trim', '--keep-last', '1']);
    assert.equal(managedOnly.code, 0, managedOnly.stderr);
    assert.ok(managedOnly.json.deleted > 0);
    assert.ok(!managedOnly.json.rows.some((x) => x.series === series || x.snapshotId === ids.unmanaged));
    const left = () => new Set(snapshotsOf(sim, 'us-east-1').map((s) => s.id));
    for (const id of [...theirs, ids.unmanaged, foreign]) assert.ok(left().has(id), `${id} untouched`);
    assert.ok(
      sim.callsOf('DescribeSnapshots').every((c) => c.params['Filter.1.Name'] === 'tag:cairn:managed'),
      'listing asks EC2 for managed snapshots only',
    );

    const all = await run<TrimJson>(sim, ['snapshot', 'trim', '--keep-last', '1', '--unmanaged']);
    assert.equal(all.code, 0, all.stderr);
    const mine = all.json.rows.filter((x) => x.series === series);
    assert.deepEqual(
      mine.map((x) => [x.snapshotId, x.action]),
      [
        [theirs[0], 'keep'],
        [theirs[1], 'deleted'],
        [theirs[2], 'deleted'],
      ],
    );
    assert.match(mine[0]?.reasons.join() ?? '', /newest completed snapshot of its series/);
    assert.equal(all.json.rows.find((x) => x.snapshotId === ids.unmanaged)?.action, 'keep');
    assert.ok(
      !all.json.rows.some((x) => x.snapshotId === foreign),
      "another account's snapshot is not listed",
    );
    const after = left();
    assert.ok(after.has(theirs[0] ?? '') && after.has(ids.unmanaged) && after.has(foreign));
    assert.ok(!after.has(theirs[1] ?? '') && !after.has(theirs[2] ?? ''));
  });
});

test('trim --notify publishes what was deleted; a failed deletion goes to --notify-error', async () => {
  await withSim({}, async (sim) => {
    const ids = seed(sim);
    const r = await run<TrimJson>(sim, [
      'snapshot',
      'trim',
      '--keep-daily',
      '3',
      '--series',
      'db:*',
      '--notify',
      `sns:${TOPIC}`,
      '--notify-error',
      `sns:${ERROR_TOPIC}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sim.published.length, 1);
    const [note] = sim.published;
    assert.equal(note?.topicArn, TOPIC);
    assert.equal(note?.subject, `cairn snapshot trim: 8 deleted, ${r.json.kept} kept`);
    for (const id of [...ids.daily.slice(3), ids.failed])
      assert.match(
        note?.message ?? '',
        new RegExp(`^deleted us-east-1 ${id} \\(db:/dev/xvda, .*\\): .+$`, 'm'),
      );
    assert.doesNotMatch(note?.message ?? '', /FAILED/);

    sim.clearRecords();
    sim.injectFault({ action: 'DeleteSnapshot', code: 'UnauthorizedOperation', message: 'not allowed here' });
    const bad = await run<TrimJson>(sim, [
      'snapshot',
      'trim',
      '--keep-last',
      '1',
      '--series',
      'db:*',
      '--notify',
      TOPIC,
      '--notify-error',
      ERROR_TOPIC,
    ]);
    assert.equal(bad.code, 3, bad.stderr);
    assert.equal(bad.json.failed, 1);
    const failed = bad.json.rows.find((x) => x.action === 'failed');
    assert.equal(sim.published.length, 1);
    const [error] = sim.published;
    assert.equal(error?.topicArn, ERROR_TOPIC);
    assert.match(error?.subject ?? '', /, 1 FAILED$/);
    assert.match(
      error?.message ?? '',
      new RegExp(
        `^FAILED us-east-1 ${failed?.snapshotId ?? '-'} \\(db:/dev/xvda\\): .*not allowed here`,
        'm',
      ),
    );
  });
});

test('list --tags and --series choose the series listed', async () => {
  await withSim({}, async (sim) => {
    seed(sim);
    sim.addSnapshot('us-east-1', {
      tags: { 'cairn:managed': 'true', 'cairn:series': 'db-2:/dev/sdf', Env: 'dev' },
    });
    const names = async (args: string[]) => {
      const r = await run<{ series: { series: string; stale: boolean }[] }>(sim, [
        'snapshot',
        'list',
        ...args,
      ]);
      assert.equal(r.code, r.json.series.some((x) => x.stale) ? 3 : 0, r.stderr);
      return r.json.series.map((s) => s.series);
    };
    assert.deepEqual(await names([]), ['db-2:/dev/sdf', 'db:/dev/xvda', 'web:/dev/xvda']);
    assert.deepEqual(await names(['--tags', 'Env=dev']), ['db-2:/dev/sdf', 'web:/dev/xvda']);
    assert.deepEqual(await names(['--series', 'db:*']), ['db:/dev/xvda']);
    assert.deepEqual(
      await names(['--series', 'web:/dev/xvda', '--series', 'db-2:/dev']),
      ['web:/dev/xvda'],
      'without * a series matches exactly',
    );
    assert.deepEqual(await names(['--tags', 'Env=dev', '--series', 'db*']), ['db-2:/dev/sdf']);
  });
});
