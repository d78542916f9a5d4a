import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ec2Sim } from '../support/ec2sim/index.js';
import { run, snapshotsOf, withSim } from './helpers.js';
import type { CreateJson } from './helpers.js';

interface TrimJson {
  deleted: number;
  kept: number;
  rows: { region: string; series: string; snapshotId: string; action: string; reasons: string[] }[];
  collisions: { region: string; series: string; runs: string[] }[];
}

interface CopyJson {
  rows: {
    series: string;
    sourceId?: string;
    dest?: string;
    copyId?: string;
    state: string;
    error?: string;
  }[];
  collisions: { series: string }[];
}

const DAY = 86_400_000;

/** The series a snapshot in the simulator belongs to, read as cairn reads it. */
const seriesOf = (s: { volumeId: string; tags: Map<string, string> }): string | undefined =>
  s.tags.get('cairn:series') ?? s.tags.get(`cairn:series:${s.volumeId}`);

test('{volume-tag:Name}: each disk of an instance is its own series; trim --keep-last 1 keeps the newest of each', async () => {
  await withSim({}, async (sim) => {
    const web = sim.addInstance('us-east-1', {
      name: 'web-1',
      tags: { B: '1' },
      volumes: [
        { device: '/dev/xvda', tags: { Name: 'root' } },
        { device: '/dev/sdf', tags: { Name: 'data' } },
        { device: '/dev/sdg', tags: { Name: 'logs' } },
      ],
    });
    // Two days behind the CLI's clock: both runs below are in its past, not dated in the future.
    sim.advance(-2 * DAY);
    const args = [
      'snapshot',
      'create',
      '--tags',
      'B=1',
      '--series-key',
      '{name}:{volume-tag:Name}',
      '--wait',
    ];
    const first = await run<CreateJson>(sim, args);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(first.json.items.map((i) => i.series).sort(), [
      'web-1:data',
      'web-1:logs',
      'web-1:root',
    ]);
    sim.advance(DAY);
    const second = await run<CreateJson>(sim, args);
    assert.equal(second.code, 0, second.stderr);
    const newest = new Set(second.json.items.map((i) => i.snapshotId));
    assert.equal(newest.size, 3);
    for (const s of snapshotsOf(sim, 'us-east-1')) {
      const i = web.volumeIds.indexOf(s.volumeId);
      assert.equal(seriesOf(s), `web-1:${['root', 'data', 'logs'][i] ?? '?'}`);
    }
    const t = await run<TrimJson>(sim, ['snapshot', 'trim', '--keep-last', '1']);
    assert.equal(t.code, 0, t.stderr);
    assert.deepEqual([t.json.deleted, t.json.kept], [3, 3]);
    const left = new Set(snapshotsOf(sim, 'us-east-1').map((s) => s.id));
    assert.deepEqual(left, newest, 'the newest snapshot of every disk is kept');
  });
});

test('create refuses a series key that puts two volumes into one series: one line, exit 2, nothing created', async () => {
  await withSim({}, async (sim) => {
    const db = sim.addInstance('us-east-1', {
      name: 'db-1',
      tags: { B: '1' },
      volumes: [{ device: '/dev/xvda' }, { device: '/dev/sdf' }],
    });
    sim.addInstance('us-east-1', { name: 'web-1', tags: { B: '1' }, volumes: [{ device: '/dev/xvda' }] });
    for (const extra of [[], ['--dry-run'], ['--per-volume']]) {
      const r = await run<CreateJson>(sim, [
        'snapshot',
        'create',
        '--tags',
        'B=1',
        '--series-key',
        '{name}',
        ...extra,
      ]);
      assert.equal(r.code, 2, r.stderr);
      const [line, hint, ...rest] = r.stderr.trimEnd().split('\n');
      assert.match(line ?? '', /^cairn: the series key "\{name\}" puts/);
      for (const v of db.volumeIds) assert.ok(line?.includes(v ?? '?'), `${line ?? ''} names ${v ?? ''}`);
      assert.match(line ?? '', /into one series "db-1" in us-east-1; nothing was created in us-east-1$/);
      assert.match(hint ?? '', /^hint: .*one snapshot per run/);
      assert.deepEqual(rest, []);
      const rows = r.json.items.filter((i) => i.instanceId === db.instanceId);
      assert.deepEqual(
        rows.map((i) => [i.state, /^series collision: /.test(i.error ?? '')]),
        [
          ['failed', true],
          ['failed', true],
        ],
      );
    }
    assert.equal(sim.callsOf('CreateSnapshots').length + sim.callsOf('CreateSnapshot').length, 0);
    assert.equal(snapshotsOf(sim, 'us-east-1').length, 0);
  });
});

