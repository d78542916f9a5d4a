import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planRetention, policyFromFlags, isEmptyPolicy } from './retention.js';
import { makeItems } from '../../test/support/fixtures.js';
import { CairnError } from './errors.js';

const items = makeItems({ every: '6h', for: '90d', until: '2026-11-25T00:00:00Z' });
const now = new Date('2026-11-25T06:00:00Z');
const ids = (xs: { item: { id: string } }[]): string[] => xs.map((x) => x.item.id);

test('keep-last keeps the N newest', () => {
  const plan = planRetention(items, { last: 3 }, { now });
  assert.deepEqual(ids(plan.keep), [
    '2026-11-25T00:00:00.000Z',
    '2026-11-24T18:00:00.000Z',
    '2026-11-24T12:00:00.000Z',
  ]);
  assert.equal(plan.remove.length, items.length - 3);
  assert.deepEqual(plan.keep[0]?.reasons, ['last 1/3']);
});

test('keep-daily keeps the newest of each of the last N days', () => {
  const plan = planRetention(items, { daily: 4 }, { now });
  assert.deepEqual(ids(plan.keep), [
    '2026-11-25T00:00:00.000Z',
    '2026-11-24T18:00:00.000Z',
    '2026-11-23T18:00:00.000Z',
    '2026-11-22T18:00:00.000Z',
  ]);
  assert.deepEqual(plan.keep[1]?.reasons, ['newest of 2026-11-24 (daily 2/4)']);
});

test('weekly uses ISO weeks in UTC', () => {
  const plan = planRetention(items, { weekly: 2 }, { now });
  // 2026-11-25 is a Wednesday in ISO week 48; the newest of week 47 is Sunday 2026-11-22 18:00.
  assert.deepEqual(ids(plan.keep), ['2026-11-25T00:00:00.000Z', '2026-11-22T18:00:00.000Z']);
  assert.match(plan.keep[1]?.reasons[0] ?? '', /newest of 2026-W47 \(weekly 2\/2\)/);
});

test('a period count that is not used up keeps the oldest item too (as restic does)', () => {
  const few = makeItems({ every: '1d', for: '2d', until: '2026-11-25T00:00:00Z' });
  const plan = planRetention(few, { monthly: 5 }, { now });
  assert.deepEqual(ids(plan.keep), ['2026-11-25T00:00:00.000Z', '2026-11-23T00:00:00.000Z']);
  assert.match(plan.keep[1]?.reasons[0] ?? '', /^oldest of 2026-11 \(monthly 2\/5\)/);
});

test('keep-within is relative to the newest item, not to now', () => {
  const plan = planRetention(items, policyFromFlags({ keepWithin: '1d' }), { now });
  assert.equal(plan.keep.length, 4); // 24h after 11-24T00:00 exclusive: 06,12,18,00
  assert.ok(plan.keep.every((k) => k.reasons.includes('within 1d of the newest')));
});

test('combined policy: every kept item lists all its reasons, nothing kept twice', () => {
  const plan = planRetention(items, { last: 2, daily: 7, weekly: 4, monthly: 12 }, { now });
  const keepIds = ids(plan.keep);
  assert.equal(new Set(keepIds).size, keepIds.length);
  assert.equal(plan.keep.length + plan.remove.length, items.length);
  assert.deepEqual(plan.keep[0]?.reasons, [
    'last 1/2',
    'newest of 2026-11-25 (daily 1/7)',
    'newest of 2026-W48 (weekly 1/4)',
    'newest of 2026-11 (monthly 1/12)',
  ]);
  for (const r of plan.remove) assert.match(r.reason, /not kept by policy/);
});

test('-1 keeps every period, and the oldest item since the count is never used up', () => {
  const plan = planRetention(items, { daily: -1 }, { now });
  // 91 calendar days from 2026-08-27 to 2026-11-25, plus 2026-08-27T00:00 as the oldest.
  assert.equal(plan.keep.length, 92);
  assert.match(plan.keep.at(-1)?.reasons[0] ?? '', /^oldest of 2026-08-27 \(daily\)$/);
});

test('pin keeps an item whatever the policy says', () => {
  const first = items[0];
  assert.ok(first);
  const plan = planRetention(
    items,
    { last: 1 },
    { now, pin: (i) => (i.id === first.id ? 'protected' : undefined) },
  );
  assert.ok(plan.keep.some((k) => k.item.id === first.id && k.reasons.includes('protected')));
});

test('an empty policy keeps everything and says why', () => {
  assert.ok(isEmptyPolicy({}));
  const plan = planRetention(items.slice(0, 3), {}, { now });
  assert.equal(plan.remove.length, 0);
  assert.deepEqual(plan.keep[0]?.reasons, ['no retention policy given']);
});

test('bad flag values are usage errors', () => {
  assert.throws(
    () => policyFromFlags({ keepDaily: 'seven' }),
    (e: unknown) => e instanceof CairnError && e.code === 'USAGE',
  );
  assert.throws(() => policyFromFlags({ keepWithin: '3 weeks' }), CairnError);
});

test('planning 100,000 items is fast enough to be planned inline', () => {
  const many = makeItems({ every: '5m', for: '347d', until: '2026-11-25T00:00:00Z' });
  assert.ok(many.length > 99_000);
  const plan = planRetention(many, { hourly: 48, daily: 30, weekly: 8, monthly: 12 }, { now });
  assert.equal(plan.keep.length + plan.remove.length, many.length);
});
