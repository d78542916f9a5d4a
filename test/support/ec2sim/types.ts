/** Resource and record types of the EC2 simulator. Times are simulator-clock epoch milliseconds. */

export type Tags = Map<string, string>;

export type InstanceStateName =
  'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';

/** What an instance does when asked to stop or start. */
export type InstanceFault = { kind: 'stuck' } | { kind: 'error'; code: string; message?: string };

export interface InstanceFaults {
  stop?: InstanceFault;
  start?: InstanceFault;
}

export interface Transition<S extends string> {
  to: S;
  at: number;
}

export interface Instance {
  id: string;
  seq: number;
  region: string;
  az: string;
  reservationId: string;
  imageId: string;
  instanceType: string;
  launchTime: number;
  state: InstanceStateName;
  transition?: Transition<InstanceStateName>;
  stateReason?: string;
  rootDeviceName: string;
  tags: Tags;
  faults: InstanceFaults;
}

export type VolumeStateName = 'creating' | 'available' | 'in-use' | 'deleting' | 'deleted' | 'error';

export interface Attachment {
  instanceId: string;
  device: string;
  attachTime: number;
  deleteOnTermination: boolean;
}

export interface Volume {
  id: string;
  seq: number;
  region: string;
  az: string;
  sizeGiB: number;
  volumeType: string;
  iops?: number;
  encrypted: boolean;
  kmsKeyId?: string;
  snapshotId?: string;
  createTime: number;
  state: VolumeStateName;
  transition?: Transition<VolumeStateName>;
  attachment?: Attachment;
  tags: Tags;
  /** The next N snapshots of this volume end in `error`. */
  failNextSnapshots: number;
}

export type SnapshotStateName = 'pending' | 'completed' | 'error';

export interface Snapshot {
  id: string;
  seq: number;
  region: string;
  volumeId: string;
  volumeSize: number;
  description: string;
  ownerId: string;
  ownerAlias?: string;
  /** Visible to every account (DescribeSnapshots without an owner restriction shows it). */
  public: boolean;
  encrypted: boolean;
  kmsKeyId?: string;
  startTime: number;
  /** When a pending snapshot leaves `pending`. */
  completesAt: number;
  /** Where it goes then. */
  endState: 'completed' | 'error';
  state: SnapshotStateName;
  stateMessage?: string;
  copiedFrom?: { region: string; snapshotId: string };
  tags: Tags;
}

export interface ImageBlockDevice {
  deviceName: string;
  snapshotId?: string;
  volumeSize?: number;
  volumeType: string;
  deleteOnTermination: boolean;
  encrypted: boolean;
}

export interface Image {
  id: string;
  seq: number;
  region: string;
  name: string;
  description?: string;
  ownerId: string;
  state: 'available' | 'pending' | 'deregistered';
  creationDate: number;
  rootDeviceName: string;
  blockDevices: ImageBlockDevice[];
  tags: Tags;
}

/** One HTTP call as the simulator saw it. `status` is 0 until the response is written. */
export interface RecordedCall {
  action: string;
  region: string;
  service: 'ec2' | 'sns';
  /** Wall-clock epoch ms when the request arrived. */
  at: number;
  /** The form parameters, flat (`Filter.1.Name`), without Action and Version. */
  params: Record<string, string>;
  status: number;
  errorCode?: string;
  durationMs?: number;
}

export interface SnsMessage {
  region: string;
  topicArn: string;
  message: string;
  subject?: string;
  messageId: string;
  attributes: Record<string, string>;
  at: number;
}
