import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteRate, formatBytes, parseRate } from './rate.js';
import { CairnError } from './errors.js';

test('ByteRate spaces bytes at the configured rate after the burst', async () => {
  let t = 0;
  const waits: number[] = [];
  const rate = new ByteRate(
    1000,
    500,
    () => t,
    (ms) => {
      waits.push(ms);
      t += ms;
      return Promise.resolve();
    },
  );
  await rate.take(500); // the burst
  await rate.take(1000); // one second of budget
  await rate.take(250);
  assert.deepEqual(waits, [1000, 250]);
  t += 10_000; // idle time refills only up to the burst
  await rate.take(500);
  await rate.take(100);
  assert.deepEqual(waits, [1000, 250, 100]);
});

test('rates parse with units and reject nonsense', () => {
  assert.equal(parseRate('50MB/s'), 50e6);
  assert.equal(parseRate('20MiB'), 20 * 1024 * 1024);
  assert.equal(parseRate('800k'), 800e3);
  assert.throws(() => parseRate('fast'), CairnError);
  assert.throws(() => parseRate('0MB/s'), CairnError);
  assert.equal(formatBytes(1536), '1.5 KiB');
});
