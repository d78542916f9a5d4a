/** CreateSnapshot, CreateSnapshots, DescribeSnapshots, DeleteSnapshot. */
import type { ActionDef, Ctx } from '../context.js';
import { describeClass } from '../context.js';
import { checkId, missing, notFound, SimError } from '../errors.js';
import { checkSnapshotable, snapshotVolume } from '../factory.js';
import { compileFilters, type FieldMap } from '../filters.js';
import { paginate } from '../paginate.js';
import { bool, filters, int, map, requireStr, str, strings, tagSpecs } from '../query.js';
import { copyTags } from '../state.js';
import type { Snapshot } from '../types.js';
import { el, iso, itemSet, tagSet } from '../xml.js';
import { validateTags } from './tags.js';

export function progressOf(s: Snapshot, now: number): string {
  if (s.state === 'completed') return '100%';
  const span = s.completesAt - s.startTime;
  const done = span <= 0 ? 0 : Math.floor(((now - s.startTime) / span) * 100);
  return `${Math.max(0, Math.min(99, done))}%`;
}

/** The `Snapshot` shape (DescribeSnapshots items, CreateSnapshot response). */
export function snapshotXml(s: Snapshot, now: number): string {
  return (
    el('snapshotId', s.id) +
    el('volumeId', s.volumeId) +
    el('status', s.state) +
    el('statusMessage', s.stateMessage) +
    el('startTime', iso(s.startTime)) +
    el('progress', progressOf(s, now)) +
    el('ownerId', s.ownerId) +
    el('ownerAlias', s.ownerAlias) +
    el('volumeSize', s.volumeSize) +
    el('description', s.description) +
    el('encrypted', s.encrypted) +
    el('kmsKeyId', s.kmsKeyId) +
    el('storageTier', 'standard') +
    (s.state === 'completed' ? el('completionTime', iso(s.completesAt)) : '') +
    tagSet(s.tags)
  );
}

/** The `SnapshotInfo` shape of CreateSnapshots (`state`, not `status`). */
function snapshotInfoXml(s: Snapshot, now: number): string {
  return (
    el('snapshotId', s.id) +
    el('volumeId', s.volumeId) +
    el('state', s.state) +
    el('startTime', iso(s.startTime)) +
    el('progress', progressOf(s, now)) +
    el('ownerId', s.ownerId) +
    el('volumeSize', s.volumeSize) +
    el('description', s.description) +
    el('encrypted', s.encrypted) +
    tagSet(s.tags)
  );
}

function createSnapshot(ctx: Ctx): string {
  const volumeId = requireStr(ctx.p, 'VolumeId');
  checkId(volumeId, 'vol-');
  const tags = tagSpecs(ctx.p, 'snapshot');
  validateTags(tags);
  const volume = ctx.state.volume(ctx.region, volumeId);
  checkSnapshotable(ctx.state, volume, ctx.opts);
  const snap = snapshotVolume(ctx.state, volume, ctx.opts, str(ctx.p, 'Description') ?? '', tags);
  ctx.state.hideUntil(snap.id, ctx.now + ctx.opts.eventualConsistencyMs);
  return snapshotXml(snap, ctx.now);
}

function createSnapshots(ctx: Ctx): string {
  const spec = map(ctx.p, 'InstanceSpecification');
  const instanceId = spec ? str(spec, 'InstanceId') : undefined;
  if (!spec || !instanceId) throw missing('InstanceSpecification.InstanceId');
  checkId(instanceId, 'i-');
  const instance = ctx.state.instance(ctx.region, instanceId);
  const excluded = new Set(strings(spec, 'ExcludeDataVolumeId'));
  const skipBoot = bool(spec, 'ExcludeBootVolume') === true;
  const copyFromVolume = str(ctx.p, 'CopyTagsFromSource') === 'volume';
  const specTags = tagSpecs(ctx.p, 'snapshot');
  const volumes = ctx.state
    .volumesOf(instance)
    .filter((v) => !excluded.has(v.id))
    .filter((v) => !(skipBoot && v.attachment?.device === instance.rootDeviceName));
  const plans = volumes.map((v) => {
    const tags = copyFromVolume ? copyTags(v.tags) : new Map<string, string>();
    for (const [k, val] of specTags) tags.set(k, val);
    validateTags(tags);
    return { volume: v, tags };
  });
  for (const { volume } of plans) checkSnapshotable(ctx.state, volume, ctx.opts);
  const description = str(ctx.p, 'Description') ?? '';
  const snaps = plans.map(({ volume, tags }) =>
    snapshotVolume(ctx.state, volume, ctx.opts, description, tags),
  );
  for (const s of snaps) ctx.state.hideUntil(s.id, ctx.now + ctx.opts.eventualConsistencyMs);
  return itemSet(
    'snapshotSet',
    snaps.map((s) => snapshotInfoXml(s, ctx.now)),
  );
}

