import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fleet } from '../support/ec2sim/index.js';
import { run, snapshotsOf, withSim } from './helpers.js';
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
    sim.addSnapshot('us-east-1', { tags: { 'cairn:managed': 'true', 'cairn:series': 'x' } });
    sim.injectFault({ action: 'CopySnapshot', code: 'InvalidParameterValue', message: 'KMS key not usable' });
    const bad = await run<CopyJson>(sim, ['snapshot', 'copy', '--to-region', 'eu-west-1']);
    assert.equal(bad.code, 3);
    assert.equal(bad.json.rows.find((x) => x.series === 'x')?.state, 'failed');
  });
});
