/** DescribeVolumes, CreateVolume, AttachVolume, DetachVolume, DeleteVolume. */
import type { ActionDef, Ctx } from '../context.js';
import { describeClass } from '../context.js';
import { checkId, incorrectState, invalidValue, missing, notFound, SimError } from '../errors.js';
import { newVolume } from '../factory.js';
import { compileFilters, type FieldMap } from '../filters.js';
import { paginate } from '../paginate.js';
import { bool, filters, int, requireStr, str, strings, tagSpecs } from '../query.js';
import type { Volume } from '../types.js';
import { el, iso, itemSet, tagSet } from '../xml.js';
import { validateTags } from './tags.js';

function attachmentXml(v: Volume, status: string): string {
  const a = v.attachment;
  if (!a) return '';
  return (
    el('volumeId', v.id) +
    el('instanceId', a.instanceId) +
    el('device', a.device) +
    el('status', status) +
    el('attachTime', iso(a.attachTime)) +
    el('deleteOnTermination', a.deleteOnTermination)
  );
}

export function volumeXml(v: Volume): string {
  return (
    el('volumeId', v.id) +
    el('size', v.sizeGiB) +
    el('snapshotId', v.snapshotId ?? '') +
    el('availabilityZone', v.az) +
    el('status', v.state) +
    el('createTime', iso(v.createTime)) +
    itemSet('attachmentSet', v.attachment ? [attachmentXml(v, 'attached')] : []) +
    el('volumeType', v.volumeType) +
    el('iops', v.iops) +
    el('encrypted', v.encrypted) +
    el('kmsKeyId', v.kmsKeyId) +
    el('multiAttachEnabled', false) +
    tagSet(v.tags)
  );
}

const VOLUME_FIELDS: FieldMap<Volume> = {
  'attachment.attach-time': (v) => (v.attachment ? iso(v.attachment.attachTime) : undefined),
  'attachment.delete-on-termination': (v) => v.attachment?.deleteOnTermination,
  'attachment.device': (v) => v.attachment?.device,
  'attachment.instance-id': (v) => v.attachment?.instanceId,
  'attachment.status': (v) => (v.attachment ? 'attached' : undefined),
  'availability-zone': (v) => v.az,
  'create-time': (v) => iso(v.createTime),
  encrypted: (v) => v.encrypted,
  'multi-attach-enabled': () => false,
  size: (v) => v.sizeGiB,
  'snapshot-id': (v) => v.snapshotId,
  status: (v) => v.state,
  'volume-id': (v) => v.id,
  'volume-type': (v) => v.volumeType,
};

function describeVolumes(ctx: Ctx): string {
  const ids = strings(ctx.p, 'VolumeId');
  for (const id of ids) checkId(id, 'vol-');
  const all = ctx.state.region(ctx.region).volumes;
  for (const id of ids) if (!all.has(id)) throw notFound(id);
  const idSet = new Set(ids);
  const match = compileFilters(filters(ctx.p), VOLUME_FIELDS);
  const chosen = [...all.values()].filter((v) => (idSet.size === 0 || idSet.has(v.id)) && match(v));
  const page = paginate(
    chosen,
    int(ctx.p, 'MaxResults'),
    str(ctx.p, 'NextToken'),
    { min: 5, max: 500, exclusiveWith: 'volumeIds' },
    ids.length > 0,
  );
  return itemSet('volumeSet', page.items.map(volumeXml)) + el('nextToken', page.nextToken);
}

