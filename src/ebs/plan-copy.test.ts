import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planCopy } from './plan-copy.js';
import type { Ec2Snapshot } from './types.js';

const snap = (
  id: string,
  series: string,
  t: string,
  state = 'completed',
  tags: Record<string, string> = {},
): Ec2Snapshot => ({
  id,
  region: 'us-east-1',
  volumeId: 'vol-1',
  state,
  progress: undefined,
  startTime: new Date(t),
  description: '',
  sizeGiB: 8,
  encrypted: false,
  stateMessage: undefined,
  tags: {
    'cairn:managed': 'true',
    [`cairn:series:vol-1`]: series,
    'cairn:series:vol-2': 'other',
    'cairn:run': 'r0',
    Team: 'x',
    ...tags,
  },
});

test('the newest completed per series, to each destination without it, with tags resolved', () => {
  const src = [
    snap('s1', 'a', '2026-01-01'),
    snap('s2', 'a', '2026-01-02'),
    snap('s3', 'a', '2026-01-03', 'pending'),
    snap('s4', 'b', '2026-01-01', 'error'),
  ];
  const there = new Map([
    [
      'eu-west-1',
      [{ ...snap('c1', 'a', '2026-01-02'), region: 'eu-west-1', tags: { 'cairn:source-snapshot': 's2' } }],
    ],
    [
      'us-west-2',
      [
        {
          ...snap('c2', 'a', '2026-01-02', 'error'),
          region: 'us-west-2',
          tags: { 'cairn:source-snapshot': 's2' },
        },
      ],
    ],
  ]);
  const plan = planCopy(src, 'us-east-1', there, 'r1', new Date('2026-02-01'));
  assert.deepEqual(
    plan.copies.map((c) => [c.sourceId, c.dest]),
    [['s2', 'us-west-2']],
  );
  assert.deepEqual(
    plan.skipped.map((s) => s.reason),
    ['no completed snapshot in us-east-1 yet', 'already in eu-west-1 as c1 (completed)'],
  );
  const t = plan.copies[0]?.tags ?? {};
  assert.equal(t['cairn:series'], 'a');
  assert.equal(t['cairn:source-snapshot'], 's2');
  assert.equal(t.Team, 'x');
  assert.equal(t['cairn:run'], 'r1');
  assert.ok(!Object.keys(t).some((k) => k.startsWith('cairn:series:')));
});

test('a collided source series is not copied; copies keep the run of their original; tags within 50', () => {
  const src = [
    { ...snap('s1', 'web', '2026-01-01', 'completed', { 'cairn:run': 'r1' }), volumeId: 'vol-1' },
    { ...snap('s2', 'web', '2026-01-01T00:00:01Z', 'completed', { 'cairn:run': 'r1' }), volumeId: 'vol-2' },
  ];
  src[1]!.tags = { 'cairn:managed': 'true', 'cairn:series': 'web', 'cairn:run': 'r1' };
  const lots = Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`T${i}`, 'v']));
  const good = snap('g1', 'app', '2026-01-02', 'completed', { ...lots, 'cairn:protected': 'true' });
  const plan = planCopy(
    [...src, good],
    'us-east-1',
    new Map([['eu-west-1', []]]),
    'copy-run',
    new Date('2026-02-01'),
  );
  assert.deepEqual(
    plan.collisions.map((c) => c.series),
    ['web'],
  );
  assert.ok(
    plan.skipped.some((s) => s.series === 'web' && s.collision && /series collision: run r1/.test(s.reason)),
  );
  assert.deepEqual(
    plan.copies.map((c) => c.sourceId),
    ['g1'],
  );
  const [c] = plan.copies;
  assert.ok(c);
  assert.ok(Object.keys(c.tags).length <= 50, String(Object.keys(c.tags).length));
  assert.equal(c.tags['cairn:source-run'], 'r0');
  assert.equal(c.tags['cairn:run'], 'copy-run');
  assert.equal(c.tags['cairn:protected'], 'true', 'cairn tags are carried before user tags');
  assert.equal(c.tags['cairn:series'], 'app');
  assert.match(c.notes.join(), /^tags of g1 not copied \(EC2 allows 50 tags per snapshot\): /);
});

test('a snapshot dated in the future is never the newest of its series: the newest not after now is copied', () => {
  const now = new Date('2026-02-01T00:00:00Z');
  const src = [
    snap('s1', 'a', '2026-01-30'),
    snap('s2', 'a', '2026-01-31'),
    snap('f1', 'a', '2027-01-31'),
    snap('f2', 'b', '2027-01-31'),
    // Within the clocks' tolerance (a minute) counts as now.
    snap('n1', 'c', '2026-02-01T00:00:30Z'),
  ];
  const plan = planCopy(src, 'us-east-1', new Map([['eu-west-1', []]]), 'r1', now);
  assert.deepEqual(
    plan.copies.map((c) => c.sourceId),
    ['s2', 'n1'],
  );
  assert.deepEqual(
    plan.future.map((s) => s.id),
    ['f1', 'f2'],
  );
  assert.deepEqual(
    plan.skipped.map((s) => [s.series, s.reason]),
    [
      [
        'b',
        'no completed snapshot in us-east-1 not dated in the future (1 dated in the future: clock skew?)',
      ],
    ],
  );
});
