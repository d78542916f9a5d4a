import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CopySnapshotCommand,
  CreateSnapshotCommand,
  CreateSnapshotsCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  AttachVolumeCommand,
  DeleteSnapshotCommand,
  DeleteTagsCommand,
  DeleteVolumeCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  DescribeSnapshotsCommand,
  DescribeTagsCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  EC2Client,
  RegisterImageCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  paginateDescribeSnapshots,
  paginateDescribeVolumes,
  type Snapshot,
} from '@aws-sdk/client-ec2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  COPY_VOLUME_ID,
  fleet,
  startEc2Sim,
  startEc2SimProcess,
  type Ec2Sim,
  type Ec2SimOptions,
} from './index.js';
import { presignTagsAsQuery } from '../../../src/ebs/copy-presign.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** A client of the simulator, without retries unless asked for the SDK's default ones. */
function ec2(sim: Ec2Sim, region = 'us-east-1', retries: 'none' | 'default' = 'none'): EC2Client {
  return new EC2Client({
    region,
    endpoint: sim.endpoint,
    credentials,
    ...(retries === 'none' ? { maxAttempts: 1 } : {}),
  });
}

async function withSim(opts: Partial<Ec2SimOptions>, fn: (sim: Ec2Sim) => Promise<void>): Promise<void> {
  const sim = await startEc2Sim(opts);
  try {
    await fn(sim);
  } finally {
    await sim.close();
  }
}

interface AwsError {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number };
}

async function failure(
  p: Promise<unknown>,
): Promise<{ code: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as AwsError;
    return { code: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  assert.fail('expected the call to fail');
}

const tagsOf = (s: { Tags?: { Key?: string; Value?: string }[] }): Record<string, string> =>
  Object.fromEntries((s.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));

test('DescribeSnapshots pages 2,500 snapshots by 1000 and applies filters as EC2 does', async () => {
  await withSim({}, async (sim) => {
    for (let i = 0; i < 2500; i++) {
      sim.addSnapshot('us-east-1', {
        volumeId: i % 2 ? 'vol-0000000000000000a' : 'vol-0000000000000000b',
        description: i % 10 === 0 ? `nightly ${i}` : `adhoc ${i}`,
        tags: i % 5 === 0 ? { series: 'db', tier: i % 3 ? 'gold' : 'silver' } : {},
        state: i === 7 ? 'pending' : 'completed',
        // Pending for as long as the test may take, however slow the machine.
        durationMs: 86_400_000,
      });
    }
    sim.addSnapshot('us-east-1', { ownerId: '999999999999', public: true, description: 'someone else' });
    const client = ec2(sim);

    const pages: number[] = [];
    const seen = new Set<string>();
    for await (const page of paginateDescribeSnapshots(
      { client, pageSize: 1000 },
      { OwnerIds: ['self'], MaxResults: 1000 },
    )) {
      pages.push(page.Snapshots?.length ?? 0);
      for (const s of page.Snapshots ?? []) seen.add(s.SnapshotId ?? '');
    }
    assert.deepEqual(pages, [1000, 1000, 500]);
    assert.equal(seen.size, 2500);

    const all = await client.send(new DescribeSnapshotsCommand({}));
    assert.equal(all.Snapshots?.length, 2501, 'without OwnerIds public snapshots of others show up');
    assert.equal(all.NextToken, undefined);

    const q = async (Filters: { Name: string; Values: string[] }[]): Promise<Snapshot[]> =>
      (await client.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters }))).Snapshots ?? [];
    assert.equal((await q([{ Name: 'tag:series', Values: ['db'] }])).length, 500);
    assert.equal((await q([{ Name: 'tag:series', Values: ['d?'] }])).length, 500);
    assert.equal((await q([{ Name: 'tag:series', Values: ['DB'] }])).length, 0, 'case-sensitive');
    assert.equal((await q([{ Name: 'tag-key', Values: ['tier'] }])).length, 500);
    assert.equal(
      (
        await q([
          { Name: 'tag:series', Values: ['db'] },
          { Name: 'tag:tier', Values: ['silver'] },
        ])
      ).length,
      167,
      'filters are ANDed',
    );
    assert.equal(
      (await q([{ Name: 'tag:tier', Values: ['silver', 'gold'] }])).length,
      500,
      'values are ORed',
    );
    assert.equal((await q([{ Name: 'description', Values: ['nightly *'] }])).length, 250);
    assert.equal((await q([{ Name: 'volume-id', Values: ['vol-0000000000000000a'] }])).length, 1250);
    assert.equal((await q([{ Name: 'status', Values: ['pending'] }])).length, 1);

    assert.equal((await failure(q([{ Name: 'colour', Values: ['x'] }]))).code, 'InvalidParameterValue');
    assert.equal(
      (await failure(client.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], MaxResults: 3 })))).code,
      'InvalidParameterValue',
    );
    const combo = await failure(
      client.send(new DescribeSnapshotsCommand({ SnapshotIds: [...seen].slice(0, 1), MaxResults: 5 })),
    );
    assert.equal(combo.code, 'InvalidParameterCombination');
    const missing = await failure(
      client.send(new DescribeSnapshotsCommand({ SnapshotIds: ['snap-0123456789abcdef0'] })),
    );
    assert.deepEqual([missing.code, missing.status], ['InvalidSnapshot.NotFound', 400]);
  });
});

