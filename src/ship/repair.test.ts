import { test } from 'node:test';
import assert from 'node:assert/strict';
import { repairSources } from './repair.js';

test('repairSources looks at the files named with the content first, then at files of the same size, once each', () => {
  const broken = { sha256: 'a'.repeat(64), size: 4, files: ['/d/a', '/e/a'] };
  const sameSize = new Map([
    [4, ['/d/a', '/d/other']],
    [5, ['/d/bigger']],
  ]);
  assert.deepEqual(repairSources(broken, sameSize), ['/d/a', '/e/a', '/d/other']);
  assert.deepEqual(repairSources({ ...broken, size: 9 }, sameSize), ['/d/a', '/e/a']);
});
