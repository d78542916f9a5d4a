// Property test of trim: for random series of snapshots, policies and `now`, no completed snapshot
// dated after now is deleted, and the newest completed one not after now of each series is kept.
// Replay a failure with CAIRN_PROPERTY_SEED=<seed printed> node scripts/run-tests.mjs plan-trim-future
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describePolicy, isEmptyPolicy } from '../core/retention.js';
import { planTrim } from './plan-trim.js';
import type { TrimCandidate } from './plan-trim.js';
import { Random, propertySeed } from '../../test/support/random.js';
import { randomNow, randomPolicy, randomTime } from '../../test/support/random-retention.js';

const CASES = 600;

function check(seed: number): void {
  const rng = new Random(seed);
  const now = randomNow(rng);
  const snaps: TrimCandidate[] = [];
  const count = rng.int(0, 60);
  for (let i = 0; i < count; i++) {
    snaps.push({
      id: `snap-${String(i).padStart(3, '0')}`,
      time: randomTime(
        rng,
        now,
        snaps.map((s) => s.time),
      ),
      region: rng.pick(['us-east-1', 'eu-west-1']),
      series: rng.pick(['db:/dev/xvda', 'db:/dev/xvdf', 'web:/dev/xvda']),
      state: rng.pick(['completed', 'completed', 'completed', 'completed', 'pending', 'error']),
      protected: rng.chance(0.05),
      image: rng.chance(0.05) ? 'ami-0123' : undefined,
    });
  }
  const policy = randomPolicy(rng);
  const maxDeletions = rng.chance(0.2) ? rng.int(0, 5) : undefined;
  const where = `seed ${seed}: now ${now.toISOString()}, policy ${describePolicy(policy)}, ${snaps.length} snapshots`;
  if (isEmptyPolicy(policy)) return; // trim refuses an empty policy before planning
  const plan = planTrim(snaps, policy, now, { maxDeletions });
  assert.equal(plan.keep.length + plan.remove.length, snaps.length, where);
  const removed = new Set(plan.remove.map((r) => r.item));
  for (const s of removed) {
    if (s.state === 'completed')
      assert.ok(
        s.time <= now,
        `${where}: ${s.id} dated ${s.time.toISOString()} is after now and was removed`,
      );
  }
  const newest = new Map<string, TrimCandidate>();
  for (const s of snaps) {
    if (s.state !== 'completed' || s.time > now) continue;
    const key = `${s.region} ${s.series}`;
    const n = newest.get(key);
    if (!n || s.time > n.time || (+s.time === +n.time && s.id > n.id)) newest.set(key, s);
  }
  for (const [key, s] of newest) {
    assert.ok(!removed.has(s), `${where}: ${s.id}, the newest completed snapshot of ${key}, was removed`);
    const kept = plan.keep.find((k) => k.item === s);
    assert.match(
      kept?.reasons.join('; ') ?? '',
      /newest completed snapshot of its series/,
      `${where}: ${s.id}`,
    );
  }
}

test(`trim planner, ${CASES} random cases: nothing completed after now is removed; the newest completed not after now of each series is kept`, () => {
  const base = propertySeed(20261206);
  for (let i = 0; i < CASES; i++) check(base + i);
});