test('a snapshot goes pending → completed on the simulator clock, or to error when the volume is set to fail', async () => {
  await withSim({ snapshotDurationMs: 60_000 }, async (sim) => {
    const { volumeIds } = sim.addInstance('us-east-1', { volumes: [{ device: '/dev/xvda', sizeGiB: 20 }] });
    const vol = volumeIds[0] ?? '';
    const client = ec2(sim);
    const created = await client.send(new CreateSnapshotCommand({ VolumeId: vol, Description: 'first' }));
    assert.equal(created.State, 'pending');
    assert.equal(created.VolumeSize, 20);
    const describe = async (id: string): Promise<Snapshot | undefined> =>
      (await client.send(new DescribeSnapshotsCommand({ SnapshotIds: [id] }))).Snapshots?.[0];
    sim.advance(30_000);
    const half = await describe(created.SnapshotId ?? '');
    assert.equal(half?.State, 'pending');
    assert.match(half?.Progress ?? '', /^(49|50|51)%$/);
    sim.advance(30_001);
    const done = await describe(created.SnapshotId ?? '');
    assert.deepEqual([done?.State, done?.Progress], ['completed', '100%']);

    sim.failNextSnapshot(vol);
    const doomed = await client.send(new CreateSnapshotCommand({ VolumeId: vol }));
    sim.advance(60_001);
    assert.equal((await describe(doomed.SnapshotId ?? ''))?.State, 'error');
    const next = await client.send(new CreateSnapshotCommand({ VolumeId: vol }));
    sim.advance(60_001);
    assert.equal((await describe(next.SnapshotId ?? ''))?.State, 'completed');
  });
});