/** Managed snapshots of one series: one per [volume, run, days ago]. */
function seedSeries(
  sim: Ec2Sim,
  region: string,
  series: string,
  items: [volume: string, run: string | undefined, daysAgo: number][],
  extra: Record<string, string> = {},
): string[] {
  const now = sim.clock.now();
  return items.map(([volume, runId, days]) =>
    sim.addSnapshot(region, {
      volumeId: volume,
      startTime: now - days * DAY,
      tags: {
        'cairn:managed': 'true',
        'cairn:series': series,
        'cairn:volume': volume,
        ...(runId ? { 'cairn:run': runId } : {}),
        ...extra,
      },
    }),
  );
}

test('trim refuses to delete anything in a series where one run holds two snapshots; other series are trimmed; exit 8', async () => {
  await withSim({}, async (sim) => {
    const collided = seedSeries(sim, 'us-east-1', 'web-1', [
      ['vol-0aaaaaaaaaaaaaaaa', 'r1', 3],
      ['vol-0bbbbbbbbbbbbbbbb', 'r1', 3],
      ['vol-0aaaaaaaaaaaaaaaa', 'r2', 2],
      ['vol-0bbbbbbbbbbbbbbbb', 'r2', 2],
      ['vol-0aaaaaaaaaaaaaaaa', 'r3', 1],
    ]);
    // Made before runs were tagged: the same start time is the same run.
    const untagged = seedSeries(sim, 'us-east-1', 'db-1', [
      ['vol-0cccccccccccccccc', undefined, 2],
      ['vol-0dddddddddddddddd', undefined, 2],
      ['vol-0cccccccccccccccc', undefined, 1],
    ]);
    const fine = seedSeries(sim, 'us-east-1', 'app-1:/dev/xvda', [
      ['vol-0eeeeeeeeeeeeeeee', 'r1', 3],
      ['vol-0eeeeeeeeeeeeeeee', 'r2', 2],
      ['vol-0ffffffffffffffff', 'r3', 1],
    ]);
    const t = await run<TrimJson>(sim, ['snapshot', 'trim', '--keep-last', '1']);
    assert.equal(t.code, 8, t.stderr);
    assert.match(
      t.stderr,
      /^cairn: run .* holds snapshots of .* \(and 1 more series\): nothing in it was deleted$/m,
    );
    const web = t.json.rows.find((x) => x.series === 'web-1');
    assert.match(
      web?.reasons.join() ?? '',
      /run r1 holds snapshots of vol-0a+ \(snap-\w+\) and vol-0b+ \(snap-\w+\) in series "web-1" in us-east-1 \(and 1 more run\(s\)\)/,
    );
    const startOf = (id: string) => new Date(sim.state.region('us-east-1').snapshots.get(id)?.startTime ?? 0);
    assert.deepEqual(t.json.collisions.map((c) => [c.series, c.runs]).sort(), [
      ['db-1', [`started ${startOf(untagged[0] ?? '').toISOString()}`]],
      ['web-1', ['r1', 'r2']],
    ]);
    const left = new Set(snapshotsOf(sim, 'us-east-1').map((s) => s.id));
    for (const id of [...collided, ...untagged]) assert.ok(left.has(id), `${id} kept`);
    assert.deepEqual(
      fine.map((id) => left.has(id)),
      [false, false, true],
      'the other series is trimmed as usual (across a volume replacement)',
    );
    for (const row of t.json.rows.filter((x) => x.series === 'web-1'))
      assert.match(row.reasons.join(), /series collision: .*nothing in this series is deleted/);
  });
});

