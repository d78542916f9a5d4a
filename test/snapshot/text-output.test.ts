import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cairn } from '../support/cli.js';
import type { Ec2Sim } from '../support/ec2sim/index.js';
import { run, simEnv, snapshotsOf, withSim } from './helpers.js';

const DAY = 86_400_000;

/** The command's human output: stdout without --json. */
async function text(sim: Ec2Sim, args: string[]): Promise<{ code: number | null; lines: string[] }> {
  const r = await cairn(args, { env: simEnv(sim), cwd: '/tmp' });
  assert.doesNotMatch(r.stdout, /^\s*[{[]/, 'not JSON');
  return { code: r.code, lines: r.stdout.trimEnd().split('\n') };
}

/** A table row: these cells in this order, separated by the table's spacing. */
const row = (...cells: string[]): RegExp =>
  new RegExp(`^${cells.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join(' {2,}')}$`);

/** Every line of a table starts each column where its header does. */
function assertAligned(lines: string[], header: string[]): void {
  const head = lines[0] ?? '';
  const starts = header.map((h) => head.indexOf(h));
  assert.ok(
    starts.every((s, i) => s >= 0 && (i === 0 || s > (starts[i - 1] ?? 0))),
    head,
  );
  for (const line of lines.slice(1))
    for (const s of starts.slice(1)) assert.match(line.slice(s - 2, s), /^ {2}$/, `column at ${s}: ${line}`);
}

test('create: the summary table lists every volume with its snapshot and state, or the error', async () => {
  await withSim({}, async (sim) => {
    const db = sim.addInstance('us-east-1', {
      name: 'db-1',
      volumes: [{ device: '/dev/xvda' }, { device: '/dev/sdf' }],
    });
    sim.failNextSnapshot(db.volumeIds[1] ?? '');
    const missing = 'i-0abc1234def567890';
    const r = await text(sim, [
      'snapshot',
      'create',
      '--instances',
      `${db.instanceId},${missing}`,
      '--wait',
      '--poll-interval',
      '20ms',
    ]);
    assert.equal(r.code, 3, r.lines.join('\n'));
    const header = ['REGION', 'INSTANCE', 'DEVICE', 'VOLUME', 'SERIES', 'SNAPSHOT', 'STATE'];
    assert.match(r.lines[0] ?? '', row(...header));
    const snap = (volumeId: string | undefined) =>
      snapshotsOf(sim, 'us-east-1').find((s) => s.volumeId === volumeId)?.id ?? '?';
    const [root, data] = db.volumeIds;
    assert.equal(r.lines.length, 5, r.lines.join('\n'));
    const table = r.lines.slice(0, 4);
    assertAligned(table, header);
    const body = table.slice(1);
    const expected = [
      row('us-east-1', db.instanceId, '/dev/xvda', root ?? '', 'db-1:/dev/xvda', snap(root), 'completed'),
      row(
        'us-east-1',
        db.instanceId,
        '/dev/sdf',
        data ?? '',
        'db-1:/dev/sdf',
        snap(data),
        'error: snapshot ended in error: Snapshot creation failed',
      ),
      row('us-east-1', missing, '-', '-', '-', '-', 'failed: not found in us-east-1'),
    ];
    for (const re of expected)
      assert.equal(body.filter((l) => re.test(l)).length, 1, `${String(re)}\n${r.lines.join('\n')}`);
    assert.match(r.lines[4] ?? '', /^1 completed, 1 error, 1 failed \(run \d{8}T\d{6}-[0-9a-f]{8}\)$/);
  });
});

test('trim --dry-run: every snapshot with keep or remove and its reasons, and what it would do', async () => {
  await withSim({}, async (sim) => {
    const now = sim.clock.now();
    const tags = (extra: Record<string, string> = {}) => ({
      'cairn:managed': 'true',
      'cairn:series': 'db:/dev/xvda',
      ...extra,
    });
    for (let n = 1; n <= 6; n++) sim.addSnapshot('us-east-1', { startTime: now - n * DAY, tags: tags() });
    sim.addSnapshot('us-east-1', { startTime: now - 7.5 * DAY, tags: tags({ 'cairn:protected': 'true' }) });
    sim.addSnapshot('us-east-1', { startTime: now - 2.5 * DAY, state: 'error', tags: tags() });
    const ami = sim.addSnapshot('us-east-1', { startTime: now - 8.5 * DAY, tags: tags() });
    sim.addImage('us-east-1', { snapshotIds: [ami] });
    sim.addSnapshot('us-east-1', {
      startTime: now - 3 * DAY,
      tags: { 'cairn:managed': 'true', 'cairn:series': 'web:/dev/xvda' },
    });

    const args = ['snapshot', 'trim', '--keep-daily', '3', '--dry-run'];
    const plan = await run<{
      rows: {
        region: string;
        series: string;
        snapshotId: string;
        time: string;
        action: string;
        reasons: string[];
      }[];
    }>(sim, args);
    assert.equal(plan.code, 0, plan.stderr);
    assert.equal(plan.json.rows.length, 10);
    const r = await text(sim, args);
    assert.equal(r.code, 0, r.lines.join('\n'));
    const header = ['REGION', 'SERIES', 'SNAPSHOT', 'STARTED', 'ACTION', 'REASON'];
    assert.match(r.lines[0] ?? '', row(...header));
    assertAligned(r.lines.slice(0, -1), header);
    assert.equal(r.lines.length, plan.json.rows.length + 2);
    for (const x of plan.json.rows) {
      const started = x.time.slice(0, 16).replace('T', ' ');
      const re = row(x.region, x.series, x.snapshotId, started, x.action, x.reasons.join('; '));
      assert.equal(r.lines.filter((l) => re.test(l)).length, 1, `${String(re)}\n${r.lines.join('\n')}`);
    }
    const shown = r.lines.join('\n');
    for (const reason of [
      /newest completed snapshot of its series/,
      /daily 2\/3/,
      /protected/,
      /used by ami-/,
      /ended in error/,
      /not kept by policy/,
    ])
      assert.match(shown, reason);
    const removed = plan.json.rows.filter((x) => x.action === 'remove').length;
    assert.ok(removed > 0);
    assert.equal(
      r.lines.at(-1),
      `dry run: would delete ${removed}, kept ${plan.json.rows.length - removed} (policy: daily 3)`,
    );
    assert.equal(sim.callsOf('DeleteSnapshot').length, 0);
  });
});

test('list: one row per series with its newest snapshot, age, counts and freshness', async () => {
  // Simulated time runs as the wall clock does, so that ages read as they would against EC2.
  await withSim({ clockSpeed: 1 }, async (sim) => {
    const now = Date.now();
    const managed = (series: string) => ({ 'cairn:managed': 'true', 'cairn:series': series });
    for (const days of [1, 2, 3])
      sim.addSnapshot('us-east-1', { startTime: now - days * DAY, tags: managed('a') });
    sim.addSnapshot('us-east-1', { state: 'error', startTime: now - 0.5 * DAY, tags: managed('a') });
    sim.addSnapshot('us-east-1', { startTime: now - 5 * DAY, tags: managed('b') });
    sim.addSnapshot('us-east-1', { state: 'pending', durationMs: 3_600_000, tags: managed('c') });
    const r = await text(sim, ['snapshot', 'list', '--stale-after', '2d']);
    assert.equal(r.code, 3, 'a stale series makes list exit 3');
    const header = ['REGION', 'SERIES', 'NEWEST', 'AGE', 'COUNT', 'DONE/PENDING/ERROR', 'FRESHNESS'];
    assert.match(r.lines[0] ?? '', row(...header));
    assertAligned(r.lines, header);
    const at = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
    assert.equal(r.lines.length, 4, r.lines.join('\n'));
    assert.match(r.lines[1] ?? '', row('us-east-1', 'a', at(now - DAY), '24h', '4', '3/0/1', 'fresh'));
    assert.match(r.lines[2] ?? '', row('us-east-1', 'b', at(now - 5 * DAY), '5d', '1', '1/0/0', 'STALE'));
    assert.match(r.lines[3] ?? '', row('us-east-1', 'c', '-', '-', '1', '0/1/0', 'STALE'));

    const fresh = await text(sim, ['snapshot', 'list', '--stale-after', '2d', '--series', 'a']);
    assert.equal(fresh.code, 0, fresh.lines.join('\n'));
    const none = await text(sim, ['snapshot', 'list', '--series', 'nothing']);
    assert.deepEqual(none.lines, ['no snapshots in us-east-1']);
  });
});