test('CreateSnapshots snapshots every volume of an instance, tagged from the volume and the request', async () => {
  await withSim({}, async (sim) => {
    const { instanceId, volumeIds } = sim.addInstance('eu-west-1', {
      name: 'db-1',
      volumes: [
        { device: '/dev/xvda', tags: { role: 'root' } },
        { device: '/dev/sdf', sizeGiB: 100, tags: { role: 'data', team: 'a' } },
        { device: '/dev/sdg', sizeGiB: 50, tags: { role: 'logs' } },
      ],
    });
    const client = ec2(sim, 'eu-west-1');
    const out = await client.send(
      new CreateSnapshotsCommand({
        InstanceSpecification: { InstanceId: instanceId, ExcludeBootVolume: true },
        Description: 'nightly',
        CopyTagsFromSource: 'volume',
        TagSpecifications: [
          {
            ResourceType: 'snapshot',
            Tags: [
              { Key: 'cairn:series', Value: 'db-1' },
              { Key: 'team', Value: 'b' },
            ],
          },
        ],
      }),
    );
    const snaps = out.Snapshots ?? [];
    assert.deepEqual(
      snaps.map((s) => s.VolumeId),
      volumeIds.slice(1),
    );
    assert.ok(snaps.every((s) => s.State === 'pending' && s.Description === 'nightly'));
    assert.deepEqual(tagsOf(snaps[0] ?? {}), { role: 'data', team: 'b', 'cairn:series': 'db-1' });
    const listed = await client.send(
      new DescribeSnapshotsCommand({
        OwnerIds: ['self'],
        Filters: [{ Name: 'tag:cairn:series', Values: ['db-1'] }],
      }),
    );
    assert.equal(listed.Snapshots?.length, 2);
    const wrongType = await failure(
      client.send(
        new CreateSnapshotsCommand({
          InstanceSpecification: { InstanceId: instanceId },
          TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'a', Value: 'b' }] }],
        }),
      ),
    );
    assert.equal(wrongType.code, 'InvalidParameterValue');
  });
});

test('at most 5 pending snapshots per volume, 1 for st1: ConcurrentSnapshotLimitExceeded', async () => {
  await withSim({}, async (sim) => {
    const { volumeIds } = sim.addInstance('us-east-1', {
      volumes: [{ device: '/dev/xvda' }, { device: '/dev/sdf', volumeType: 'st1', sizeGiB: 500 }],
    });
    const [gp3 = '', st1 = ''] = volumeIds;
    const client = ec2(sim);
    for (let i = 0; i < 5; i++) await client.send(new CreateSnapshotCommand({ VolumeId: gp3 }));
    const sixth = await failure(client.send(new CreateSnapshotCommand({ VolumeId: gp3 })));
    assert.deepEqual([sixth.code, sixth.status], ['ConcurrentSnapshotLimitExceeded', 400]);
    await client.send(new CreateSnapshotCommand({ VolumeId: st1 }));
    assert.equal(
      (await failure(client.send(new CreateSnapshotCommand({ VolumeId: st1 })))).code,
      'ConcurrentSnapshotLimitExceeded',
    );
    sim.advance(2001);
    await client.send(new CreateSnapshotCommand({ VolumeId: gp3 }));
  });
});

test('bursting past the bucket gives 503 RequestLimitExceeded; the SDK default retries get through', async () => {
  await withSim({}, async (sim) => {
    const { volumeIds } = sim.addInstance('us-east-1', { volumes: [{ device: '/dev/xvda' }] });
    const describe = (client: EC2Client): Promise<unknown> =>
      client.send(new DescribeVolumesCommand({ Filters: [{ Name: 'volume-id', Values: volumeIds }] }));
    const noRetry = ec2(sim);
    const results = await Promise.allSettled(Array.from({ length: 120 }, () => describe(noRetry)));
    const rejected = results.filter((r) => r.status === 'rejected');
    // 100 tokens, plus 20/s refilled while the burst arrives.
    assert.ok(rejected.length >= 5 && rejected.length <= 20, `throttled ${rejected.length} of 120`);
    const first = rejected[0] as PromiseRejectedResult;
    assert.equal((first.reason as AwsError).name, 'RequestLimitExceeded');
    assert.equal((first.reason as AwsError).$metadata.httpStatusCode, 503);
    const throttled = sim.callsOf('DescribeVolumes').filter((c) => c.errorCode === 'RequestLimitExceeded');
    assert.equal(throttled.length, rejected.length);
    assert.ok(throttled.every((c) => c.status === 503));

    // CreateTags: bucket 100, refill 10/s, here refilled 20 times faster.
    sim.setOptions({ rateScale: 20 });
    sim.clearRecords();
    const withRetries = ec2(sim, 'us-east-1', 'default');
    const tagged = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        withRetries.send(
          new CreateTagsCommand({ Resources: volumeIds, Tags: [{ Key: 'k', Value: String(i) }] }),
        ),
      ),
    );
    assert.equal(tagged.length, 200);
    assert.ok(
      tagged.some((r) => (r.$metadata.attempts ?? 1) > 1),
      'some calls needed a retry',
    );
    assert.ok(sim.callsOf('CreateTags').some((c) => c.errorCode === 'RequestLimitExceeded'));
  });
});

