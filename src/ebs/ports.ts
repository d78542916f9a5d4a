import type { CreatedSnapshot, Ec2Instance, Ec2Snapshot, Ec2Volume, Tags } from './types.js';

/** Tag filters: every key must match one of its values (EC2 `tag:Key` filters). */
export type TagFilter = Record<string, string[]>;

export interface CreateSnapshotsRequest {
  instanceId: string;
  excludeVolumeIds: string[];
  excludeBoot: boolean;
  description: string;
  tags: Tags;
  /**
   * Tags that identify what this request creates (e.g. its run and instance). After an
   * ambiguous failure they are looked up before the request is sent again.
   */
  identity: Tags;
}

export interface CreateSnapshotRequest {
  volumeId: string;
  description: string;
  tags: Tags;
  identity: Tags;
}

export interface CopySnapshotRequest {
  sourceRegion: string;
  sourceSnapshotId: string;
  description: string;
  tags: Tags;
  identity: Tags;
  kmsKeyId?: string | undefined;
}

export interface SnapshotQuery {
  ids?: string[] | undefined;
  tags?: TagFilter | undefined;
  volumeIds?: string[] | undefined;
}

/**
 * The EC2 calls the snapshot engine needs, and no more. Implementations pace and retry
 * (SdkEc2); tests may pass a double.
 */
export interface Ec2Api {
  listRegions(homeRegion: string): Promise<string[]>;
  findInstances(
    region: string,
    q: { ids?: string[] | undefined; tags?: TagFilter | undefined },
  ): Promise<Ec2Instance[]>;
  findVolumes(region: string, ids: string[]): Promise<Ec2Volume[]>;
  createSnapshots(region: string, r: CreateSnapshotsRequest): Promise<CreatedSnapshot[]>;
  createSnapshot(region: string, r: CreateSnapshotRequest): Promise<CreatedSnapshot>;
  tagSnapshots(region: string, ids: string[], tags: Tags): Promise<void>;
  findSnapshots(region: string, q: SnapshotQuery): Promise<Ec2Snapshot[]>;
  deleteSnapshot(region: string, id: string): Promise<void>;
  /** Snapshot id → the AMI that uses it, for this account's images in a region. */
  imageSnapshots(region: string): Promise<Map<string, string>>;
  copySnapshot(destRegion: string, r: CopySnapshotRequest): Promise<string>;
  stopInstance(region: string, id: string, force: boolean): Promise<void>;
  startInstance(region: string, id: string): Promise<void>;
  /**
   * The same API whose calls obey `signal` rather than the run's own (which may be aborted):
   * used to start instances again after an interruption. Doubles without it are used as they are.
   */
  withSignal?(signal: AbortSignal): Ec2Api;
}

export interface Notifier {
  /** Publishes to an SNS topic ARN (its region comes from the ARN). */
  publish(topicArn: string, subject: string, message: string): Promise<void>;
}