test('copy does not copy a collided series (exit 8), and trim in the destination refuses collided copies', async () => {
  await withSim({}, async (sim) => {
    seedSeries(sim, 'us-east-1', 'web-1', [
      ['vol-0aaaaaaaaaaaaaaaa', 'r1', 1],
      ['vol-0bbbbbbbbbbbbbbbb', 'r1', 1],
    ]);
    const [good] = seedSeries(sim, 'us-east-1', 'app-1', [['vol-0eeeeeeeeeeeeeeee', 'r1', 1]]);
    const r = await run<CopyJson>(sim, ['snapshot', 'copy', '--to-region', 'eu-west-1', '--wait']);
    assert.equal(r.code, 8, r.stderr);
    assert.match(r.stderr, /cairn: run r1 holds snapshots of .* in series "web-1" in us-east-1: not copied/);
    assert.deepEqual(
      r.json.collisions.map((c) => c.series),
      ['web-1'],
    );
    const copies = snapshotsOf(sim, 'eu-west-1');
    assert.deepEqual(
      copies.map((s) => [
        s.tags.get('cairn:series'),
        s.tags.get('cairn:source-snapshot'),
        s.tags.get('cairn:source-run'),
      ]),
      [['app-1', good, 'r1']],
      'only the good series is copied, and the copy keeps the run of its original',
    );

    // Copies made from a collided series (e.g. by an older version): one source run, two volumes.
    const now = sim.clock.now();
    const copy = (volume: string, sourceRun: string, days: number) =>
      sim.addSnapshot('eu-west-1', {
        startTime: now - days * DAY,
        tags: {
          'cairn:managed': 'true',
          'cairn:series': 'db-1',
          'cairn:volume': volume,
          'cairn:run': `copy-${days}`,
          'cairn:source-run': sourceRun,
          'cairn:source-region': 'us-east-1',
        },
      });
    const seeded = [
      copy('vol-0aaaaaaaaaaaaaaaa', 's1', 3),
      copy('vol-0bbbbbbbbbbbbbbbb', 's1', 2),
      copy('vol-0aaaaaaaaaaaaaaaa', 's2', 1),
    ];
    const t = await run<TrimJson>(sim, ['snapshot', 'trim', '--regions', 'eu-west-1', '--keep-last', '1']);
    assert.equal(t.code, 8, t.stderr);
    assert.match(
      t.stderr,
      /run s1 holds snapshots of vol-0a+ \(snap-\w+\) and vol-0b+ \(snap-\w+\) in series "db-1" in eu-west-1/,
    );
    const left = new Set(snapshotsOf(sim, 'eu-west-1').map((s) => s.id));
    for (const id of seeded) assert.ok(left.has(id), `${id} kept`);
  });
});

test('48 volumes with --copy-tags: every snapshot has its series tag; the dropped instance tags are named', async () => {
  await withSim({}, async (sim) => {
    const devices = Array.from({ length: 48 }, (_, i) => ({
      device: i === 0 ? '/dev/xvda' : `/dev/xvd${i}`,
    }));
    const big = sim.addInstance('us-east-1', {
      name: 'big-1',
      tags: { B: '1', Team: 'storage', CostCenter: 'cc-42' },
      volumes: devices,
    });
    const r = await run<CreateJson>(sim, [
      'snapshot',
      'create',
      '--instances',
      big.instanceId,
      '--copy-tags',
      '--wait',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.items.length, 48);
    assert.ok(
      r.json.items.every((i) => i.state === 'completed' && !i.error),
      JSON.stringify(r.json.items),
    );
    const snaps = snapshotsOf(sim, 'us-east-1');
    assert.equal(snaps.length, 48);
    for (const s of snaps) {
      const i = big.volumeIds.indexOf(s.volumeId);
      assert.equal(seriesOf(s), `big-1:${devices[i]?.device ?? '?'}`, `${s.id} of ${s.volumeId}`);
      assert.ok(s.tags.size <= 50);
      assert.equal(s.tags.get('cairn:instance'), big.instanceId);
      assert.ok(s.tags.get('cairn:run'));
    }
    assert.equal(sim.calls.filter((c) => c.errorCode === 'TagLimitExceeded').length, 0);
    assert.match(r.stderr, /instance tags not copied \(EC2 allows 50 tags per snapshot\): .*CostCenter/);
    for (const k of ['B', 'Team', 'Name']) assert.match(r.stderr, new RegExp(`not copied.*\\b${k}\\b`));
  });
});
