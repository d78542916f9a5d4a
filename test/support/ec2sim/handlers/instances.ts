/** DescribeInstances, StopInstances, StartInstances, with the running ⇄ stopped state machine. */
import type { ActionDef, Ctx } from '../context.js';
import { describeClass } from '../context.js';
import { checkId, missing, SimError } from '../errors.js';
import { compileFilters, type FieldMap } from '../filters.js';
import { paginate } from '../paginate.js';
import { bool, filters, int, str, strings } from '../query.js';
import type { SimState } from '../state.js';
import type { Instance, InstanceFault, InstanceStateName } from '../types.js';
import { el, iso, itemSet, tagSet, wrap } from '../xml.js';

export const STATE_CODES: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

const stateXml = (name: string, s: InstanceStateName): string =>
  wrap(name, el('code', STATE_CODES[s]) + el('name', s));

function instanceXml(i: Instance, state: SimState): string {
  const devices = state
    .volumesOf(i)
    .map((v) =>
      v.attachment
        ? el('deviceName', v.attachment.device) +
          wrap(
            'ebs',
            el('volumeId', v.id) +
              el('status', 'attached') +
              el('attachTime', iso(v.attachment.attachTime)) +
              el('deleteOnTermination', v.attachment.deleteOnTermination),
          )
        : '',
    );
  const reasonCode = i.stateReason?.split(': ')[0];
  return (
    el('instanceId', i.id) +
    el('imageId', i.imageId) +
    stateXml('instanceState', i.state) +
    el('privateDnsName', `ip-10-0-0-${i.seq % 250}.${i.region}.compute.internal`) +
    el('dnsName', '') +
    el('reason', i.stateReason ?? '') +
    el('amiLaunchIndex', 0) +
    el('instanceType', i.instanceType) +
    el('launchTime', iso(i.launchTime)) +
    wrap('placement', el('availabilityZone', i.az) + el('tenancy', 'default')) +
    wrap('monitoring', el('state', 'disabled')) +
    el('architecture', 'x86_64') +
    el('rootDeviceType', 'ebs') +
    el('rootDeviceName', i.rootDeviceName) +
    itemSet('blockDeviceMapping', devices) +
    el('virtualizationType', 'hvm') +
    el('hypervisor', 'xen') +
    (reasonCode ? wrap('stateReason', el('code', reasonCode) + el('message', i.stateReason)) : '') +
    tagSet(i.tags)
  );
}

const instanceFields = (state: SimState): FieldMap<Instance> => ({
  'availability-zone': (i) => i.az,
  'block-device-mapping.device-name': (i) => state.volumesOf(i).map((v) => v.attachment?.device),
  'block-device-mapping.volume-id': (i) => state.volumesOf(i).map((v) => v.id),
  'image-id': (i) => i.imageId,
  'instance-id': (i) => i.id,
  'instance-state-code': (i) => STATE_CODES[i.state],
  'instance-state-name': (i) => i.state,
  'instance-type': (i) => i.instanceType,
  'launch-time': (i) => iso(i.launchTime),
  'owner-id': () => undefined,
  'reservation-id': (i) => i.reservationId,
  'root-device-name': (i) => i.rootDeviceName,
  'root-device-type': () => 'ebs',
});

function describeInstances(ctx: Ctx): string {
  const ids = strings(ctx.p, 'InstanceId');
  for (const id of ids) checkId(id, 'i-');
  for (const id of ids) ctx.state.instance(ctx.region, id);
  const idSet = new Set(ids);
  const fields = instanceFields(ctx.state);
  fields['owner-id'] = () => ctx.opts.accountId;
  const match = compileFilters(filters(ctx.p), fields);
  const all = [...ctx.state.region(ctx.region).instances.values()];
  const chosen = all.filter((i) => (idSet.size === 0 || idSet.has(i.id)) && match(i));
  const page = paginate(
    chosen,
    int(ctx.p, 'MaxResults'),
    str(ctx.p, 'NextToken'),
    { min: 5, max: 1000, exclusiveWith: 'instanceIds' },
    ids.length > 0,
  );
  const reservations = page.items.map(
    (i) =>
      el('reservationId', i.reservationId) +
      el('ownerId', ctx.opts.accountId) +
      itemSet('groupSet', []) +
      itemSet('instancesSet', [instanceXml(i, ctx.state)]),
  );
  return itemSet('reservationSet', reservations) + el('nextToken', page.nextToken);
}

function raise(fault: InstanceFault | undefined, id: string): void {
  if (fault?.kind === 'error')
    throw new SimError(fault.code, fault.message ?? `The instance '${id}' failed.`);
}

function targets(ctx: Ctx): Instance[] {
  const ids = strings(ctx.p, 'InstanceId');
  if (ids.length === 0) throw missing('InstanceId');
  for (const id of ids) checkId(id, 'i-');
  return ids.map((id) => ctx.state.instance(ctx.region, id));
}

const changeXml = (i: Instance, previous: InstanceStateName): string =>
  el('instanceId', i.id) + stateXml('currentState', i.state) + stateXml('previousState', previous);

function stopInstances(ctx: Ctx): string {
  const list = targets(ctx);
  const force = bool(ctx.p, 'Force') === true;
  for (const i of list) {
    if (i.state === 'pending' || i.state === 'shutting-down' || i.state === 'terminated') {
      throw new SimError(
        'IncorrectInstanceState',
        `The instance '${i.id}' is not in a state from which it can be stopped.`,
      );
    }
    raise(i.faults.stop, i.id);
  }
  const changes = list.map((i) => {
    const previous = i.state;
    const stuck = i.faults.stop?.kind === 'stuck';
    if (i.state === 'running' || (i.state === 'stopping' && force)) {
      i.state = 'stopping';
      i.stateReason = 'Client.UserInitiatedShutdown: User initiated shutdown';
      if (!stuck || force) ctx.state.move(i, 'stopped', ctx.now + ctx.opts.stopDurationMs);
    }
    return changeXml(i, previous);
  });
  return itemSet('instancesSet', changes);
}

function startInstances(ctx: Ctx): string {
  const list = targets(ctx);
  for (const i of list) {
    if (i.state === 'stopping' || i.state === 'shutting-down' || i.state === 'terminated') {
      throw new SimError(
        'IncorrectInstanceState',
        `The instance '${i.id}' is not in a state from which it can be started.`,
      );
    }
    raise(i.faults.start, i.id);
  }
  const changes = list.map((i) => {
    const previous = i.state;
    const stuck = i.faults.start?.kind === 'stuck';
    if (i.state === 'stopped') {
      i.state = 'pending';
      i.stateReason = undefined;
      if (!stuck) ctx.state.move(i, 'running', ctx.now + ctx.opts.startDurationMs);
    }
    return changeXml(i, previous);
  });
  return itemSet('instancesSet', changes);
}

export const instanceActions: Record<string, ActionDef> = {
  DescribeInstances: { handler: describeInstances, cls: describeClass('InstanceId') },
  StopInstances: { handler: stopInstances, cls: 'mutating' },
  StartInstances: { handler: startInstances, cls: 'mutating' },
};
