import type { Filter, Instance, Snapshot, Tag, Volume } from '@aws-sdk/client-ec2';
import type { TagFilter } from './ports.js';
import type { Ec2Instance, Ec2Snapshot, Ec2Volume, Tags } from './types.js';

/** Conversions between the SDK's shapes and cairn's. */
export function tagsOf(list: Tag[] | undefined): Tags {
  const out: Tags = {};
  for (const t of list ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

export function tagList(tags: Tags): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function tagFilters(tags: TagFilter | undefined): Filter[] {
  return Object.entries(tags ?? {}).map(([k, values]) => ({ Name: `tag:${k}`, Values: values }));
}

export function toInstance(i: Instance, region: string): Ec2Instance {
  return {
    id: i.InstanceId ?? '',
    region,
    state: i.State?.Name ?? 'unknown',
    rootDevice: i.RootDeviceName,
    tags: tagsOf(i.Tags),
    volumes: (i.BlockDeviceMappings ?? [])
      .filter((b) => b.Ebs?.VolumeId && b.DeviceName)
      .map((b) => ({ volumeId: b.Ebs?.VolumeId ?? '', device: b.DeviceName ?? '' })),
  };
}

export function toVolume(v: Volume, region: string): Ec2Volume {
  const a = v.Attachments?.find(
    (x) => x.InstanceId && (x.State === undefined || x.State === 'attached' || x.State === 'attaching'),
  );
  return {
    id: v.VolumeId ?? '',
    region,
    state: v.State ?? 'unknown',
    type: v.VolumeType,
    sizeGiB: v.Size,
    tags: tagsOf(v.Tags),
    attachment: a?.InstanceId ? { instanceId: a.InstanceId, device: a.Device ?? '' } : undefined,
  };
}

export function toSnapshot(s: Snapshot, region: string): Ec2Snapshot {
  return {
    id: s.SnapshotId ?? '',
    region,
    volumeId: s.VolumeId ?? '',
    state: s.State ?? 'unknown',
    progress: s.Progress,
    startTime: s.StartTime ?? new Date(0),
    description: s.Description ?? '',
    sizeGiB: s.VolumeSize,
    encrypted: s.Encrypted ?? false,
    stateMessage: s.StateMessage,
    tags: tagsOf(s.Tags),
  };
}
