// A snapshot dated in the future (one bad record) in the EC2 simulator, through the real CLI:
// `snapshot trim --keep-within` keeps the real snapshots, keeps the future one and warns about it;
// `snapshot list` counts it as "in the future", never as a negative age.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cairn } from '../support/cli.js';
import { run, simEnv, snapshotsOf, withSim } from './helpers.js';

const DAY = 86_400_000;
const FUTURE = 'dated in the future (clock skew?)';

interface TrimJson {
  deleted: number;
  kept: number;
  rows: { snapshotId: string; action: string; reasons: string[] }[];
  warnings: string[];
}

interface ListJson {
  series: { series: string; newestId?: string; ageMs?: number; future: number; stale: boolean }[];
  warnings: string[];
}

test('snapshot trim --keep-within 30d keeps the real snapshots next to one dated next year, and warns; list says "in the future"', async () => {
  // Simulated time runs as the wall clock does: the CLI's "now" is the simulator's.
  await withSim({ clockSpeed: 1 }, async (sim) => {
    const now = Date.now();
    const tags = { 'cairn:managed': 'true', 'cairn:series': 'db:/dev/xvda' };
    const at = (days: number) => sim.addSnapshot('us-east-1', { startTime: now + days * DAY, tags });
    const real = [-0.5, -1, -2, -5, -20].map(at);
    const old = at(-60);
    const skewed = at(365);

    const dry = await run<TrimJson>(sim, ['snapshot', 'trim', '--keep-within', '30d', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    const removed = dry.json.rows.filter((r) => r.action === 'remove').map((r) => r.snapshotId);
    assert.deepEqual(removed, [old]);
    const reasons = (id: string) => dry.json.rows.find((r) => r.snapshotId === id)?.reasons;
    assert.deepEqual(reasons(skewed), [FUTURE]);
    assert.deepEqual(reasons(real[0] ?? ''), [
      'newest completed snapshot of its series',
      'within 30d of the newest',
    ]);
    for (const id of real.slice(1)) assert.deepEqual(reasons(id), ['within 30d of the newest'], id);
    assert.equal(dry.json.warnings.length, 1);
    assert.match(dry.json.warnings[0] ?? '', /^1 snapshot is dated in the future/);
    assert.match(dry.stderr, /retention\.clock-skew/);

    const r = await cairn(['snapshot', 'trim', '--keep-within', '30d'], { env: simEnv(sim), cwd: '/tmp' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`${skewed}\\s+\\S+ \\S+\\s+keep\\s+dated in the future \\(clock skew\\?\\)`),
    );
    assert.match(r.stdout, /^deleted 1, kept 6 /m);
    assert.match(r.stderr, /1 snapshot is dated in the future/);
    assert.deepEqual(
      snapshotsOf(sim, 'us-east-1')
        .map((s) => s.id)
        .sort(),
      [...real, skewed].sort(),
    );

    const list = await run<ListJson>(sim, ['snapshot', 'list']);
    assert.equal(list.code, 0, list.stderr);
    const db = list.json.series.find((s) => s.series === 'db:/dev/xvda');
    assert.equal(db?.newestId, real[0]);
    assert.equal(db?.future, 1);
    assert.ok((db?.ageMs ?? -1) >= 0.5 * DAY, String(db?.ageMs));
    assert.equal(list.json.warnings.length, 1);
    const text = await cairn(['snapshot', 'list'], { env: simEnv(sim), cwd: '/tmp' });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /db:\/dev\/xvda\s+\S+ \S+\s+12h, 1 in the future\s+6\s+6\/0\/0\s+fresh/);
    assert.doesNotMatch(text.stdout, /\s-\d+[smhd]\b/, 'no negative age');
  });
});
