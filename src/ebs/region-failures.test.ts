import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CairnError } from '../core/errors.js';
import { MemoryReporter } from '../core/reporter.js';
import { RegionFailures } from './region-failures.js';

const denied = (region: string) =>
  new CairnError('ACCESS', `listing snapshots in ${region}: access denied (UnauthorizedOperation)`, {
    hint: 'grant the actions',
  });

test('while another region works, each failed region is one event and a row of the result', () => {
  const events = new MemoryReporter();
  const f = new RegionFailures(events);
  f.add('eu-west-1', denied('eu-west-1'));
  assert.equal(events.events.length, 0, 'held until it is known whether any region works');
  f.someWorked();
  f.add('us-west-2', denied('us-west-2'));
  f.settle(['us-east-1', 'eu-west-1', 'us-west-2']);
  assert.deepEqual(
    events.ofType('snapshot.region').map((e) => [e.region, e.level, e.message]),
    [
      ['eu-west-1', 'error', denied('eu-west-1').message],
      ['us-west-2', 'error', denied('us-west-2').message],
    ],
  );
  assert.deepEqual(
    f.all.map((x) => [x.region, x.error.code]),
    [
      ['eu-west-1', 'ACCESS'],
      ['us-west-2', 'ACCESS'],
    ],
  );
});

test('when no region works: one error naming every region it happened in, and no event for those', () => {
  const events = new MemoryReporter();
  const f = new RegionFailures(events);
  f.add('us-east-1', denied('us-east-1'));
  f.add('eu-west-1', denied('eu-west-1'));
  f.add('ap-south-1', new CairnError('UNAVAILABLE', 'listing snapshots in ap-south-1: ETIMEDOUT'));
  assert.throws(
    () => f.settle(['us-east-1', 'eu-west-1', 'ap-south-1']),
    (e: unknown) =>
      e instanceof CairnError &&
      e.code === 'ACCESS' &&
      e.message === 'listing snapshots in us-east-1, eu-west-1: access denied (UnauthorizedOperation)' &&
      e.hint === 'grant the actions',
  );
  assert.deepEqual(
    events.events.map((e) => e.message),
    ['listing snapshots in ap-south-1: ETIMEDOUT'],
    'a failure of another kind is still told once',
  );

  const one = new RegionFailures(events);
  one.add('us-east-1', denied('us-east-1'));
  assert.throws(() => one.settle(['us-east-1']), { message: denied('us-east-1').message });
  assert.equal(events.events.length, 1);
});
