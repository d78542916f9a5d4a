import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCairnError } from '../core/errors.js';
import { snapshotCopy } from './copy.js';
import { snapshotCreate } from './create.js';
import { snapshotList } from './list.js';
import type { Ec2Api } from './ports.js';
import { snapshotTrim } from './trim.js';

/** An EC2 port that fails the test when it is used: bad input must be refused before any call. */
const untouched = new Proxy({} as Ec2Api, {
  get: (_t, name) => () => {
    throw new Error(`EC2 was called (${String(name)}) although the request was invalid`);
  },
});

const selection = { instanceIds: [], volumeIds: [], tags: { Backup: ['daily'] }, excludeDevices: [] };

async function refused(p: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isCairnError(err), `not a CairnError: ${String(err)}`);
    assert.equal(err.code, 'USAGE');
    assert.match(err.message, message);
    assert.doesNotMatch(err.message, /\n/);
    assert.ok(err.hint, 'a hint');
    return true;
  });
}

test('snapshotCreate refuses stop together with stopped, before any call', async () => {
  await refused(
    snapshotCreate({ api: untouched, homeRegion: 'us-east-1', selection, stop: true, stopped: true }),
    /stop.*stopped.*exclude/,
  );
  await refused(
    snapshotCreate({ api: untouched, homeRegion: 'us-east-1', selection, mode: 'stopped', stop: true }),
    /exclude/,
  );
});

test('snapshotCreate refuses ids that are not ids, naming the key', async () => {
  await refused(
    snapshotCreate({
      api: untouched,
      homeRegion: 'us-east-1',
      selection: { ...selection, instanceIds: ['web-1'] },
    }),
    /instanceIds.*"web-1" is not an instance id/,
  );
  await refused(
    snapshotCreate({
      api: untouched,
      homeRegion: 'us-east-1',
      selection: { ...selection, volumeIds: ['i-0123456789abcdef0'] },
    }),
    /volumeIds.*is not a volume id/,
  );
});

test('snapshotCreate refuses a series key that would put every volume into one series', async () => {
  await refused(
    snapshotCreate({ api: untouched, homeRegion: 'us-east-1', selection, seriesKey: 'nightly' }),
    /seriesKey.*no placeholder/,
  );
  await refused(
    snapshotCreate({ api: untouched, homeRegion: 'us-east-1', selection, seriesKey: '{nmae}' }),
    /unknown placeholder \{nmae\}/,
  );
});

test('snapshotCreate refuses bad regions and durations', async () => {
  await refused(
    snapshotCreate({ api: untouched, homeRegion: 'us-east-1', selection, regions: ['us-east'] }),
    /"us-east" is not a region name/,
  );
  await refused(
    snapshotCreate({ api: untouched, homeRegion: 'us-east-1', selection, stopTimeoutMs: -5 }),
    /stopTimeoutMs/,
  );
});

test('snapshotTrim refuses a policy without a keep rule, and counts that are not positive', async () => {
  await refused(snapshotTrim({ api: untouched, homeRegion: 'us-east-1', policy: {} }), /retention policy/);
  await refused(
    snapshotTrim({ api: untouched, homeRegion: 'us-east-1', policy: { daily: 0 } }),
    /policy.daily/,
  );
  await refused(
    snapshotTrim({ api: untouched, homeRegion: 'us-east-1', policy: { last: 1.5 } }),
    /policy.last/,
  );
  await refused(
    snapshotTrim({ api: untouched, homeRegion: 'us-east-1', policy: { last: 1 }, maxDeletions: -1 }),
    /maxDeletions/,
  );
});

test('snapshotCopy and snapshotList refuse bad region names', async () => {
  await refused(
    snapshotCopy({ api: untouched, fromRegion: 'us-east-1', toRegions: ['eu-west'] }),
    /"eu-west" is not a region name/,
  );
  await refused(
    snapshotCopy({ api: untouched, fromRegion: 'useast1', toRegions: ['eu-west-1'] }),
    /"useast1" is not a region name/,
  );
  await refused(
    snapshotList({ api: untouched, homeRegion: 'us-east-1', regions: ['moon-1'] }),
    /"moon-1" is not a region name/,
  );
});
