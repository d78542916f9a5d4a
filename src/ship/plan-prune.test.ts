import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planManifests, planObjects, recheckObject } from './plan-prune.js';
import { manifestKey, objectKey, parseManifestKey } from './layout.js';
import type { ManifestRef } from './layout.js';
import { makeItems } from '../../test/support/fixtures.js';

const HOUR = 3_600_000;
const now = new Date('2026-11-25T12:00:00Z');

function refs(host: string, dir: string, every: string, span: string): ManifestRef[] {
  return makeItems({ every, for: span, until: now }).map((i) => {
    const r = parseManifestKey(manifestKey(host, dir, i.time));
    assert.ok(r);
    return r;
  });
}

test('planManifests keeps by policy per directory, the newest always, and young ones within the grace period', () => {
  const all = [...refs('h1', '/data/a', '1h', '3d'), ...refs('h1', '/data/b', '1d', '10d')];
  const plan = planManifests(all, { daily: 2 }, { now, graceMs: 6 * HOUR });
  const keptA = plan.keep.filter((k) => k.ref.dir === '/data/a');
  // 12:00 is the newest; 07:00..11:00 are younger than 6h; 06:00 was replaced by 07:00, less than 6h ago;
  // 23:00 yesterday is daily 2/2.
  const times = keptA.map((k) => k.ref.time.toISOString()).sort();
  assert.deepEqual(times.slice(-7), [
    '2026-11-25T06:00:00.000Z',
    '2026-11-25T07:00:00.000Z',
    '2026-11-25T08:00:00.000Z',
    '2026-11-25T09:00:00.000Z',
    '2026-11-25T10:00:00.000Z',
    '2026-11-25T11:00:00.000Z',
    '2026-11-25T12:00:00.000Z',
  ]);
  assert.ok(times.includes('2026-11-24T23:00:00.000Z'));
  const newest = keptA.find((k) => k.ref.time.getTime() === now.getTime());
  assert.ok(newest?.reasons.includes('newest of its directory'));
  const graceKept = keptA.find((k) => k.ref.time.toISOString() === '2026-11-25T07:00:00.000Z');
  assert.match(graceKept?.reasons[0] ?? '', /younger than the grace period \(6h\)/);
  // 06:00 is exactly 6h old (not younger), but was replaced by 07:00, which is.
  const replaced = keptA.find((k) => k.ref.time.toISOString() === '2026-11-25T06:00:00.000Z');
  assert.match(replaced?.reasons[0] ?? '', /replaced less than the grace period/);
  // 05:00 was replaced by 06:00, exactly 6h ago: nothing keeps it.
  assert.ok(!times.includes('2026-11-25T05:00:00.000Z'));
  // Series b: daily, newest + one more day by policy; nothing else.
  const keptB = plan.keep.filter((k) => k.ref.dir === '/data/b').map((k) => k.ref.time.toISOString());
  assert.deepEqual(keptB, ['2026-11-25T12:00:00.000Z', '2026-11-24T12:00:00.000Z']);
  for (const r of plan.remove) assert.match(r.reasons[0] ?? '', /not kept by policy/);
  assert.equal(plan.keep.length + plan.remove.length, all.length);
});

test('planManifests keeps every manifest of hosts not selected', () => {
  const all = [...refs('h1', '/d', '1d', '5d'), ...refs('h2', '/d', '1d', '5d')];
  const plan = planManifests(all, { last: 1 }, { now, graceMs: HOUR, hosts: ['h1'] });
  assert.equal(plan.keep.filter((k) => k.ref.host === 'h2').length, 6);
  assert.equal(plan.remove.filter((k) => k.ref.host === 'h2').length, 0);
  // h1 keeps its newest and the one it replaced (replaced less than an hour ago).
  assert.equal(plan.remove.length, 4);
});

test('planObjects deletes unreferenced objects older than the grace period only', () => {
  const a = 'a'.repeat(64);
  const b = 'b'.repeat(64);
  const c = 'c'.repeat(64);
  const old = new Date(now.getTime() - 10 * HOUR);
  const young = new Date(now.getTime() - HOUR);
  const plan = planObjects(
    [
      { key: objectKey(a), size: 10, lastModified: old },
      { key: objectKey(b), size: 20, lastModified: old },
      { key: objectKey(c), size: 30, lastModified: young },
      { key: 'objects/sha256/zz/not-ours', size: 1, lastModified: old },
    ],
    new Set([a]),
    { now, graceMs: 6 * HOUR },
  );
  assert.deepEqual(plan.remove, [{ key: objectKey(b), size: 20, reason: 'no kept manifest refers to it' }]);
  assert.equal(plan.keptReferenced, 1);
  assert.equal(plan.keptYoung, 1);
});

test('recheckObject keeps a candidate stored again since it was listed, and one already gone', () => {
  const key = objectKey('d'.repeat(64));
  const o = { at: now, graceMs: 6 * HOUR };
  assert.deepEqual(recheckObject(undefined, o), { delete: false, reason: 'gone already' });
  const fresh = recheckObject({ key, size: 1, lastModified: new Date(now.getTime() - HOUR) }, o);
  assert.equal(fresh.delete, false);
  assert.match(
    fresh.delete ? '' : fresh.reason,
    /stored again while prune ran \(younger than the grace period, 6h\)/,
  );
  const old = { key, size: 1, lastModified: new Date(now.getTime() - 6 * HOUR) };
  assert.deepEqual(recheckObject(old, o), { delete: true });
});
