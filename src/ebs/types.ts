/** What cairn knows about EC2 resources: plain data, independent of the SDK. */
export type Tags = Record<string, string>;

export interface AttachedVolume {
  volumeId: string;
  device: string;
  /** The volume's own tags, when they were looked up (DescribeVolumes). */
  tags?: Tags | undefined;
}

export interface Ec2Instance {
  id: string;
  region: string;
  /** pending, running, stopping, stopped, shutting-down, terminated */
  state: string;
  rootDevice: string | undefined;
  tags: Tags;
  volumes: AttachedVolume[];
}

export interface Ec2Volume {
  id: string;
  region: string;
  state: string;
  type: string | undefined;
  sizeGiB: number | undefined;
  tags: Tags;
  attachment: { instanceId: string; device: string } | undefined;
}

/** pending, completed, error (or recoverable, recovering for archived ones). */
export type SnapshotState = string;

export interface Ec2Snapshot {
  id: string;
  region: string;
  volumeId: string;
  state: SnapshotState;
  progress: string | undefined;
  startTime: Date;
  description: string;
  sizeGiB: number | undefined;
  encrypted: boolean;
  stateMessage: string | undefined;
  tags: Tags;
}

/** A snapshot that was just asked for. */
export interface CreatedSnapshot {
  snapshotId: string;
  volumeId: string;
  state: SnapshotState;
}
