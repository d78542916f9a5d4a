// SIGINT/SIGTERM during `snapshot trim` and `snapshot list`, through the real CLI against the EC2
// simulator with latency: trim starts no new deletion after the signal, exits 130 and says what it
// deleted; list exits 130 with one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, finished, spawnCairn } from '../support/cli.js';
import { ok, simEnv, snapshotsOf, withSim } from './helpers.js';

const DAY = 86_400_000;

interface TrimJson {
  deleted: number;
  kept: number;
  outcome: { status: string; reasons: string[] };
  rows: { snapshotId: string; action: string; reasons: string[] }[];
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`snapshot trim: ${signal} after the first deletion starts no new one, exit 130, the summary says what was deleted`, async () => {
    // Each call takes 300 ms; 129 deletions are more than EC2's burst of 100, so the rest wait
    // for tokens (5 per second) when the signal arrives.
    await withSim({ clockSpeed: 1, latencyMs: 300 }, async (sim) => {
      const now = Date.now();
      const ids = Array.from({ length: 130 }, (_, i) =>
        sim.addSnapshot('us-east-1', {
          startTime: now - (i + 1) * DAY,
          tags: { 'cairn:managed': 'true', 'cairn:series': 'db-1:/dev/xvda' },
        }),
      );
      const [newest] = ids;
      const child = spawnCairn(['--json', 'snapshot', 'trim', '--keep-last', '1'], {
        env: simEnv(sim),
        cwd: '/tmp',
      });
      const done = finished(child);
      try {
        await eventually(
          () => Promise.resolve(ok(sim.callsOf('DeleteSnapshot')).length > 0),
          30_000,
          'the first DeleteSnapshot',
        );
        child.kill(signal);
        const r = await done;
        assert.equal(r.code, 130, `${r.signal ?? ''} ${r.stderr}`);
        const left = new Set(snapshotsOf(sim, 'us-east-1').map((s) => s.id));
        assert.ok(newest && left.has(newest), 'the newest is still there');
        const deleted = ok(sim.callsOf('DeleteSnapshot')).length;
        assert.ok(deleted < 129, `fewer deleted than planned: ${deleted}`);
        assert.equal(left.size, 130 - deleted);
        const json = JSON.parse(r.stdout) as TrimJson;
        assert.equal(json.outcome.status, 'interrupted');
        assert.equal(json.deleted, deleted, 'the summary counts what was deleted');
        const notDeleted = json.rows.filter(
          (x) => x.action === 'keep' && /interrupted/.test(x.reasons.join()),
        );
        assert.equal(notDeleted.length, 129 - deleted);
        assert.match(r.stderr, new RegExp(`cairn: interrupted: deleted ${deleted} of 129 snapshot\\(s\\)`));
        assert.doesNotMatch(r.stderr, /AbortError|at .*\.js:\d+/);
      } finally {
        child.kill('SIGKILL');
        await done;
      }
    });
  });
}

test('snapshot list: SIGINT while it lists exits 130 with one line', async () => {
  await withSim({ regions: ['us-east-1', 'eu-west-1'], latencyMs: 2_000 }, async (sim) => {
    sim.addSnapshot('us-east-1', { tags: { 'cairn:managed': 'true', 'cairn:series': 'a' } });
    const child = spawnCairn(['snapshot', 'list', '--regions', 'all'], { env: simEnv(sim), cwd: '/tmp' });
    const done = finished(child);
    try {
      await eventually(
        () => Promise.resolve(ok(sim.callsOf('DescribeRegions')).length > 0),
        30_000,
        'the DescribeRegions call',
      );
      child.kill('SIGINT');
      const r = await done;
      assert.equal(r.code, 130, `${r.signal ?? ''} ${r.stderr}`);
      assert.match(r.stderr, /^cairn: interrupted/m);
      assert.doesNotMatch(r.stderr, /AbortError|at .*\.js:\d+/);
    } finally {
      child.kill('SIGKILL');
      await done;
    }
  });
});
