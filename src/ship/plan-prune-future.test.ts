// Property test of ship prune's manifest plan: for random manifests of a few directories, random
// policies and `now`, no manifest dated after now is deleted, and the newest one not after now
// of each directory is kept as "newest of its directory".
// Replay a failure with CAIRN_PROPERTY_SEED=<seed printed> node scripts/run-tests.mjs plan-prune-future
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describePolicy, isEmptyPolicy } from '../core/retention.js';
import { manifestKey, parseManifestKey } from './layout.js';
import type { ManifestRef } from './layout.js';
import { planManifests } from './plan-prune.js';
import { Random, propertySeed } from '../../test/support/random.js';
import { randomNow, randomPolicy, randomTime } from '../../test/support/random-retention.js';

const CASES = 600;

function check(seed: number): void {
  const rng = new Random(seed);
  const now = randomNow(rng);
  const refs: ManifestRef[] = [];
  const keys = new Set<string>();
  const count = rng.int(0, 50);
  for (let i = 0; i < count; i++) {
    const time = randomTime(
      rng,
      now,
      refs.map((r) => r.time),
    );
    const ref = parseManifestKey(manifestKey(rng.pick(['h1', 'h2']), rng.pick(['/data/a', '/data/b']), time));
    assert.ok(ref);
    if (keys.has(ref.key)) continue; // a manifest key is its directory and time
    keys.add(ref.key);
    refs.push(ref);
  }
  const policy = randomPolicy(rng);
  if (isEmptyPolicy(policy)) return; // prune refuses an empty policy before planning
  const graceMs = rng.pick([3_600_000, 6 * 3_600_000, 86_400_000]);
  const where = `seed ${seed}: now ${now.toISOString()}, policy ${describePolicy(policy)}, ${refs.length} manifests`;
  const plan = planManifests(refs, policy, { now, graceMs });
  assert.equal(plan.keep.length + plan.remove.length, refs.length, where);
  for (const r of plan.remove) {
    assert.ok(r.ref.time <= now, `${where}: ${r.ref.key} is after now and was removed`);
  }
  const newest = new Map<string, ManifestRef>();
  for (const r of refs) {
    const n = newest.get(r.series);
    if (r.time <= now && (!n || r.time > n.time)) newest.set(r.series, r);
  }
  for (const [series, r] of newest) {
    const kept = plan.keep.find((k) => k.ref === r);
    assert.ok(kept, `${where}: ${r.key}, the newest of ${series} not after now, was removed`);
    assert.ok(
      kept.reasons.includes('newest of its directory'),
      `${where}: ${r.key}: ${kept.reasons.join('; ')}`,
    );
  }
}

test(`ship prune planner, ${CASES} random cases: nothing after now is removed; the newest not after now of each directory is kept`, () => {
  const base = propertySeed(20261206);
  for (let i = 0; i < CASES; i++) check(base + i);
});