const snapshotFields = (now: number): FieldMap<Snapshot> => ({
  description: (s) => s.description,
  encrypted: (s) => s.encrypted,
  'kms-key-id': (s) => s.kmsKeyId,
  'owner-alias': (s) => s.ownerAlias,
  'owner-id': (s) => s.ownerId,
  progress: (s) => progressOf(s, now),
  'snapshot-id': (s) => s.id,
  'start-time': (s) => new Date(s.startTime).toISOString(),
  status: (s) => s.state,
  'storage-tier': () => 'standard',
  'volume-id': (s) => s.volumeId,
  'volume-size': (s) => s.volumeSize,
});

function describeSnapshots(ctx: Ctx): string {
  const account = ctx.opts.accountId;
  const owners = strings(ctx.p, 'Owner');
  const ids = strings(ctx.p, 'SnapshotId');
  for (const id of ids) checkId(id, 'snap-');
  const all = ctx.state.region(ctx.region).snapshots;
  const visible = (s: Snapshot): boolean => s.ownerId === account || s.public;
  for (const id of ids) {
    const s = all.get(id);
    if (!s || !visible(s)) throw notFound(id);
  }
  const ownerOk = (s: Snapshot): boolean =>
    owners.length === 0 ||
    owners.some((o) =>
      o === 'self' ? s.ownerId === account : o === 'amazon' ? s.ownerAlias === 'amazon' : s.ownerId === o,
    );
  const idSet = new Set(ids);
  const match = compileFilters(filters(ctx.p), snapshotFields(ctx.now));
  const chosen = [...all.values()].filter(
    (s) => visible(s) && ownerOk(s) && (idSet.size === 0 || idSet.has(s.id)) && match(s),
  );
  const page = paginate(
    chosen,
    int(ctx.p, 'MaxResults'),
    str(ctx.p, 'NextToken'),
    { min: 5, max: 1000, exclusiveWith: 'snapshotIds' },
    ids.length > 0,
  );
  return (
    itemSet(
      'snapshotSet',
      page.items.map((s) => snapshotXml(s, ctx.now)),
    ) + el('nextToken', page.nextToken)
  );
}

function deleteSnapshot(ctx: Ctx): string {
  const id = requireStr(ctx.p, 'SnapshotId');
  checkId(id, 'snap-');
  const r = ctx.state.region(ctx.region);
  const snap = r.snapshots.get(id);
  if (!snap || snap.ownerId !== ctx.opts.accountId) throw notFound(id);
  for (const image of r.images.values()) {
    if (image.state !== 'deregistered' && image.blockDevices.some((b) => b.snapshotId === id)) {
      throw new SimError('InvalidSnapshot.InUse', `The snapshot ${id} is currently in use by ${image.id}`);
    }
  }
  ctx.state.removeSnapshot(snap);
  return el('return', true);
}

export const snapshotActions: Record<string, ActionDef> = {
  CreateSnapshot: { handler: createSnapshot, cls: 'ebsCreate' },
  CreateSnapshots: { handler: createSnapshots, cls: 'ebsCreate' },
  DescribeSnapshots: {
    handler: describeSnapshots,
    cls: describeClass('SnapshotId', 'Owner', 'RestorableBy'),
  },
  DeleteSnapshot: { handler: deleteSnapshot, cls: 'ebsCreate' },
};
