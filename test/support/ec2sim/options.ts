/** Options of the EC2 simulator and their defaults, in one place. */

/**
 * Rate-limit classes. AWS's published numbers (bucket size, refill per second, per account and region):
 * ebsCreate: CreateSnapshot, CreateSnapshots, DeleteSnapshot, CreateVolume 100 / 5;
 * createTags: CreateTags 100 / 10; mutating: every other mutating action 50 / 5;
 * describe: filtered or paginated Describe* 100 / 20; describeUnfiltered: Describe* without filters,
 * IDs or pagination 50 / 10.
 */
export type ActionClass = 'ebsCreate' | 'createTags' | 'mutating' | 'describe' | 'describeUnfiltered';

export interface BucketSpec {
  capacity: number;
  refillPerSec: number;
}

export const PUBLISHED_RATE_LIMITS: Readonly<Record<ActionClass, BucketSpec>> = {
  ebsCreate: { capacity: 100, refillPerSec: 5 },
  createTags: { capacity: 100, refillPerSec: 10 },
  mutating: { capacity: 50, refillPerSec: 5 },
  describe: { capacity: 100, refillPerSec: 20 },
  describeUnfiltered: { capacity: 50, refillPerSec: 10 },
};

export interface FaultSpec {
  /** API action, e.g. `CreateSnapshot` or `Publish`. `*` matches every action. */
  action: string;
  region?: string;
  /** Error code to return, e.g. `InternalError`, `RequestLimitExceeded`. */
  code: string;
  message?: string;
  /** HTTP status; derived from the code when omitted. */
  status?: number;
  /** How many of the next matching calls fail (default 1). */
  count?: number;
}

export interface Ec2SimOptions {
  /** Account the caller acts as; owner of everything seeded. */
  accountId: string;
  /** Regions that exist (DescribeRegions lists them; calls elsewhere get AuthFailure). */
  regions: string[];
  /** Simulated time runs this many times faster than wall-clock time. */
  clockSpeed: number;
  /** Simulated time a snapshot stays `pending`. 0 completes it at the next look. */
  snapshotDurationMs: number;
  /** Simulated time a CopySnapshot copy stays `pending`. */
  copyDurationMs: number;
  /** Simulated time of running → stopping → stopped. */
  stopDurationMs: number;
  /** Simulated time of stopped → pending → running. */
  startDurationMs: number;
  /** Simulated time of a new volume in `creating`. */
  volumeCreateMs: number;
  /** Wall-clock delay before each call is handled. */
  latencyMs: number;
  /** Enforce the token buckets. */
  rateLimits: boolean;
  /** Multiplies every refill rate (bucket sizes stay). */
  rateScale: number;
  /** Overrides of bucket sizes and refill rates per class. */
  rateOverrides: Partial<Record<ActionClass, BucketSpec>>;
  /** `action`: one bucket per API action, as AWS documents it today; `class`: one per class. */
  bucketScope: 'action' | 'class';
  /** At most this many pending snapshots per volume (st1/sc1 volumes: 1). */
  maxPendingSnapshotsPerVolume: number;
  /** At most this many pending CopySnapshot copies per destination region. */
  maxPendingCopiesPerRegion: number;
  /** Resources created through the API stay invisible to CreateTags/DeleteTags this long (simulated ms). */
  eventualConsistencyMs: number;
  /** Every call in these regions gets 403 UnauthorizedOperation (SNS: AuthorizationError). */
  denyRegions: string[];
  /** Every call of these actions gets 403 UnauthorizedOperation (SNS: AuthorizationError). */
  denyActions: string[];
  /** Fail the next N calls of an action with a given error code. */
  faults: FaultSpec[];
  /** SNS topics that exist; empty accepts every topic ARN. */
  snsTopics: string[];
}

export const DEFAULT_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'sa-east-1',
];

export const DEFAULT_OPTIONS: Readonly<Ec2SimOptions> = {
  accountId: '123456789012',
  regions: DEFAULT_REGIONS,
  clockSpeed: 1,
  snapshotDurationMs: 2000,
  copyDurationMs: 2000,
  stopDurationMs: 1000,
  startDurationMs: 1000,
  volumeCreateMs: 500,
  latencyMs: 0,
  rateLimits: true,
  rateScale: 1,
  rateOverrides: {},
  bucketScope: 'action',
  maxPendingSnapshotsPerVolume: 5,
  maxPendingCopiesPerRegion: 20,
  eventualConsistencyMs: 0,
  denyRegions: [],
  denyActions: [],
  faults: [],
  snsTopics: [],
};

export function resolveOptions(partial: Partial<Ec2SimOptions> = {}): Ec2SimOptions {
  const merged = { ...DEFAULT_OPTIONS, ...stripUndefined(partial) };
  return { ...merged, faults: merged.faults.map((f) => ({ ...f })) };
}

export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function bucketSpec(opts: Ec2SimOptions, cls: ActionClass): BucketSpec {
  const base = opts.rateOverrides[cls] ?? PUBLISHED_RATE_LIMITS[cls];
  return { capacity: base.capacity, refillPerSec: base.refillPerSec * opts.rateScale };
}