test('unfiltered, unpaginated Describe* calls have the smaller bucket (50, 10/s)', async () => {
  await withSim({}, async (sim) => {
    const client = ec2(sim);
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, () => client.send(new DescribeVolumesCommand({}))),
    );
    const rejected = results.filter((r) => r.status === 'rejected').length;
    assert.ok(rejected >= 5 && rejected <= 10, `throttled ${rejected} of 60`);
  });
});

test('CopySnapshot needs a completed source and copies into the calling region without user tags', async () => {
  await withSim({ snapshotDurationMs: 10_000, copyDurationMs: 5_000, rateLimits: false }, async (sim) => {
    const { volumeIds } = sim.addInstance('us-east-1', { volumes: [{ device: '/dev/xvda', sizeGiB: 30 }] });
    const east = ec2(sim, 'us-east-1');
    const west = ec2(sim, 'us-west-2');
    const src = await east.send(
      new CreateSnapshotCommand({
        VolumeId: volumeIds[0],
        TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'series', Value: 'web' }] }],
      }),
    );
    const early = await failure(
      west.send(new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: src.SnapshotId })),
    );
    assert.deepEqual([early.code, early.status], ['IncorrectState', 400]);
    sim.advance(10_001);
    const tagged = () =>
      new CopySnapshotCommand({
        SourceRegion: 'us-east-1',
        SourceSnapshotId: src.SnapshotId,
        TagSpecifications: [
          { ResourceType: 'snapshot', Tags: [{ Key: 'copy-of', Value: src.SnapshotId ?? '' }] },
        ],
      });
    // The SDK's presigned URL carries `TagSpecifications=[object Object]` unless told otherwise.
    const unsigned = await failure(west.send(tagged()));
    assert.equal(unsigned.code, 'InvalidParameterValue');
    assert.match(
      unsigned.message,
      /PresignedUrl does not match the request: TagSpecifications=\[object Object\]/,
    );
    const copy = await west.send(presignTagsAsQuery(tagged()));
    const listed = await west.send(new DescribeSnapshotsCommand({ SnapshotIds: [copy.SnapshotId ?? ''] }));
    const c = listed.Snapshots?.[0];
    assert.equal(c?.VolumeId, COPY_VOLUME_ID);
    assert.equal(c?.State, 'pending');
    assert.equal(c?.VolumeSize, 30);
    assert.equal(c?.Description, `[Copied ${src.SnapshotId} from us-east-1]`);
    assert.deepEqual(tagsOf(c ?? {}), { 'copy-of': src.SnapshotId });
    const inEast = await east.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
    assert.equal(inEast.Snapshots?.length, 1, 'the copy lives in the destination region only');

    for (let i = 1; i < 20; i++) {
      await west.send(
        new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: src.SnapshotId }),
      );
    }
    const full = await failure(
      west.send(new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: src.SnapshotId })),
    );
    assert.equal(full.code, 'ResourceLimitExceeded');
    sim.advance(5_001);
    await west.send(new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: src.SnapshotId }));
  });
});

