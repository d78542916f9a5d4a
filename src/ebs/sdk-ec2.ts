import {
  CopySnapshotCommand,
  CreateSnapshotCommand,
  CreateSnapshotsCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { Filter } from '@aws-sdk/client-ec2';
import { awsCode } from '../aws/aws-errors.js';
import type { AwsClients } from '../aws/clients.js';
import type { ApiScheduler } from '../aws/scheduler.js';
import type {
  CopySnapshotRequest,
  CreateSnapshotRequest,
  CreateSnapshotsRequest,
  Ec2Api,
  SnapshotQuery,
  TagFilter,
} from './ports.js';
import { presignTagsAsQuery } from './copy-presign.js';
import { tagFilters, tagList, toInstance, toSnapshot, toVolume } from './sdk-map.js';
import type { CreatedSnapshot, Ec2Instance, Ec2Snapshot, Ec2Volume, Tags } from './types.js';

/** EC2 allows at most 200 values in one filter. */
const chunks = <T>(xs: T[], n = 200): T[][] =>
  xs.length === 0
    ? []
    : Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

const identityFilter = (identity: Tags): TagFilter =>
  Object.fromEntries(Object.entries(identity).map(([k, v]) => [k, [v]]));

/** The Ec2Api over the AWS SDK: every call paced and retried by the ApiScheduler. */
export class SdkEc2 implements Ec2Api {
  constructor(
    private readonly clients: AwsClients,
    private readonly scheduler: ApiScheduler,
  ) {}

  withSignal(signal: AbortSignal): SdkEc2 {
    return new SdkEc2(this.clients, this.scheduler.withSignal(signal));
  }

  async listRegions(homeRegion: string): Promise<string[]> {
    const out = await this.scheduler.call(
      homeRegion,
      'DescribeRegions',
      () => this.clients.ec2(homeRegion).send(new DescribeRegionsCommand({})),
      { idempotent: true, cls: 'describeUnfiltered' },
    );
    return (out.Regions ?? [])
      .map((r) => r.RegionName ?? '')
      .filter(Boolean)
      .sort();
  }

  async findInstances(region: string, q: { ids?: string[]; tags?: TagFilter }): Promise<Ec2Instance[]> {
    const base: Filter[] = [
      { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
      ...tagFilters(q.tags),
    ];
    const groups = q.ids
      ? chunks(q.ids).map((ids) => [...base, { Name: 'instance-id', Values: ids }])
      : [base];
    const out: Ec2Instance[] = [];
    for (const Filters of groups) {
      let NextToken: string | undefined;
      do {
        const page = await this.scheduler.call(
          region,
          'DescribeInstances',
          () =>
            this.clients
              .ec2(region)
              .send(new DescribeInstancesCommand({ Filters, MaxResults: 1000, NextToken })),
          { idempotent: true },
        );
        for (const r of page.Reservations ?? [])
          for (const i of r.Instances ?? []) out.push(toInstance(i, region));
        NextToken = page.NextToken;
      } while (NextToken);
    }
    return out;
  }

  async findVolumes(region: string, ids: string[]): Promise<Ec2Volume[]> {
    const out: Ec2Volume[] = [];
    for (const chunk of chunks(ids)) {
      let NextToken: string | undefined;
      do {
        const page = await this.scheduler.call(
          region,
          'DescribeVolumes',
          () =>
            this.clients.ec2(region).send(
              new DescribeVolumesCommand({
                Filters: [{ Name: 'volume-id', Values: chunk }],
                MaxResults: 500,
                NextToken,
              }),
            ),
          { idempotent: true },
        );
        out.push(...(page.Volumes ?? []).map((v) => toVolume(v, region)));
        NextToken = page.NextToken;
      } while (NextToken);
    }
    return out;
  }

  async findSnapshots(region: string, q: SnapshotQuery): Promise<Ec2Snapshot[]> {
    const base = tagFilters(q.tags);
    const groups: Filter[][] = q.ids
      ? chunks(q.ids).map((ids) => [...base, { Name: 'snapshot-id', Values: ids }])
      : q.volumeIds
        ? chunks(q.volumeIds).map((ids) => [...base, { Name: 'volume-id', Values: ids }])
        : [base];
    const out: Ec2Snapshot[] = [];
    for (const Filters of groups) {
      let NextToken: string | undefined;
      do {
        const page = await this.scheduler.call(
          region,
          'DescribeSnapshots',
          () =>
            this.clients.ec2(region).send(
              new DescribeSnapshotsCommand({
                OwnerIds: ['self'],
                ...(Filters.length ? { Filters } : {}),
                MaxResults: 1000,
                NextToken,
              }),
            ),
          { idempotent: true },
        );
        out.push(...(page.Snapshots ?? []).map((s) => toSnapshot(s, region)));
        NextToken = page.NextToken;
      } while (NextToken);
    }
    return out;
  }

  private async lookup(region: string, identity: Tags): Promise<Ec2Snapshot[]> {
    return this.findSnapshots(region, { tags: identityFilter(identity) });
  }

  async createSnapshots(region: string, r: CreateSnapshotsRequest): Promise<CreatedSnapshot[]> {
    return this.scheduler.call(
      region,
      'CreateSnapshots',
      async () => {
        const out = await this.clients.ec2(region).send(
          new CreateSnapshotsCommand({
            InstanceSpecification: {
              InstanceId: r.instanceId,
              ExcludeBootVolume: r.excludeBoot,
              ...(r.excludeVolumeIds.length ? { ExcludeDataVolumeIds: r.excludeVolumeIds } : {}),
            },
            Description: r.description,
            TagSpecifications: [{ ResourceType: 'snapshot', Tags: tagList(r.tags) }],
          }),
        );
        return (out.Snapshots ?? []).map((s) => ({
          snapshotId: s.SnapshotId ?? '',
          volumeId: s.VolumeId ?? '',
          state: s.State ?? 'pending',
        }));
      },
      {
        busyCodes: ['ConcurrentSnapshotLimitExceeded'],
        recover: async () => {
          const found = await this.lookup(region, r.identity);
          return found.length
            ? found.map((s) => ({ snapshotId: s.id, volumeId: s.volumeId, state: s.state }))
            : undefined;
        },
      },
    );
  }

  async createSnapshot(region: string, r: CreateSnapshotRequest): Promise<CreatedSnapshot> {
    return this.scheduler.call(
      region,
      'CreateSnapshot',
      async () => {
        const s = await this.clients.ec2(region).send(
          new CreateSnapshotCommand({
            VolumeId: r.volumeId,
            Description: r.description,
            TagSpecifications: [{ ResourceType: 'snapshot', Tags: tagList(r.tags) }],
          }),
        );
        return {
          snapshotId: s.SnapshotId ?? '',
          volumeId: s.VolumeId ?? r.volumeId,
          state: s.State ?? 'pending',
        };
      },
      {
        busyCodes: ['ConcurrentSnapshotLimitExceeded'],
        recover: async () => {
          const s = (await this.lookup(region, r.identity))[0];
          return s ? { snapshotId: s.id, volumeId: s.volumeId, state: s.state } : undefined;
        },
      },
    );
  }

  async tagSnapshots(region: string, ids: string[], tags: Tags): Promise<void> {
    await this.scheduler.call(
      region,
      'CreateTags',
      () => this.clients.ec2(region).send(new CreateTagsCommand({ Resources: ids, Tags: tagList(tags) })),
      // A snapshot may not be visible to CreateTags right after it was created.
      { idempotent: true, busyCodes: ['InvalidSnapshot.NotFound'], busyAttempts: 8 },
    );
  }

  async deleteSnapshot(region: string, id: string): Promise<void> {
    try {
      await this.scheduler.call(
        region,
        'DeleteSnapshot',
        () => this.clients.ec2(region).send(new DeleteSnapshotCommand({ SnapshotId: id })),
        { idempotent: true },
      );
    } catch (err) {
      if (awsCode(err) === 'InvalidSnapshot.NotFound') return; // gone already
      throw err;
    }
  }

  async imageSnapshots(region: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    let NextToken: string | undefined;
    do {
      const page = await this.scheduler.call(
        region,
        'DescribeImages',
        () =>
          this.clients
            .ec2(region)
            .send(new DescribeImagesCommand({ Owners: ['self'], MaxResults: 1000, NextToken })),
        { idempotent: true },
      );
      for (const image of page.Images ?? []) {
        for (const b of image.BlockDeviceMappings ?? []) {
          if (b.Ebs?.SnapshotId && image.ImageId) out.set(b.Ebs.SnapshotId, image.ImageId);
        }
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return out;
  }

  async copySnapshot(destRegion: string, r: CopySnapshotRequest): Promise<string> {
    return this.scheduler.call(
      destRegion,
      'CopySnapshot',
      async () => {
        const out = await this.clients.ec2(destRegion).send(
          presignTagsAsQuery(
            new CopySnapshotCommand({
              SourceRegion: r.sourceRegion,
              SourceSnapshotId: r.sourceSnapshotId,
              Description: r.description,
              TagSpecifications: [{ ResourceType: 'snapshot', Tags: tagList(r.tags) }],
              ...(r.kmsKeyId ? { Encrypted: true, KmsKeyId: r.kmsKeyId } : {}),
            }),
          ),
        );
        return out.SnapshotId ?? '';
      },
      {
        busyCodes: ['ResourceLimitExceeded'],
        busyAttempts: 30,
        recover: async () => (await this.lookup(destRegion, r.identity))[0]?.id,
      },
    );
  }

  async stopInstance(region: string, id: string, force: boolean): Promise<void> {
    await this.scheduler.call(
      region,
      'StopInstances',
      () =>
        this.clients
          .ec2(region)
          .send(new StopInstancesCommand({ InstanceIds: [id], Force: force || undefined })),
      { idempotent: true },
    );
  }

  async startInstance(region: string, id: string): Promise<void> {
    await this.scheduler.call(
      region,
      'StartInstances',
      () => this.clients.ec2(region).send(new StartInstancesCommand({ InstanceIds: [id] })),
      { idempotent: true },
    );
  }
}