function createVolume(ctx: Ctx): string {
  const az = requireStr(ctx.p, 'AvailabilityZone');
  if (!az.startsWith(ctx.region)) throw invalidValue(`Invalid availability zone: [${az}]`);
  const snapshotId = str(ctx.p, 'SnapshotId');
  let size = int(ctx.p, 'Size');
  let encrypted = bool(ctx.p, 'Encrypted') ?? false;
  let kmsKeyId = str(ctx.p, 'KmsKeyId');
  if (snapshotId) {
    checkId(snapshotId, 'snap-');
    const snap = ctx.state.snapshot(ctx.region, snapshotId);
    if (snap.state !== 'completed') throw incorrectState(`Snapshot is in invalid state - ${snap.state}`);
    if (size !== undefined && size < snap.volumeSize) {
      throw invalidValue(`Volume of ${size}GiB is too small; minimum is ${snap.volumeSize}GiB.`);
    }
    size ??= snap.volumeSize;
    encrypted ||= snap.encrypted;
    kmsKeyId ??= snap.kmsKeyId;
  }
  if (size === undefined) throw missing('Size');
  const tags = tagSpecs(ctx.p, 'volume');
  validateTags(tags);
  const volume = newVolume(ctx.state, {
    region: ctx.region,
    az,
    sizeGiB: size,
    volumeType: str(ctx.p, 'VolumeType') ?? 'gp2',
    iops: int(ctx.p, 'Iops'),
    encrypted,
    kmsKeyId,
    snapshotId,
    tags,
    availableAt: ctx.now + ctx.opts.volumeCreateMs,
  });
  ctx.state.hideUntil(volume.id, ctx.now + ctx.opts.eventualConsistencyMs);
  return volumeXml(volume);
}

function attachVolume(ctx: Ctx): string {
  const volumeId = requireStr(ctx.p, 'VolumeId');
  const instanceId = requireStr(ctx.p, 'InstanceId');
  const device = requireStr(ctx.p, 'Device');
  checkId(volumeId, 'vol-');
  checkId(instanceId, 'i-');
  const volume = ctx.state.volume(ctx.region, volumeId);
  const instance = ctx.state.instance(ctx.region, instanceId);
  if (volume.state !== 'available') throw incorrectState(`vol '${volumeId}' is not 'available'.`);
  if (volume.az !== instance.az) {
    throw new SimError(
      'InvalidVolume.ZoneMismatch',
      `The volume '${volumeId}' is not in the same availability zone as instance '${instanceId}'`,
    );
  }
  if (ctx.state.volumesOf(instance).some((v) => v.attachment?.device === device)) {
    throw invalidValue(
      `Invalid value '${device}' for unixDevice. Attachment point ${device} is already in use`,
    );
  }
  volume.attachment = { instanceId, device, attachTime: ctx.now, deleteOnTermination: false };
  volume.state = 'in-use';
  return attachmentXml(volume, 'attaching');
}

function detachVolume(ctx: Ctx): string {
  const volumeId = requireStr(ctx.p, 'VolumeId');
  checkId(volumeId, 'vol-');
  const volume = ctx.state.volume(ctx.region, volumeId);
  const a = volume.attachment;
  if (!a) throw incorrectState(`Volume '${volumeId}' is in the '${volume.state}' state.`);
  const instanceId = str(ctx.p, 'InstanceId');
  if (instanceId && instanceId !== a.instanceId) {
    throw new SimError('IncorrectState', `Volume '${volumeId}' is not attached to instance '${instanceId}'.`);
  }
  const body = attachmentXml(volume, 'detaching');
  volume.attachment = undefined;
  volume.state = 'available';
  return body;
}

function deleteVolume(ctx: Ctx): string {
  const volumeId = requireStr(ctx.p, 'VolumeId');
  checkId(volumeId, 'vol-');
  const volume = ctx.state.volume(ctx.region, volumeId);
  if (volume.attachment)
    throw new SimError(
      'VolumeInUse',
      `Volume ${volumeId} is currently attached to ${volume.attachment.instanceId}`,
    );
  if (volume.state !== 'available' && volume.state !== 'error') {
    throw incorrectState(`The volume '${volumeId}' is '${volume.state}'.`);
  }
  ctx.state.region(ctx.region).volumes.delete(volumeId);
  return el('return', true);
}

export const volumeActions: Record<string, ActionDef> = {
  DescribeVolumes: { handler: describeVolumes, cls: describeClass('VolumeId') },
  CreateVolume: { handler: createVolume, cls: 'ebsCreate' },
  AttachVolume: { handler: attachVolume, cls: 'mutating' },
  DetachVolume: { handler: detachVolume, cls: 'mutating' },
  DeleteVolume: { handler: deleteVolume, cls: 'mutating' },
};