test('50 tags per resource: CreateSnapshot(s), CreateTags and CopySnapshot answer TagLimitExceeded past it', async () => {
  await withSim({ snapshotDurationMs: 0, rateLimits: false }, async (sim) => {
    const { instanceId, volumeIds } = sim.addInstance('us-east-1', {
      volumes: [{ device: '/dev/xvda', tags: { a: '1', b: '2' } }],
    });
    const east = ec2(sim, 'us-east-1');
    const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ Key: `k${i}`, Value: `${i}` }));
    const spec = (n: number) => [{ ResourceType: 'snapshot' as const, Tags: tags(n) }];
    const one = await failure(
      east.send(new CreateSnapshotCommand({ VolumeId: volumeIds[0], TagSpecifications: spec(51) })),
    );
    assert.equal(one.code, 'TagLimitExceeded');
    const many = await failure(
      east.send(
        new CreateSnapshotsCommand({
          InstanceSpecification: { InstanceId: instanceId },
          TagSpecifications: spec(49),
          CopyTagsFromSource: 'volume',
        }),
      ),
    );
    assert.equal(many.code, 'TagLimitExceeded', '49 of the request and 2 of the volume');
    const s = await east.send(
      new CreateSnapshotCommand({ VolumeId: volumeIds[0], TagSpecifications: spec(49) }),
    );
    await east.send(
      new CreateTagsCommand({ Resources: [s.SnapshotId ?? ''], Tags: [{ Key: 'k0', Value: 'x' }] }),
    );
    const over = await failure(
      east.send(
        new CreateTagsCommand({
          Resources: [s.SnapshotId ?? ''],
          Tags: [
            { Key: 'x', Value: '1' },
            { Key: 'y', Value: '2' },
          ],
        }),
      ),
    );
    assert.equal(over.code, 'TagLimitExceeded');
    const copy = await failure(
      ec2(sim, 'us-west-2').send(
        presignTagsAsQuery(
          new CopySnapshotCommand({
            SourceRegion: 'us-east-1',
            SourceSnapshotId: s.SnapshotId,
            TagSpecifications: spec(51),
          }),
        ),
      ),
    );
    assert.equal(copy.code, 'TagLimitExceeded');
  });
});

test('an AMI keeps its snapshot: InvalidSnapshot.InUse until the image is deregistered', async () => {
  await withSim({}, async (sim) => {
    const snap = sim.addSnapshot('us-east-1', { sizeGiB: 8 });
    const ami = sim.addImage('us-east-1', { snapshotIds: [snap], name: 'golden' });
    const client = ec2(sim);
    const images = await client.send(new DescribeImagesCommand({ Owners: ['self'] }));
    assert.equal(images.Images?.[0]?.ImageId, ami);
    assert.equal(images.Images?.[0]?.BlockDeviceMappings?.[0]?.Ebs?.SnapshotId, snap);
    const inUse = await failure(client.send(new DeleteSnapshotCommand({ SnapshotId: snap })));
    assert.deepEqual([inUse.code, inUse.status], ['InvalidSnapshot.InUse', 400]);
    await client.send(new DeregisterImageCommand({ ImageId: ami }));
    await client.send(new DeleteSnapshotCommand({ SnapshotId: snap }));
    const gone = await failure(client.send(new DeleteSnapshotCommand({ SnapshotId: snap })));
    assert.equal(gone.code, 'InvalidSnapshot.NotFound');

    const snap2 = sim.addSnapshot('us-east-1', {});
    const registered = await client.send(
      new RegisterImageCommand({
        Name: 'from-api',
        RootDeviceName: '/dev/xvda',
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snap2 } }],
      }),
    );
    const byFilter = await client.send(
      new DescribeImagesCommand({ Filters: [{ Name: 'block-device-mapping.snapshot-id', Values: [snap2] }] }),
    );
    assert.equal(byFilter.Images?.[0]?.ImageId, registered.ImageId);
  });
});

test('a denied region answers 403 UnauthorizedOperation; others work', async () => {
  await withSim({ denyRegions: ['eu-west-1'] }, async (sim) => {
    const denied = await failure(
      ec2(sim, 'eu-west-1').send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] })),
    );
    assert.deepEqual([denied.code, denied.status], ['UnauthorizedOperation', 403]);
    await ec2(sim, 'us-east-1').send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
    const unknown = await failure(ec2(sim, 'xx-nowhere-1').send(new DescribeRegionsCommand({})));
    assert.equal(unknown.code, 'AuthFailure');
    const regions = await ec2(sim).send(new DescribeRegionsCommand({}));
    assert.ok(regions.Regions?.some((r) => r.RegionName === 'eu-west-1'));
    assert.deepEqual(
      sim.calls.map((c) => [c.region, c.status]),
      [
        ['eu-west-1', 403],
        ['us-east-1', 200],
        ['xx-nowhere-1', 401],
        ['us-east-1', 200],
      ],
    );
  });
});

