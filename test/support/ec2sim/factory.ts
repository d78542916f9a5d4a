/** Creation of resources, shared by the API handlers and the seed helpers. */
import { SimError } from './errors.js';
import type { Ec2SimOptions } from './options.js';
import type { SimState } from './state.js';
import type { Snapshot, Tags, Volume } from './types.js';

export function maxPendingFor(volume: Volume, opts: Ec2SimOptions): number {
  return volume.volumeType === 'st1' || volume.volumeType === 'sc1' ? 1 : opts.maxPendingSnapshotsPerVolume;
}

/** Refuses a snapshot of a volume that cannot take one now. */
export function checkSnapshotable(state: SimState, volume: Volume, opts: Ec2SimOptions): void {
  if (volume.state === 'creating' || volume.state === 'deleting' || volume.state === 'error') {
    throw new SimError('IncorrectState', `The volume '${volume.id}' is in the '${volume.state}' state.`);
  }
  if (state.pendingSnapshotsOf(volume.id) >= maxPendingFor(volume, opts)) {
    throw new SimError(
      'ConcurrentSnapshotLimitExceeded',
      `Maximum number of snapshots in progress for volume ${volume.id} reached (${maxPendingFor(volume, opts)}).`,
    );
  }
}

/** Starts a snapshot of `volume`; it ends after `snapshotDurationMs`, in `error` if the volume is set to fail. */
export function snapshotVolume(
  state: SimState,
  volume: Volume,
  opts: Ec2SimOptions,
  description: string,
  tags: Tags,
): Snapshot {
  const now = state.now();
  const fail = volume.failNextSnapshots > 0;
  if (fail) volume.failNextSnapshots--;
  const snap: Snapshot = {
    id: state.newId('snap'),
    seq: state.nextSeq(),
    region: volume.region,
    volumeId: volume.id,
    volumeSize: volume.sizeGiB,
    description,
    ownerId: opts.accountId,
    public: false,
    encrypted: volume.encrypted,
    kmsKeyId: volume.kmsKeyId,
    startTime: now,
    completesAt: now + opts.snapshotDurationMs,
    endState: fail ? 'error' : 'completed',
    state: 'pending',
    tags,
  };
  state.putSnapshot(snap);
  return snap;
}

export interface NewVolume {
  region: string;
  az: string;
  sizeGiB: number;
  volumeType?: string;
  iops?: number;
  encrypted?: boolean;
  kmsKeyId?: string;
  snapshotId?: string;
  tags: Tags;
  /** `creating` until this simulated time; immediately `available` when omitted. */
  availableAt?: number;
}

export function newVolume(state: SimState, v: NewVolume): Volume {
  const volume: Volume = {
    id: state.newId('vol'),
    seq: state.nextSeq(),
    region: v.region,
    az: v.az,
    sizeGiB: v.sizeGiB,
    volumeType: v.volumeType ?? 'gp3',
    iops: v.iops ?? defaultIops(v.volumeType ?? 'gp3', v.sizeGiB),
    encrypted: v.encrypted ?? false,
    kmsKeyId: v.kmsKeyId,
    snapshotId: v.snapshotId,
    createTime: state.now(),
    state: v.availableAt === undefined ? 'available' : 'creating',
    tags: v.tags,
    failNextSnapshots: 0,
  };
  state.putVolume(volume);
  if (v.availableAt !== undefined) state.move(volume, 'available', v.availableAt);
  return volume;
}

function defaultIops(type: string, size: number): number | undefined {
  if (type === 'gp3') return 3000;
  if (type === 'gp2') return Math.min(16000, Math.max(100, size * 3));
  return undefined;
}
