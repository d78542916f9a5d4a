// Property test of the retention planner: for random items, policies and `now`, nothing dated
// after now is removed or moves a window, and the newest item not after now is always kept.
// Replay a failure with CAIRN_PROPERTY_SEED=<seed printed> node scripts/run-tests.mjs retention-future
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describePolicy, isEmptyPolicy, planRetention } from './retention.js';
import type { RetentionPlan, RetentionPolicy } from './retention.js';
import { subtractCalendar } from './duration.js';
import { Random, propertySeed } from '../../test/support/random.js';
import { randomNow, randomPolicy, randomTime } from '../../test/support/random-retention.js';

const CASES = 1500;
const FUTURE = 'dated in the future (clock skew?)';

interface Item {
  id: string;
  time: Date;
}

function decisions(plan: RetentionPlan<Item>): Map<string, string> {
  const m = new Map<string, string>();
  for (const k of plan.keep) m.set(k.item.id, `keep: ${k.reasons.join('; ')}`);
  for (const r of plan.remove) m.set(r.item.id, `remove: ${r.reason}`);
  return m;
}

function check(seed: number): void {
  const rng = new Random(seed);
  const now = randomNow(rng);
  const items: Item[] = [];
  const count = rng.int(0, 40);
  for (let i = 0; i < count; i++) {
    items.push({
      id: `i${String(i).padStart(2, '0')}`,
      time: randomTime(
        rng,
        now,
        items.map((x) => x.time),
      ),
    });
  }
  const policy: RetentionPolicy = randomPolicy(rng);
  const where = `seed ${seed}: now ${now.toISOString()}, policy ${describePolicy(policy)}, ${items.length} items`;

  const plan = planRetention(items, policy, { now });
  const got = decisions(plan);
  assert.equal(got.size, items.length, `${where}: every item is decided once`);
  assert.equal(plan.keep.length + plan.remove.length, items.length, `${where}: no item decided twice`);

  const future = items.filter((x) => x.time > now);
  const present = items.filter((x) => x.time <= now);
  for (const r of plan.remove) {
    assert.ok(
      r.item.time <= now,
      `${where}: ${r.item.id} dated ${r.item.time.toISOString()} is after now and was removed (${r.reason})`,
    );
  }
  for (const f of future) {
    assert.match(got.get(f.id) ?? '', /^keep: .*dated in the future \(clock skew\?\)/, `${where}: ${f.id}`);
  }
  // The future ones change nothing about the others: same decisions, same reasons.
  const alone = decisions(planRetention(present, policy, { now }));
  for (const p of present) {
    assert.equal(
      got.get(p.id),
      alone.get(p.id),
      `${where}: ${p.id} decided differently next to future items`,
    );
    assert.ok(!got.get(p.id)?.includes(FUTURE), `${where}: ${p.id} is not in the future`);
  }
  if (!present.length || isEmptyPolicy(policy)) return;
  const newestTime = Math.max(...present.map((x) => x.time.getTime()));
  assert.ok(
    plan.keep.some((k) => k.item.time.getTime() === newestTime),
    `${where}: the newest item not after now (${new Date(newestTime).toISOString()}) was removed`,
  );
  if (policy.within) {
    const from = subtractCalendar(new Date(newestTime), policy.within).getTime();
    for (const p of present) {
      if (p.time.getTime() > from)
        assert.match(got.get(p.id) ?? '', /^keep: /, `${where}: ${p.id} is within the window`);
    }
  }
}

test(`retention planner, ${CASES} random cases: nothing after now is removed or anchors a window; the newest not after now is kept`, () => {
  const base = propertySeed(20261206);
  for (let i = 0; i < CASES; i++) check(base + i);
});

test('one archive dated next year does not make keep-within delete the real ones', () => {
  const now = new Date('2026-12-06T05:00:00Z');
  const real = Array.from({ length: 10 }, (_, i) => ({
    id: `day-${i}`,
    time: new Date(now.getTime() - i * 86_400_000 - 3_600_000),
  }));
  const skewed = { id: 'next-year', time: new Date('2027-12-06T05:00:00Z') };
  const plan = planRetention(
    [...real, skewed],
    { within: { years: 0, months: 0, days: 30, hours: 0 } },
    { now },
  );
  assert.deepEqual(plan.remove, []);
  assert.deepEqual(plan.keep.find((k) => k.item === skewed)?.reasons, [FUTURE]);
  assert.deepEqual(plan.keep.find((k) => k.item.id === 'day-0')?.reasons, ['within 30d of the newest']);
  assert.deepEqual(plan.future, [skewed]);
});

test('keep-within 0h keeps nothing by itself: it is no policy, and everything is kept', () => {
  const now = new Date('2026-12-06T05:00:00Z');
  const policy = { within: { years: 0, months: 0, days: 0, hours: 0 } };
  assert.ok(isEmptyPolicy(policy));
  const plan = planRetention([{ id: 'a', time: new Date('2026-12-01T00:00:00Z') }], policy, { now });
  assert.equal(plan.remove.length, 0);
});