test('SNS Publish is recorded', async () => {
  await withSim({}, async (sim) => {
    const sns = new SNSClient({ region: 'us-east-1', endpoint: sim.endpoint, credentials, maxAttempts: 1 });
    const topic = 'arn:aws:sns:us-east-1:123456789012:backups';
    const out = await sns.send(
      new PublishCommand({
        TopicArn: topic,
        Subject: 'snapshots done',
        Message: '{"ok":3}',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'summary' } },
      }),
    );
    assert.equal(sim.published.length, 1);
    assert.deepEqual(
      { ...sim.published[0], at: 0 },
      {
        region: 'us-east-1',
        topicArn: topic,
        subject: 'snapshots done',
        message: '{"ok":3}',
        messageId: out.MessageId,
        attributes: { kind: 'summary' },
        at: 0,
      },
    );
    assert.equal(sim.calls[0]?.service, 'sns');
    const bad = await failure(sns.send(new PublishCommand({ TopicArn: 'nope', Message: 'x' })));
    assert.equal(bad.code, 'InvalidParameterException');
  });
});

test('the SDK finds the simulator through AWS_ENDPOINT_URL_EC2 and AWS_ENDPOINT_URL_SNS', async () => {
  await withSim({}, async (sim) => {
    const saved = { ec2: process.env.AWS_ENDPOINT_URL_EC2, sns: process.env.AWS_ENDPOINT_URL_SNS };
    process.env.AWS_ENDPOINT_URL_EC2 = sim.endpoint;
    process.env.AWS_ENDPOINT_URL_SNS = sim.endpoint;
    try {
      const client = new EC2Client({ region: 'ap-southeast-2', credentials, maxAttempts: 1 });
      await client.send(new DescribeRegionsCommand({}));
      const sns = new SNSClient({ region: 'ap-southeast-2', credentials, maxAttempts: 1 });
      await sns.send(
        new PublishCommand({ TopicArn: 'arn:aws:sns:ap-southeast-2:123456789012:t', Message: 'hi' }),
      );
      assert.deepEqual(
        sim.calls.map((c) => [c.service, c.action, c.region]),
        [
          ['ec2', 'DescribeRegions', 'ap-southeast-2'],
          ['sns', 'Publish', 'ap-southeast-2'],
        ],
      );
    } finally {
      for (const [k, v] of [
        ['AWS_ENDPOINT_URL_EC2', saved.ec2],
        ['AWS_ENDPOINT_URL_SNS', saved.sns],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

test('instances stop and start through their states; a stuck instance stays stopping, a failing one errors', async () => {
  await withSim({ stopDurationMs: 1000, startDurationMs: 1000 }, async (sim) => {
    const a = sim.addInstance('us-east-1', { name: 'a', volumes: [{ device: '/dev/xvda' }] });
    const b = sim.addInstance('us-east-1', { name: 'b', volumes: [{ device: '/dev/xvda' }] });
    const c = sim.addInstance('us-east-1', { name: 'c', volumes: [{ device: '/dev/xvda' }] });
    sim.setInstanceFaults(b.instanceId, { stop: { kind: 'stuck' } });
    sim.setInstanceFaults(c.instanceId, { stop: { kind: 'error', code: 'UnsupportedOperation' } });
    const client = ec2(sim);
    const stateOf = async (id: string): Promise<string | undefined> =>
      (await client.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]
        ?.Instances?.[0]?.State?.Name;
    const stop = await client.send(new StopInstancesCommand({ InstanceIds: [a.instanceId, b.instanceId] }));
    assert.deepEqual(
      stop.StoppingInstances?.map((s) => [s.PreviousState?.Name, s.CurrentState?.Name, s.CurrentState?.Code]),
      [
        ['running', 'stopping', 64],
        ['running', 'stopping', 64],
      ],
    );
    sim.advance(1001);
    assert.equal(await stateOf(a.instanceId), 'stopped');
    assert.equal(await stateOf(b.instanceId), 'stopping');
    assert.equal(
      (await failure(client.send(new StopInstancesCommand({ InstanceIds: [c.instanceId] })))).code,
      'UnsupportedOperation',
    );
    assert.equal(
      (await failure(client.send(new StartInstancesCommand({ InstanceIds: [b.instanceId] })))).code,
      'IncorrectInstanceState',
    );
    const start = await client.send(new StartInstancesCommand({ InstanceIds: [a.instanceId] }));
    assert.equal(start.StartingInstances?.[0]?.CurrentState?.Name, 'pending');
    sim.advance(1001);
    assert.equal(await stateOf(a.instanceId), 'running');
    const stopped = await client.send(
      new DescribeInstancesCommand({
        Filters: [{ Name: 'instance-state-name', Values: ['stopping', 'stopped'] }],
      }),
    );
    assert.deepEqual(
      stopped.Reservations?.flatMap((r) => r.Instances?.map((i) => i.InstanceId)),
      [b.instanceId],
    );
  });
});

test('faults, latency, tags right after creation, and the call record', async () => {
  await withSim({ latencyMs: 40, eventualConsistencyMs: 5_000 }, async (sim) => {
    const { volumeIds } = sim.addInstance('us-east-1', {
      volumes: [{ device: '/dev/xvda', tags: { a: '1' } }],
    });
    const client = ec2(sim);
    sim.injectFault({ action: 'DescribeVolumes', code: 'InternalError', count: 1 });
    const fault = await failure(client.send(new DescribeVolumesCommand({})));
    assert.deepEqual([fault.code, fault.status], ['InternalError', 500]);
    const vols = await client.send(new DescribeVolumesCommand({}));
    assert.equal(vols.Volumes?.length, 1);

    const snap = await client.send(new CreateSnapshotCommand({ VolumeId: volumeIds[0] }));
    const early = await failure(
      client.send(
        new CreateTagsCommand({ Resources: [snap.SnapshotId ?? ''], Tags: [{ Key: 'k', Value: 'v' }] }),
      ),
    );
    assert.equal(early.code, 'InvalidSnapshot.NotFound');
    sim.advance(5_001);
    await client.send(
      new CreateTagsCommand({ Resources: [snap.SnapshotId ?? ''], Tags: [{ Key: 'k', Value: 'v' }] }),
    );
    await client.send(new DeleteTagsCommand({ Resources: volumeIds, Tags: [{ Key: 'a', Value: 'other' }] }));
    const tags = await client.send(
      new DescribeTagsCommand({ Filters: [{ Name: 'key', Values: ['a', 'k'] }] }),
    );
    assert.deepEqual(
      tags.Tags?.map((t) => [t.ResourceType, t.Key]),
      [
        ['volume', 'a'],
        ['snapshot', 'k'],
      ],
    );
    const reserved = await failure(
      client.send(new CreateTagsCommand({ Resources: volumeIds, Tags: [{ Key: 'aws:x', Value: 'v' }] })),
    );
    assert.equal(reserved.code, 'InvalidParameterValue');

    const record = sim.callsOf('CreateSnapshot')[0];
    assert.equal(record?.params.VolumeId, volumeIds[0]);
    assert.equal(record?.status, 200);
    assert.ok((record?.durationMs ?? 0) >= 39);
    assert.deepEqual(
      sim.callsOf('DescribeVolumes').map((c) => c.errorCode ?? c.status),
      ['InternalError', 200],
    );
  });
});

test('volumes: create from a snapshot, attach, detach, delete', async () => {
  await withSim({ volumeCreateMs: 0 }, async (sim) => {
    const { instanceId } = sim.addInstance('us-east-1', { volumes: [{ device: '/dev/xvda' }] });
    const snap = sim.addSnapshot('us-east-1', { sizeGiB: 40 });
    const client = ec2(sim);
    const vol = await client.send(
      new CreateVolumeCommand({
        AvailabilityZone: 'us-east-1a',
        SnapshotId: snap,
        VolumeType: 'gp3',
        TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'restored', Value: 'yes' }] }],
      }),
    );
    assert.deepEqual([vol.State, vol.Size, vol.SnapshotId], ['creating', 40, snap]);
    const attach = await client.send(
      new AttachVolumeCommand({ VolumeId: vol.VolumeId, InstanceId: instanceId, Device: '/dev/sdh' }),
    );
    assert.equal(attach.State, 'attaching');
    const inUse = await client.send(
      new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [instanceId] }] }),
    );
    assert.equal(inUse.Volumes?.length, 2);
    await client.send(new DetachVolumeCommand({ VolumeId: vol.VolumeId }));
    await client.send(new DeleteVolumeCommand({ VolumeId: vol.VolumeId }));
    const left = await client.send(new DescribeVolumesCommand({}));
    assert.equal(left.Volumes?.length, 1);
  });
});

