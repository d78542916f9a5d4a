import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planTrim } from './plan-trim.js';
import type { TrimCandidate } from './plan-trim.js';
import { makeItems } from '../../test/support/fixtures.js';

const now = new Date('2026-11-25T00:00:00Z');
const series = (name: string, o: { every: string; for: string }, region = 'us-east-1'): TrimCandidate[] =>
  makeItems({ ...o, until: now }).map((i) => ({
    id: `${name}@${i.id}`,
    time: i.time,
    region,
    series: name,
    state: 'completed',
    protected: false,
    image: undefined,
  }));

test('GFS per series and region, each decision with its reason', () => {
  const snaps = [
    ...series('db:/dev/xvda', { every: '1d', for: '60d' }),
    ...series('db:/dev/xvda', { every: '1d', for: '3d' }, 'eu-west-1'),
  ];
  const plan = planTrim(snaps, { daily: 7, weekly: 4 }, now);
  const kept = plan.keep.filter((k) => k.item.region === 'us-east-1');
  assert.equal(kept.length, 7 + 2); // 7 days, and the newest of 2 more ISO weeks (W47's is one of the 7 days)
  assert.deepEqual(kept[0]?.reasons, [
    'newest completed snapshot of its series',
    'newest of 2026-11-25 (daily 1/7)',
    'newest of 2026-W48 (weekly 1/4)',
  ]);
  assert.ok(plan.remove.every((r) => /not kept by policy \(daily 7, weekly 4\); \d+d old/.test(r.reason)));
  assert.equal(plan.keep.filter((k) => k.item.region === 'eu-west-1').length, 4, 'regions are planned apart');
});

test('never the newest completed, a protected one, one an AMI uses, one pending; error ones go', () => {
  const s = series('a', { every: '1d', for: '5d' });
  const [newest, , third, fourth, fifth, oldest] = [...s].reverse();
  assert.ok(newest && third && fourth && fifth && oldest);
  fourth.protected = true;
  fifth.image = 'ami-0123';
  newest.state = 'error';
  const pending = { ...third, id: 'p', state: 'pending', time: new Date(now.getTime() + 1) };
  const plan = planTrim([...s, pending], { last: 1 }, now);
  const why = (id: string) => plan.keep.find((k) => k.item.id === id)?.reasons.join('; ');
  assert.match(why(s[4]?.id ?? '') ?? '', /newest completed snapshot of its series; last 1\/1/);
  assert.equal(why(fourth.id), 'protected');
  assert.equal(why(fifth.id), 'used by ami-0123');
  assert.equal(why('p'), 'still pending');
  assert.match(plan.remove.find((r) => r.item.id === newest.id)?.reason ?? '', /ended in error/);
  assert.deepEqual(plan.remove.map((r) => r.item.id).sort(), [newest.id, third.id, oldest.id].sort());
});

test('max deletions: the oldest go, the rest are deferred with the reason they would go', () => {
  const plan = planTrim(series('a', { every: '1d', for: '9d' }), { last: 2 }, now, { maxDeletions: 3 });
  assert.equal(plan.remove.length, 3);
  assert.deepEqual(
    plan.remove.map((r) => r.item.time.toISOString().slice(0, 10)),
    ['2026-11-16', '2026-11-17', '2026-11-18'],
  );
  assert.equal(plan.keep.filter((k) => k.reasons[0]?.startsWith('deferred by --max-deletions 3')).length, 5);
});

test('100,000 snapshots in 250 series are planned as each series alone would be', () => {
  const policy = { daily: 7, weekly: 4, monthly: 12, yearly: 2 };
  const one = planTrim(series('host-0:/dev/xvda', { every: '1d', for: '399d' }), policy, now);
  const snaps: TrimCandidate[] = [];
  for (let v = 0; v < 250; v++) snaps.push(...series(`host-${v}:/dev/xvda`, { every: '1d', for: '399d' }));
  assert.equal(snaps.length, 100_000);
  const plan = planTrim(snaps, policy, now);
  assert.equal(plan.keep.length + plan.remove.length, 100_000);
  assert.equal(plan.keep.length, 250 * one.keep.length);
  const kept = new Set(one.keep.map((k) => k.item.time.getTime()));
  for (const k of plan.keep) assert.ok(kept.has(k.item.time.getTime()));
});

test('a series where one run holds two volumes is kept whole and reported; others are trimmed', () => {
  const at = (d: number) => new Date(now.getTime() - d * 86_400_000);
  const c = (
    id: string,
    series: string,
    volume: string,
    run: string | undefined,
    d: number,
  ): TrimCandidate => ({
    id,
    time: at(d),
    region: 'us-east-1',
    series,
    state: 'completed',
    protected: false,
    image: undefined,
    run: run ?? `started ${at(d).toISOString()}`,
    volume,
  });
  const snaps = [
    c('a1', 'web', 'vol-a', 'r1', 3),
    c('b1', 'web', 'vol-b', 'r1', 3),
    c('a2', 'web', 'vol-a', 'r2', 2),
    c('x1', 'db', 'vol-x', 'r1', 3),
    c('x2', 'db', 'vol-x', 'r1', 2.5), // the same volume twice in one run is no collision
    c('y3', 'db', 'vol-y', 'r3', 1), // a replaced volume continues the series
    c('u1', 'old', 'vol-u', undefined, 2),
    c('v1', 'old', 'vol-v', undefined, 2),
  ];
  const plan = planTrim(snaps, { last: 1 }, now);
  assert.deepEqual(
    plan.collisions.map((x) => [x.series, x.runs, x.snapshots.map((s) => s.id)]),
    [
      ['web', ['r1'], ['a1', 'b1']],
      ['old', [`started ${at(2).toISOString()}`], ['u1', 'v1']],
    ],
  );
  assert.deepEqual(plan.remove.map((r) => r.item.id).sort(), ['x1', 'x2']);
  for (const k of plan.keep.filter((x) => x.item.series !== 'db'))
    assert.match(
      k.reasons.join(),
      /^series collision: run .* holds snapshots of .*; nothing in this series is deleted$/,
    );
});
