/** CopySnapshot: a completed source, in any region, copied into the region the call is made in. */
import type { ActionDef, Ctx } from '../context.js';
import { checkId, incorrectState, invalidValue, notFound, SimError } from '../errors.js';
import { bool, requireStr, str, tagSpecs } from '../query.js';
import type { Snapshot } from '../types.js';
import { el, tagSet } from '../xml.js';
import { validateTags } from './tags.js';

/** The volume ID every copied snapshot carries. */
export const COPY_VOLUME_ID = 'vol-ffffffff';

function copySnapshot(ctx: Ctx): string {
  const sourceRegion = requireStr(ctx.p, 'SourceRegion');
  const sourceId = requireStr(ctx.p, 'SourceSnapshotId');
  checkId(sourceId, 'snap-');
  if (!ctx.opts.regions.includes(sourceRegion)) {
    throw invalidValue(`Invalid value '${sourceRegion}' for SourceRegion.`);
  }
  const source = ctx.state.region(sourceRegion).snapshots.get(sourceId);
  if (!source || (source.ownerId !== ctx.opts.accountId && !source.public)) throw notFound(sourceId);
  if (source.state !== 'completed') {
    throw incorrectState(`Snapshot is in invalid state - ${source.state}`);
  }
  const tags = tagSpecs(ctx.p, 'snapshot');
  validateTags(tags);
  checkPresignedUrl(ctx, sourceRegion, sourceId);
  const limit = ctx.opts.maxPendingCopiesPerRegion;
  if (ctx.state.pendingCopiesIn(ctx.region) >= limit) {
    throw new SimError(
      'ResourceLimitExceeded',
      `Too many snapshot copies in progress. The limit is ${limit} for this destination region.`,
    );
  }
  const kmsKeyId = str(ctx.p, 'KmsKeyId');
  const encrypted = source.encrypted || bool(ctx.p, 'Encrypted') === true || kmsKeyId !== undefined;
  if (kmsKeyId !== undefined && bool(ctx.p, 'Encrypted') !== true && !source.encrypted) {
    throw invalidValue('KmsKeyId was specified but Encrypted is not set');
  }
  const copy: Snapshot = {
    id: ctx.state.newId('snap'),
    seq: ctx.state.nextSeq(),
    region: ctx.region,
    volumeId: COPY_VOLUME_ID,
    volumeSize: source.volumeSize,
    description: str(ctx.p, 'Description') ?? `[Copied ${source.id} from ${sourceRegion}]`,
    ownerId: ctx.opts.accountId,
    public: false,
    encrypted,
    kmsKeyId: kmsKeyId ?? (encrypted ? (source.kmsKeyId ?? defaultKey(ctx)) : undefined),
    startTime: ctx.now,
    completesAt: ctx.now + ctx.opts.copyDurationMs,
    endState: 'completed',
    state: 'pending',
    copiedFrom: { region: sourceRegion, snapshotId: source.id },
    tags,
  };
  ctx.state.putSnapshot(copy);
  ctx.state.hideUntil(copy.id, ctx.now + ctx.opts.eventualConsistencyMs);
  return el('snapshotId', copy.id) + tagSet(copy.tags);
}

/**
 * The SDK signs a copy of the request for the source region (`PresignedUrl`). It must be the
 * same request in EC2's query form: the right snapshot, regions and action, and no parameter
 * that was not serialized (`TagSpecifications=[object Object]`).
 */
function checkPresignedUrl(ctx: Ctx, sourceRegion: string, sourceId: string): void {
  const raw = str(ctx.p, 'PresignedUrl');
  if (raw === undefined) return;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidValue('PresignedUrl is not a URL');
  }
  const q = url.searchParams;
  const bad = (why: string): SimError => invalidValue(`PresignedUrl does not match the request: ${why}`);
  if (q.get('Action') !== 'CopySnapshot') throw bad('Action');
  if (q.get('SourceSnapshotId') !== sourceId) throw bad('SourceSnapshotId');
  if (q.get('SourceRegion') !== sourceRegion) throw bad('SourceRegion');
  const dest = q.get('DestinationRegion') ?? str(ctx.p, 'DestinationRegion');
  if (dest !== undefined && dest !== ctx.region) throw bad('DestinationRegion');
  if (!q.has('X-Amz-Signature')) throw bad('not signed');
  for (const [k, v] of q) if (v.includes('[object Object]')) throw bad(`${k}=${v}`);
  for (const [k, v] of Object.entries(ctx.p)) {
    if (!k.startsWith('TagSpecification.')) continue;
    if (q.get(k) !== v) throw bad(`${k} is not signed`);
  }
}

const defaultKey = (ctx: Ctx): string => `arn:aws:kms:${ctx.region}:${ctx.opts.accountId}:alias/aws/ebs`;

export const copyActions: Record<string, ActionDef> = {
  CopySnapshot: { handler: copySnapshot, cls: 'mutating' },
};
