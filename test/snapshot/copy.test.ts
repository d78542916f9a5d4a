import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cairn } from '../support/cli.js';
import { fleet } from '../support/ec2sim/index.js';
import { ERROR_TOPIC, run, simEnv, snapshotsOf, TOPIC, withSim } from './helpers.js';
import type { CreateJson } from './helpers.js';

interface CopyJson {
  rows: { series: string; sourceId: string; dest: string; copyId?: string; state: string; reason?: string }[];
}

test('copy: newest completed of each series, tags carried, at most 20 in flight, existing skipped, trim in the destination', async () => {
  await withSim({ copyDurationMs: 5000 }, async (sim) => {
    fleet(sim, {
      regions: ['us-east-1'],
      instances: 25,
      volumesPerInstance: 1,
      tags: { B: '1', Team: 'core' },
    });
    // The simulator's fast clock starts two hours behind the CLI's: what create makes is in the
    // CLI's past, so copy takes it as the newest (it never copies a snapshot dated in the future).
    sim.advance(-2 * 3_600_000);
    for (let i = 0; i < 2; i++) {
      const c = await run<CreateJson>(sim, ['snapshot', 'create', '--tags', 'B=1', '--copy-tags', '--wait']);
      assert.equal(c.code, 0, c.stderr);
    }
    const newest = new Set(
      (await run<CreateJson>(sim, ['snapshot', 'create', '--tags', 'B=1', '--wait'])).json.items.map(
        (i) => i.snapshotId,
      ),
    );
    const r = await run<CopyJson>(sim, ['snapshot', 'copy', '--to-region', 'eu-west-1', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.rows.length, 25);
    assert.ok(r.json.rows.every((x) => x.state === 'completed' && newest.has(x.sourceId)));
    assert.equal(
      sim.calls.filter((c) => c.errorCode === 'ResourceLimitExceeded').length,
      0,
      'never more than 20 in flight',
    );
    const copies = snapshotsOf(sim, 'eu-west-1');
    assert.equal(copies.length, 25);
    for (const s of copies) {
      assert.equal(s.volumeId, 'vol-ffffffff');
      assert.match(s.tags.get('cairn:series') ?? '', /^fleet-\d+:\/dev\/xvda$/);
      assert.equal(s.tags.get('cairn:source-region'), 'us-east-1');
      assert.ok(newest.has(s.tags.get('cairn:source-snapshot')));
      assert.match(s.tags.get('cairn:volume') ?? '', /^vol-/);
      assert.ok(![...s.tags.keys()].some((k) => k.startsWith('cairn:series:')));
    }

    sim.clearRecords();
    const again = await run<CopyJson>(sim, ['snapshot', 'copy', '--to-region', 'eu-west-1']);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(
      again.json.rows.every((x) => x.state === 'skipped' && /already in eu-west-1/.test(x.reason ?? '')),
    );
    assert.equal(sim.callsOf('CopySnapshot').length, 0);

    const t = await run<{ deleted: number; kept: number }>(sim, [
      'snapshot',
      'trim',
      '--regions',
      'eu-west-1',
      '--keep-last',
      '1',
    ]);
    assert.equal(t.code, 0, t.stderr);
    assert.deepEqual([t.json.deleted, t.json.kept], [0, 25]);
    const dry = await run<CopyJson>(sim, [
      'snapshot',
      'copy',
      '--to-region',
      'us-west-2',
      '--dry-run',
      '--series',
      'fleet-1:*',
    ]);
    assert.deepEqual(
      dry.json.rows.map((x) => [x.series, x.state]),
      [['fleet-1:/dev/xvda', 'planned']],
    );
    assert.equal(sim.callsOf('CopySnapshot').length, 0);
  });
});

test('copy skips series without a completed snapshot and reports a failed copy', async () => {
  await withSim({ snapshotDurationMs: 3_600_000 }, async (sim) => {
    fleet(sim, { regions: ['us-east-1'], instances: 1, volumesPerInstance: 1, tags: { B: '1' } });
    await run(sim, ['snapshot', 'create', '--tags', 'B=1']);
    const r = await run<CopyJson>(sim, ['snapshot', 'copy', '--to-region', 'eu-west-1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.json.rows[0]?.reason ?? '', /no completed snapshot/);
    // Dated by the CLI's clock: the simulator's fast clock is ahead of it by now.
    sim.addSnapshot('us-east-1', {
      startTime: Date.now() - 60_000,
      tags: { 'cairn:managed': 'true', 'cairn:series': 'x' },
    });
    sim.injectFault({ action: 'CopySnapshot', code: 'InvalidParameterValue', message: 'KMS key not usable' });
    const bad = await run<CopyJson>(sim, ['snapshot', 'copy', '--to-region', 'eu-west-1']);
    assert.equal(bad.code, 3);
    assert.equal(bad.json.rows.find((x) => x.series === 'x')?.state, 'failed');
  });
});

test('copy --from-region, --tags and --kms-key: only the tagged series, encrypted with the key, a summary to --notify', async () => {
  await withSim({}, async (sim) => {
    fleet(sim, {
      regions: ['eu-west-1'],
      instances: 4,
      volumesPerInstance: 1,
      tags: (i) => ({ B: '1', Team: i % 2 ? 'a' : 'b' }),
    });
    // In the CLI's past (see above).
    sim.advance(-2 * 3_600_000);
    const c = await run<CreateJson>(sim, [
      'snapshot',
      'create',
      '--tags',
      'B=1',
      '--regions',
      'eu-west-1',
      '--copy-tags',
      '--wait',
    ]);
    assert.equal(c.code, 0, c.stderr);
    const teamA = new Set(
      snapshotsOf(sim, 'eu-west-1')
        .filter((s) => s.tags.get('Team') === 'a')
        .map((s) => s.id),
    );
    assert.equal(teamA.size, 2);
    const kms = 'arn:aws:kms:us-west-2:123456789012:alias/backups';
    const r = await run<CopyJson>(sim, [
      'snapshot',
      'copy',
      '--from-region',
      'eu-west-1',
      '--to-region',
      'us-west-2',
      '--tags',
      'Team=a',
      '--kms-key',
      kms,
      '--wait',
      '--notify',
      `sns:${TOPIC}`,
      '--notify-error',
      `sns:${ERROR_TOPIC}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.json.rows.map((x) => x.series).sort(),
      ['fleet-1:/dev/xvda', 'fleet-3:/dev/xvda'],
      '--tags selects the sources',
    );
    assert.ok(r.json.rows.every((x) => x.state === 'completed' && teamA.has(x.sourceId)));
    const calls = sim.callsOf('CopySnapshot');
    assert.equal(calls.length, 2);
    for (const call of calls) {
      assert.equal(call.region, 'us-west-2');
      assert.equal(call.params.SourceRegion, 'eu-west-1');
      assert.equal(call.params.KmsKeyId, kms);
      assert.equal(call.params.Encrypted, 'true');
    }
    assert.equal(sim.callsOf('DescribeSnapshots').filter((x) => x.region === 'us-east-1').length, 0);
    const copies = snapshotsOf(sim, 'us-west-2');
    assert.equal(copies.length, 2);
    for (const s of copies) {
      assert.equal(s.encrypted, true);
      assert.equal(s.kmsKeyId, kms);
      assert.equal(s.tags.get('cairn:source-region'), 'eu-west-1');
      assert.equal(s.tags.get('Team'), 'a');
    }
    assert.equal(sim.published.length, 1);
    const [note] = sim.published;
    assert.equal(note?.topicArn, TOPIC);
    assert.match(note?.subject ?? '', /^cairn snapshot copy eu-west-1 → us-west-2: 2 copied$/);
    for (const row of r.json.rows)
      assert.ok(
        note?.message.includes(`${row.series}: ${row.sourceId} → us-west-2 ${row.copyId ?? ''} (completed)`),
        note?.message,
      );
  });
});

test('copy with a failure: exit 3, the failures published to --notify-error', async () => {
  await withSim({}, async (sim) => {
    const a = sim.addSnapshot('us-east-1', { tags: { 'cairn:managed': 'true', 'cairn:series': 'a' } });
    const b = sim.addSnapshot('us-east-1', { tags: { 'cairn:managed': 'true', 'cairn:series': 'b' } });
    sim.injectFault({ action: 'CopySnapshot', code: 'InvalidParameterValue', message: 'KMS key not usable' });
    const r = await run<CopyJson>(sim, [
      'snapshot',
      'copy',
      '--to-region',
      'eu-west-1',
      '--notify',
      TOPIC,
      '--notify-error',
      ERROR_TOPIC,
    ]);
    assert.equal(r.code, 3, r.stderr);
    const failed = r.json.rows.filter((x) => x.state === 'failed');
    assert.equal(failed.length, 1);
    assert.equal(r.json.rows.filter((x) => x.state === 'pending').length, 1);
    assert.equal(sim.published.length, 1);
    const [note] = sim.published;
    assert.equal(note?.topicArn, ERROR_TOPIC);
    assert.match(note?.subject ?? '', /1 copied, 1 FAILED/);
    const bad = failed[0];
    assert.ok(bad && [a, b].includes(bad.sourceId));
    assert.ok(note?.message.includes(`FAILED ${bad.series} ${bad.sourceId} → eu-west-1: `), note?.message);
    assert.match(note?.message ?? '', /KMS key not usable/);
  });
});

test('a bad --from-region or --to-region is a usage error: one line, a hint, exit 2, no API call', async () => {
  await withSim({}, async (sim) => {
    const cases: [string[], RegExp][] = [
      [
        ['--from-region', 'bogus', '--to-region', 'eu-west-1'],
        /^cairn: --from-region: "bogus" is not a region name, e\.g\. us-east-1\nhint: .*\n$/,
      ],
      [
        ['--to-region', 'moon'],
        /^cairn: --to-region \(or snapshot\.copyTo\): "moon" is not a region name, e\.g\. us-east-1\nhint: e\.g\. cairn snapshot copy --to-region eu-west-1/,
      ],
      [['--to-region', 'us-east-1'], /^cairn: copy needs a destination region other than the source\nhint: /],
    ];
    for (const [args, msg] of cases) {
      const r = await cairn(['snapshot', 'copy', ...args], { env: simEnv(sim), cwd: '/tmp' });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
    }
    assert.equal(sim.calls.length, 0);
  });
});
