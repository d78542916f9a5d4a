// A snapshot dated in the future (a bad record, a wrong clock) in the EC2 simulator, through the
// real CLI: `snapshot copy` copies the newest snapshot of the series not dated in the future, and
// warns about the future one as trim does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, withSim } from './helpers.js';

const DAY = 86_400_000;

interface CopyJson {
  rows: { series: string; sourceId?: string; dest?: string; state: string; reason?: string }[];
  warnings: string[];
}

test('snapshot copy copies the newest snapshot not dated in the future, and warns about the future one', async () => {
  // Simulated time runs as the wall clock does: the CLI's "now" is the simulator's.
  await withSim({ clockSpeed: 1 }, async (sim) => {
    const now = Date.now();
    const tags = { 'cairn:managed': 'true', 'cairn:series': 'db:/dev/xvda' };
    const at = (days: number) => sim.addSnapshot('us-east-1', { startTime: now + days * DAY, tags });
    at(-2);
    const real = at(-1);
    const skewed = at(365);

    const dry = await run<CopyJson>(sim, ['snapshot', 'copy', '--to-region', 'eu-west-1', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(
      dry.json.rows.map((r) => [r.sourceId, r.state]),
      [[real, 'planned']],
    );
    assert.equal(dry.json.warnings.length, 1, JSON.stringify(dry.json));
    assert.match(dry.json.warnings[0] ?? '', /^1 snapshot is dated in the future/);
    assert.match(dry.stderr, /retention\.clock-skew|1 snapshot is dated in the future/);

    const r = await run<CopyJson>(sim, ['snapshot', 'copy', '--to-region', 'eu-west-1', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    const copies = [...sim.state.region('eu-west-1').snapshots.values()];
    assert.deepEqual(
      copies.map((s) => s.tags.get('cairn:source-snapshot')),
      [real],
    );
    assert.ok(!copies.some((s) => s.tags.get('cairn:source-snapshot') === skewed));
  });
});
