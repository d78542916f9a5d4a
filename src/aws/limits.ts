/**
 * EC2's request rate limits per account and region (token buckets), as AWS publishes them:
 * a bucket of `capacity` tokens refilled at `refillPerSec`. Each API action has its own bucket,
 * sized by the class of the action.
 */
export type ActionClass = 'ebsCreate' | 'createTags' | 'mutating' | 'describe' | 'describeUnfiltered';

export interface BucketSpec {
  capacity: number;
  refillPerSec: number;
}

export const PUBLISHED_LIMITS: Readonly<Record<ActionClass, BucketSpec>> = {
  ebsCreate: { capacity: 100, refillPerSec: 5 },
  createTags: { capacity: 100, refillPerSec: 10 },
  mutating: { capacity: 50, refillPerSec: 5 },
  describe: { capacity: 100, refillPerSec: 20 },
  describeUnfiltered: { capacity: 50, refillPerSec: 10 },
};

/**
 * The largest burst of any bucket (100). Calls in flight per region and sockets per client are
 * sized to it, so a burst goes out in one round trip instead of waves.
 */
export const LARGEST_BURST = Math.max(...Object.values(PUBLISHED_LIMITS).map((b) => b.capacity));

const EBS_CREATE = new Set(['CreateSnapshot', 'CreateSnapshots', 'DeleteSnapshot', 'CreateVolume']);

/**
 * The class of an action. A Describe* call counts as "filtered or paginated" when it names filters,
 * IDs, owners or MaxResults; cairn always sends one of those, so `filtered` defaults to true.
 */
export function classOf(action: string, filtered = true): ActionClass {
  if (EBS_CREATE.has(action)) return 'ebsCreate';
  if (action === 'CreateTags') return 'createTags';
  if (action.startsWith('Describe')) return filtered ? 'describe' : 'describeUnfiltered';
  return 'mutating';
}

/** At most this many CopySnapshot copies may be pending per destination region. */
export const MAX_PENDING_COPIES_PER_REGION = 20;

/** At most this many pending snapshots per volume (st1/sc1: 1). */
export const MAX_PENDING_SNAPSHOTS_PER_VOLUME = 5;
