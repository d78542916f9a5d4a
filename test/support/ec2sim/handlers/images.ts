/** DescribeImages, RegisterImage, DeregisterImage: AMIs whose block devices reference snapshots. */
import type { ActionDef, Ctx } from '../context.js';
import { describeClass } from '../context.js';
import { checkId, incorrectState, invalidValue, missing, notFound, SimError } from '../errors.js';
import { compileFilters, type FieldMap } from '../filters.js';
import { paginate } from '../paginate.js';
import { bool, filters, int, map, maps, requireStr, str, strings, tagSpecs } from '../query.js';
import type { SimState } from '../state.js';
import type { Image, ImageBlockDevice } from '../types.js';
import { el, iso, itemSet, tagSet, wrap } from '../xml.js';
import { validateTags } from './tags.js';

function deviceXml(b: ImageBlockDevice): string {
  return (
    el('deviceName', b.deviceName) +
    wrap(
      'ebs',
      el('snapshotId', b.snapshotId) +
        el('volumeSize', b.volumeSize) +
        el('deleteOnTermination', b.deleteOnTermination) +
        el('volumeType', b.volumeType) +
        el('encrypted', b.encrypted),
    )
  );
}

export function imageXml(i: Image): string {
  return (
    el('imageId', i.id) +
    el('imageLocation', `${i.ownerId}/${i.name}`) +
    el('imageState', i.state) +
    el('imageOwnerId', i.ownerId) +
    el('creationDate', iso(i.creationDate)) +
    el('isPublic', false) +
    el('architecture', 'x86_64') +
    el('imageType', 'machine') +
    el('name', i.name) +
    el('description', i.description) +
    el('rootDeviceType', 'ebs') +
    el('rootDeviceName', i.rootDeviceName) +
    itemSet('blockDeviceMapping', i.blockDevices.map(deviceXml)) +
    el('virtualizationType', 'hvm') +
    el('hypervisor', 'xen') +
    tagSet(i.tags)
  );
}

const IMAGE_FIELDS: FieldMap<Image> = {
  'block-device-mapping.device-name': (i) => i.blockDevices.map((b) => b.deviceName),
  'block-device-mapping.snapshot-id': (i) => i.blockDevices.map((b) => b.snapshotId),
  'block-device-mapping.volume-size': (i) => i.blockDevices.map((b) => b.volumeSize),
  'creation-date': (i) => iso(i.creationDate),
  description: (i) => i.description,
  'image-id': (i) => i.id,
  'image-type': () => 'machine',
  'is-public': () => false,
  name: (i) => i.name,
  'owner-id': (i) => i.ownerId,
  'root-device-name': (i) => i.rootDeviceName,
  state: (i) => i.state,
};

function describeImages(ctx: Ctx): string {
  const account = ctx.opts.accountId;
  const owners = strings(ctx.p, 'Owner');
  const ids = strings(ctx.p, 'ImageId');
  for (const id of ids) checkId(id, 'ami-');
  const all = ctx.state.region(ctx.region).images;
  for (const id of ids) if (!all.has(id)) throw notFound(id);
  const idSet = new Set(ids);
  const ownerOk = (i: Image): boolean =>
    owners.length === 0 || owners.some((o) => (o === 'self' ? i.ownerId === account : i.ownerId === o));
  const match = compileFilters(filters(ctx.p), IMAGE_FIELDS);
  const chosen = [...all.values()].filter(
    (i) => i.state !== 'deregistered' && ownerOk(i) && (idSet.size === 0 || idSet.has(i.id)) && match(i),
  );
  const page = paginate(chosen, int(ctx.p, 'MaxResults'), str(ctx.p, 'NextToken'), { min: 1, max: 1000 });
  return itemSet('imagesSet', page.items.map(imageXml)) + el('nextToken', page.nextToken);
}

/** Adds an image whose block devices point at snapshots of `region`. Used by RegisterImage and seeding. */
export function newImage(
  state: SimState,
  region: string,
  accountId: string,
  spec: {
    name: string;
    description?: string;
    rootDeviceName?: string;
    devices: ImageBlockDevice[];
    tags: Map<string, string>;
  },
): Image {
  for (const d of spec.devices) {
    if (!d.snapshotId) continue;
    const snap = state.snapshot(region, d.snapshotId);
    if (snap.state !== 'completed') throw incorrectState(`Snapshot is in invalid state - ${snap.state}`);
    d.volumeSize ??= snap.volumeSize;
    d.encrypted ||= snap.encrypted;
  }
  const first = spec.devices[0];
  const image: Image = {
    id: state.newId('ami'),
    seq: state.nextSeq(),
    region,
    name: spec.name,
    description: spec.description,
    ownerId: accountId,
    state: 'available',
    creationDate: state.now(),
    rootDeviceName: spec.rootDeviceName ?? first?.deviceName ?? '/dev/xvda',
    blockDevices: spec.devices,
    tags: spec.tags,
  };
  state.region(region).images.set(image.id, image);
  return image;
}

function registerImage(ctx: Ctx): string {
  const name = requireStr(ctx.p, 'Name');
  const images = ctx.state.region(ctx.region).images.values();
  if ([...images].some((i) => i.name === name && i.state !== 'deregistered')) {
    throw new SimError('InvalidAMIName.Duplicate', `AMI name ${name} is already in use by AMI`);
  }
  const devices: ImageBlockDevice[] = maps(ctx.p, 'BlockDeviceMapping').map((m) => {
    const ebs = map(m, 'Ebs');
    const deviceName = str(m, 'DeviceName');
    if (!deviceName) throw missing('BlockDeviceMapping.DeviceName');
    const snapshotId = ebs ? str(ebs, 'SnapshotId') : undefined;
    if (snapshotId) checkId(snapshotId, 'snap-');
    const size = ebs ? int(ebs, 'VolumeSize') : undefined;
    return {
      deviceName,
      snapshotId,
      volumeSize: size,
      volumeType: (ebs && str(ebs, 'VolumeType')) ?? 'gp3',
      deleteOnTermination: (ebs && bool(ebs, 'DeleteOnTermination')) ?? true,
      encrypted: (ebs && bool(ebs, 'Encrypted')) ?? false,
    };
  });
  if (!devices.some((d) => d.snapshotId))
    throw invalidValue('At least one block device must reference a snapshot');
  const tags = tagSpecs(ctx.p, 'image');
  validateTags(tags);
  const image = newImage(ctx.state, ctx.region, ctx.opts.accountId, {
    name,
    description: str(ctx.p, 'Description'),
    rootDeviceName: str(ctx.p, 'RootDeviceName'),
    devices,
    tags,
  });
  return el('imageId', image.id);
}

function deregisterImage(ctx: Ctx): string {
  const id = requireStr(ctx.p, 'ImageId');
  checkId(id, 'ami-');
  const images = ctx.state.region(ctx.region).images;
  const image = images.get(id);
  if (!image || image.state === 'deregistered') throw notFound(id);
  images.delete(id);
  return el('return', true);
}

export const imageActions: Record<string, ActionDef> = {
  DescribeImages: { handler: describeImages, cls: describeClass('ImageId', 'Owner', 'ExecutableBy') },
  RegisterImage: { handler: registerImage, cls: 'mutating' },
  DeregisterImage: { handler: deregisterImage, cls: 'mutating' },
};