test('fleet builds 1,000 volumes on 250 instances in 3 regions', async () => {
  await withSim({}, async (sim) => {
    const built = fleet(sim, {
      regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'],
      instances: 250,
      volumesPerInstance: 4,
      tags: (i) => ({ backup: i % 2 ? 'daily' : 'weekly' }),
    });
    assert.equal(built.volumeIds.length, 1000);
    let total = 0;
    for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-2']) {
      for await (const page of paginateDescribeVolumes(
        { client: ec2(sim, region), pageSize: 500 },
        { Filters: [{ Name: 'tag-key', Values: ['backup'] }] },
      )) {
        total += page.Volumes?.length ?? 0;
      }
    }
    assert.equal(total, 1000);
    const daily = await ec2(sim, 'eu-west-1').send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'tag:backup', Values: ['daily'] }] }),
    );
    assert.equal(
      daily.Reservations?.length,
      built.byRegion.get('eu-west-1')?.filter((_, i) => i % 2 === 0).length,
    );
  });
});

test('the simulator in a process of its own answers the SDK and reports its calls', async () => {
  const sim = await startEc2SimProcess(
    { regions: ['us-east-1', 'eu-west-1'], rateLimits: false },
    { regions: ['us-east-1', 'eu-west-1'], instances: 4, volumesPerInstance: 2, tags: { Backup: 'daily' } },
  );
  try {
    const ec2 = new EC2Client({
      region: 'eu-west-1',
      endpoint: sim.endpoint,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const out = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Backup', Values: ['daily'] }] }),
    );
    ec2.destroy();
    const instances = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    assert.equal(instances.length, 2);
    assert.ok(instances.every((i) => i.BlockDeviceMappings?.length === 2));
    const calls = await sim.calls();
    assert.deepEqual(
      calls.map((c) => [c.action, c.region, c.status]),
      [['DescribeInstances', 'eu-west-1', 200]],
    );
    assert.ok((await sim.cpuMs()) > 0);
    await sim.clearRecords();
    assert.deepEqual(await sim.calls(), []);

    // A fresh simulator in the same process: new fleet, new records.
    await sim.restart(
      { regions: ['eu-west-1'], rateLimits: false },
      { regions: ['eu-west-1'], instances: 3, volumesPerInstance: 1 },
    );
    const again = new EC2Client({ region: 'eu-west-1', endpoint: sim.endpoint, credentials });
    const fresh = await again.send(new DescribeInstancesCommand({}));
    again.destroy();
    assert.equal((fresh.Reservations ?? []).flatMap((r) => r.Instances ?? []).length, 3);
    assert.equal((await sim.calls()).length, 1);
  } finally {
    await sim.close();
  }
});
