import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiScheduler } from './scheduler.js';
import { TokenBucket } from './token-bucket.js';
import { parseIamCommands, policyFor, actionsFor } from './iam.js';

const awsError = (name: string, status = 400) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

test('the token bucket lets a burst through, then paces at the refill rate', async () => {
  let now = 0;
  const waits: number[] = [];
  const b = new TokenBucket(
    { capacity: 3, refillPerSec: 10 },
    () => now,
    (ms) => {
      waits.push(ms);
      now += ms;
      return Promise.resolve();
    },
  );
  for (let i = 0; i < 5; i++) b.answered(await b.take());
  assert.deepEqual(waits.map(Math.round), [100, 100]);
  b.drain();
  await b.take();
  assert.equal(Math.round(waits.at(-1) ?? 0), 100);
});

test('after a burst from a full bucket, refilling starts with the first answer, as it does at EC2', async () => {
  let now = 0;
  const b = new TokenBucket(
    { capacity: 2, refillPerSec: 10 },
    () => now,
    (ms) => {
      now += ms;
      return Promise.resolve();
    },
  );
  const burst = await b.take();
  assert.equal(await b.take(), burst, 'one burst');
  now = 30; // EC2 received the first call at some time up to now, when its answer came
  b.answered(burst);
  b.answered(burst);
  await b.take();
  assert.equal(Math.round(now), 130, 'one token 100 ms after the answer, not after the send');
  b.answered(burst);
  now = 1000;
  assert.equal(b.available, 2, 'full again');
  const next = await b.take();
  assert.notEqual(next, burst, 'a new burst');
  b.answered(burst);
  now = 2000;
  assert.equal(b.available, 1, 'an answer from an earlier burst does not start the refill');
  b.answered(next);
  now = 2100;
  assert.equal(Math.round(b.available * 10) / 10, 2);
});

test('throttling is retried until it passes; the local bucket is drained', async () => {
  const s = new ApiScheduler({ throttleBaseMs: 1, throttleMaxMs: 2 });
  let n = 0;
  const r = await s.call('r', 'CreateSnapshots', () => {
    if (++n < 30) return Promise.reject(awsError('RequestLimitExceeded', 503));
    return Promise.resolve('ok');
  });
  assert.equal(r, 'ok');
  assert.equal(s.stats.throttled, 29);
});

test('a creating call is sent again after a transient failure only when nothing was made', async () => {
  const s = new ApiScheduler({ throttleBaseMs: 1, throttleMaxMs: 2 });
  let sent = 0;
  const made = await s.call(
    'r',
    'CreateSnapshot',
    () => {
      sent += 1;
      return Promise.reject(awsError('InternalError', 500));
    },
    { recover: () => Promise.resolve(sent === 1 ? 'snap-found' : undefined) },
  );
  assert.equal(made, 'snap-found');
  assert.equal(sent, 1);
  await assert.rejects(
    s.call('r', 'CreateSnapshot', () => Promise.reject(awsError('InternalError', 500))),
    /InternalError/,
    'without a way to look, it is not sent twice',
  );
  await assert.rejects(
    s.call('r', 'X', () => Promise.reject(awsError('InvalidParameterValue'))),
    /InvalidParameterValue/,
  );
});

test('IAM commands parse in several spellings; unknown ones are usage errors', () => {
  assert.deepEqual(parseIamCommands(['snapshot', 'create', 'trim', 'snapshot-copy']), [
    'snapshot create',
    'snapshot trim',
    'snapshot copy',
  ]);
  assert.equal(parseIamCommands(['all']).length, 4);
  assert.throws(() => parseIamCommands(['restore']), /no IAM policy/);
  assert.deepEqual(actionsFor(['snapshot list']), ['ec2:DescribeRegions', 'ec2:DescribeSnapshots']);
  const p = policyFor(['snapshot create', 'snapshot copy']);
  assert.equal(new Set(p.Statement.map((x) => x.Sid)).size, p.Statement.length, 'unique Sids');
});
