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
  const plan = planCopy(src, 'us-east-1', there, 'r1');
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
