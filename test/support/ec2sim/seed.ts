/** Putting resources straight into the simulator, without API calls, throttling or records. */
import { newVolume } from './factory.js';
import { newImage } from './handlers/images.js';
import type { Ec2SimOptions } from './options.js';
import { copyTags, type SimState } from './state.js';
import type { Instance, InstanceFaults, Snapshot, SnapshotStateName, Volume } from './types.js';

export interface VolumeSeed {
  /** Device name on the instance; the first volume of an instance is its root device. */
  device: string;
  sizeGiB?: number;
  volumeType?: string;
  encrypted?: boolean;
  tags?: Record<string, string>;
  /** The next N (or, with `true`, the next one) snapshots of this volume end in `error`. */
  failNextSnapshot?: number | boolean;
}

export interface InstanceSeed {
  /** Sets the `Name` tag. */
  name?: string;
  tags?: Record<string, string>;
  volumes: VolumeSeed[];
  state?: 'running' | 'stopped';
  az?: string;
  instanceType?: string;
  imageId?: string;
  faults?: InstanceFaults;
}

export interface StandaloneVolumeSeed extends Omit<VolumeSeed, 'device'> {
  az?: string;
  snapshotId?: string;
}

export interface SnapshotSeed {
  /** The source volume; its size, encryption and region are used when it exists. Default: a volume long gone. */
  volumeId?: string;
  sizeGiB?: number;
  state?: SnapshotStateName;
  /** For a pending snapshot: simulated ms until it ends (default `snapshotDurationMs`). */
  durationMs?: number;
  startTime?: Date | number | string;
  description?: string;
  tags?: Record<string, string>;
  /** Another account's snapshot (visible only when `public`). */
  ownerId?: string;
  ownerAlias?: string;
  public?: boolean;
  encrypted?: boolean;
}

export interface ImageSeed {
  snapshotIds: string[];
  name?: string;
  description?: string;
  rootDeviceName?: string;
  tags?: Record<string, string>;
}

const failCount = (f: number | boolean | undefined): number =>
  f === true ? 1 : typeof f === 'number' ? f : 0;

export function seedVolume(state: SimState, region: string, spec: StandaloneVolumeSeed): Volume {
  const v = newVolume(state, {
    region,
    az: spec.az ?? `${region}a`,
    sizeGiB: spec.sizeGiB ?? 8,
    volumeType: spec.volumeType,
    encrypted: spec.encrypted,
    snapshotId: spec.snapshotId,
    tags: copyTags(spec.tags),
  });
  v.failNextSnapshots = failCount(spec.failNextSnapshot);
  return v;
}

export function seedInstance(
  state: SimState,
  region: string,
  spec: InstanceSeed,
): { instanceId: string; volumeIds: string[] } {
  const tags = copyTags(spec.tags);
  if (spec.name !== undefined) tags.set('Name', spec.name);
  const az = spec.az ?? `${region}a`;
  const now = state.now();
  const instance: Instance = {
    id: state.newId('i'),
    seq: state.nextSeq(),
    region,
    az,
    reservationId: state.newId('r'),
    imageId: spec.imageId ?? 'ami-0abcdef1234567890',
    instanceType: spec.instanceType ?? 't3.micro',
    launchTime: now,
    state: spec.state ?? 'running',
    stateReason:
      spec.state === 'stopped' ? 'Client.UserInitiatedShutdown: User initiated shutdown' : undefined,
    rootDeviceName: spec.volumes[0]?.device ?? '/dev/xvda',
    tags,
    faults: spec.faults ?? {},
  };
  state.putInstance(instance);
  const volumeIds = spec.volumes.map((vs, i) => {
    const v = seedVolume(state, region, { ...vs, az });
    v.state = 'in-use';
    v.attachment = {
      instanceId: instance.id,
      device: vs.device,
      attachTime: now,
      deleteOnTermination: i === 0,
    };
    return v.id;
  });
  return { instanceId: instance.id, volumeIds };
}

export function seedSnapshot(
  state: SimState,
  opts: Ec2SimOptions,
  region: string,
  spec: SnapshotSeed,
): string {
  const volume = spec.volumeId ? state.region(region).volumes.get(spec.volumeId) : undefined;
  const now = state.now();
  const startTime = spec.startTime === undefined ? now : new Date(spec.startTime).getTime();
  const status = spec.state ?? 'completed';
  const snap: Snapshot = {
    id: state.newId('snap'),
    seq: state.nextSeq(),
    region,
    volumeId: spec.volumeId ?? state.newId('vol'),
    volumeSize: spec.sizeGiB ?? volume?.sizeGiB ?? 8,
    description: spec.description ?? '',
    ownerId: spec.ownerId ?? opts.accountId,
    ownerAlias: spec.ownerAlias,
    public: spec.public ?? false,
    encrypted: spec.encrypted ?? volume?.encrypted ?? false,
    startTime,
    completesAt: status === 'pending' ? now + (spec.durationMs ?? opts.snapshotDurationMs) : startTime,
    endState: status === 'error' ? 'error' : 'completed',
    state: status,
    tags: copyTags(spec.tags),
  };
  state.putSnapshot(snap);
  return snap.id;
}

export function seedImage(state: SimState, opts: Ec2SimOptions, region: string, spec: ImageSeed): string {
  const devices = spec.snapshotIds.map((snapshotId, i) => ({
    deviceName: i === 0 ? (spec.rootDeviceName ?? '/dev/xvda') : `/dev/sd${String.fromCharCode(102 + i - 1)}`,
    snapshotId,
    volumeType: 'gp3',
    deleteOnTermination: true,
    encrypted: false,
  }));
  const image = newImage(state, region, opts.accountId, {
    name: spec.name ?? `image-${state.nextSeq()}`,
    description: spec.description,
    rootDeviceName: spec.rootDeviceName,
    devices,
    tags: copyTags(spec.tags),
  });
  return image.id;
}
