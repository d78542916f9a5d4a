import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planLeftoverClaims } from './claim.js';

test('claims older than the leftover age by the store clock are removed, younger ones kept, each with its reason', () => {
  const now = new Date('2026-05-02T12:00:00Z');
  const at = (iso: string) => ({ key: `.cairn-claims/${iso}`, size: 10, lastModified: new Date(iso) });
  const plan = planLeftoverClaims(
    [
      at('2026-05-01T11:59:59Z'),
      at('2026-05-01T12:00:00Z'),
      at('2026-05-02T11:00:00Z'),
      at('2026-05-02T12:30:00Z'),
    ],
    now,
    24 * 3_600_000,
  );
  assert.deepEqual(
    plan.remove.map((r) => r.key),
    ['.cairn-claims/2026-05-01T11:59:59Z'],
  );
  assert.match(plan.remove[0]!.reason, /86401 s old, older than 86400 s/);
  assert.deepEqual(
    plan.keep.map((k) => k.key),
    [
      '.cairn-claims/2026-05-01T12:00:00Z',
      '.cairn-claims/2026-05-02T11:00:00Z',
      '.cairn-claims/2026-05-02T12:30:00Z',
    ],
  );
  assert.match(plan.keep[2]!.reason, /may still be going/);
});
