import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeSeries } from './list.js';
import type { Ec2Snapshot } from './types.js';

const HOUR = 3_600_000;
const now = new Date('2026-06-01T12:00:00Z');
const snap = (id: string, series: string, hoursAgo: number): Ec2Snapshot => ({
  id,
  region: 'us-east-1',
  volumeId: 'vol-1',
  state: 'completed',
  progress: undefined,
  startTime: new Date(now.getTime() - hoursAgo * HOUR),
  description: '',
  sizeGiB: 8,
  encrypted: false,
  stateMessage: undefined,
  tags: { 'cairn:managed': 'true', 'cairn:series': series },
});

test('freshness ignores snapshots dated in the future: a series kept fresh only by one is stale', () => {
  const rows = summarizeSeries(
    [
      snap('old', 'a', 30),
      snap('ahead', 'a', -24 * 365),
      snap('only-ahead', 'b', -2),
      snap('fresh', 'c', 1),
      // Within the clocks' tolerance (a minute): counts as now.
      snap('near', 'd', -0.5 / 60),
    ],
    now,
    26 * HOUR,
  );
  const by = new Map(rows.map((r) => [r.series, r]));
  assert.deepEqual(
    [by.get('a')?.newestId, by.get('a')?.future, by.get('a')?.stale, by.get('a')?.ageMs],
    ['old', 1, true, 30 * HOUR],
  );
  assert.deepEqual([by.get('b')?.newestId, by.get('b')?.future, by.get('b')?.stale], [undefined, 1, true]);
  assert.deepEqual([by.get('c')?.newestId, by.get('c')?.stale], ['fresh', false]);
  assert.deepEqual([by.get('d')?.newestId, by.get('d')?.ageMs, by.get('d')?.stale], ['near', 0, false]);
});
