import { CairnError } from '../core/errors.js';

/**
 * Which IAM actions each cairn command calls, and the least-privilege policy for a set of
 * commands. Tagging at creation (TagSpecifications) needs ec2:CreateTags on the new resource.
 */
export const IAM_COMMANDS = ['snapshot create', 'snapshot trim', 'snapshot copy', 'snapshot list'] as const;
export type IamCommand = (typeof IAM_COMMANDS)[number];

interface Grant {
  action: string;
  resource: string;
  /** What the grant is for (shown with --explain). */
  why: string;
  condition?: Record<string, Record<string, string | string[]>>;
}

const SNAPSHOTS = 'arn:aws:ec2:*::snapshot/*';
const INSTANCES = 'arn:aws:ec2:*:*:instance/*';

const regions: Grant = { action: 'ec2:DescribeRegions', resource: '*', why: '--regions all' };
const describeSnapshots: Grant = {
  action: 'ec2:DescribeSnapshots',
  resource: '*',
  why: 'list snapshots (owner self), wait for completion',
};
const tagOnCreate = (actions: string[]): Grant => ({
  action: 'ec2:CreateTags',
  resource: SNAPSHOTS,
  why: 'tag snapshots as they are created',
  condition: { StringEquals: { 'ec2:CreateAction': actions } },
});
const publish: Grant = {
  action: 'sns:Publish',
  resource: 'arn:aws:sns:*:*:*',
  why: '--notify / --notify-error',
};

export interface PolicyOptions {
  /** SNS topics to allow instead of every topic. */
  topics?: string[] | undefined;
  /** Let trim delete snapshots cairn does not manage (`--unmanaged`). */
  unmanaged?: boolean | undefined;
  /** The KMS keys `snapshot copy --kms-key` encrypts with (id, ARN, alias name or alias ARN). */
  kmsKeys?: string[] | undefined;
  /** Customer-managed keys the volumes, and so their snapshots, are encrypted with. */
  volumeKmsKeys?: string[] | undefined;
}

/**
 * Tags written after creation, when an instance has more volumes than fit into one tag set
 * (execute-create.ts): only these keys, and only on snapshots cairn created (they carry
 * cairn:managed from their creation). Without these conditions the role could tag any
 * snapshot `cairn:managed=true` and so make it deletable by trim.
 */
export const LATE_TAG_KEYS = ['cairn:series', 'cairn:volume'];
const lateTags: Grant = {
  action: 'ec2:CreateTags',
  resource: SNAPSHOTS,
  why: 'series tags that did not fit into the create call of an instance with many volumes',
  condition: {
    StringEquals: { 'aws:ResourceTag/cairn:managed': 'true' },
    'ForAllValues:StringEquals': { 'aws:TagKeys': LATE_TAG_KEYS },
  },
};

/** Grants on a key, used only through EC2 (kms:ViaService), with their reasons. */
function onKey(key: string, uses: readonly (readonly [action: string, why: string])[]): Grant[] {
  const { resource, alias } = kmsResource(key);
  // A key named by alias is matched by its alias (kms:ResourceAliases): IAM policies name keys
  // by key ARN, never by alias.
  const scope = {
    StringLike: { 'kms:ViaService': 'ec2.*.amazonaws.com' },
    ...(alias ? { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': alias } } : {}),
  };
  return uses.map(([action, why]) => ({
    action,
    resource,
    why,
    // EC2 holds grants on a key while it works with it; only grants for AWS resources.
    condition:
      action === 'kms:CreateGrant' ? { ...scope, Bool: { 'kms:GrantIsForAWSResource': 'true' } } : scope,
  }));
}

/**
 * What CopySnapshot with KmsKeyId needs of the destination key, as the EBS encryption guide
 * lists it: CreateGrant (restricted to grants for AWS resources), Decrypt, DescribeKey,
 * GenerateDataKeyWithoutPlaintext, ReEncrypt*.
 */
function copyKeyGrants(keys: readonly string[]): Grant[] {
  return keys.flatMap((key) =>
    onKey(key, [
      ['kms:Decrypt', '--kms-key: read the data key of the encrypted copy'],
      ['kms:DescribeKey', '--kms-key: EC2 checks the key'],
      ['kms:GenerateDataKeyWithoutPlaintext', '--kms-key: a data key for the copy'],
      ['kms:ReEncrypt*', '--kms-key: re-encrypt the source data key under this key'],
      ['kms:CreateGrant', '--kms-key: EC2 holds a grant on the key while it copies'],
    ]),
  );
}

/**
 * A customer-managed key the volumes, and so their snapshots, are encrypted with: EC2 reads the
 * data key under it (Decrypt, DescribeKey, ReEncrypt* from it) and holds a grant on it while it
 * snapshots, copies, or attaches the volumes of an instance started again after `--stop`, on
 * behalf of the caller. AWS managed keys (aws/ebs) need none of this.
 */
function volumeKeyGrants(keys: readonly string[], command: 'create' | 'copy'): Grant[] {
  const doing =
    command === 'create' ? 'snapshot its volumes, start instances again (--stop)' : 'copy its snapshots';
  return keys.flatMap((key) =>
    onKey(key, [
      ['kms:Decrypt', `--volume-kms-key: ${doing}`],
      ['kms:DescribeKey', '--volume-kms-key: EC2 checks the key'],
      ['kms:ReEncrypt*', `--volume-kms-key: ${doing}`],
      ['kms:CreateGrant', `--volume-kms-key: EC2 holds a grant on the key to ${doing}`],
    ]),
  );
}

/** The key ARN pattern a key id, key ARN, alias name or alias ARN stands for. */
export function kmsResource(key: string): { resource: string; alias: string | undefined } {
  const arn = /^arn:(aws[\w-]*):kms:([^:]*):(\d*):(key|alias)\/(.+)$/.exec(key);
  if (arn) {
    const [, partition = 'aws', region = '*', account = '*', kind, name = ''] = arn;
    return kind === 'key'
      ? { resource: key, alias: undefined }
      : { resource: `arn:${partition}:kms:${region}:${account}:key/*`, alias: `alias/${name}` };
  }
  if (key.startsWith('alias/')) return { resource: 'arn:aws:kms:*:*:key/*', alias: key };
  return { resource: `arn:aws:kms:*:*:key/${key}`, alias: undefined };
}

function catalog(o: PolicyOptions): Record<IamCommand, Grant[]> {
  const managedOnly = o.unmanaged ? undefined : { StringEquals: { 'aws:ResourceTag/cairn:managed': 'true' } };
  return {
    'snapshot create': [
      regions,
      { action: 'ec2:DescribeInstances', resource: '*', why: 'select instances and their volumes' },
      {
        action: 'ec2:DescribeVolumes',
        resource: '*',
        why: "select volumes by --volumes, and read each volume's tags for {volume-tag:KEY} series keys",
      },
      describeSnapshots,
      { action: 'ec2:CreateSnapshots', resource: '*', why: 'crash-consistent snapshots of an instance' },
      { action: 'ec2:CreateSnapshot', resource: '*', why: '--per-volume, and volumes without an instance' },
      tagOnCreate(['CreateSnapshots', 'CreateSnapshot']),
      lateTags,
      { action: 'ec2:StopInstances', resource: INSTANCES, why: '--stop' },
      { action: 'ec2:StartInstances', resource: INSTANCES, why: '--stop: start it again' },
      ...volumeKeyGrants(o.volumeKmsKeys ?? [], 'create'),
      publish,
    ],
    'snapshot trim': [
      regions,
      describeSnapshots,
      { action: 'ec2:DescribeImages', resource: '*', why: 'never delete a snapshot an AMI uses' },
      {
        action: 'ec2:DeleteSnapshot',
        resource: SNAPSHOTS,
        why: 'delete what the policy does not keep',
        ...(managedOnly ? { condition: managedOnly } : {}),
      },
      publish,
    ],
    'snapshot copy': [
      regions,
      describeSnapshots,
      { action: 'ec2:CopySnapshot', resource: '*', why: 'replicate to other regions' },
      tagOnCreate(['CopySnapshot']),
      ...copyKeyGrants(o.kmsKeys ?? []),
      ...volumeKeyGrants(o.volumeKmsKeys ?? [], 'copy'),
      publish,
    ],
    'snapshot list': [regions, describeSnapshots],
  };
}

/** `snapshot create`, `snapshot-create`, `create` → 'snapshot create'. */
export function parseIamCommands(words: string[]): IamCommand[] {
  const out: IamCommand[] = [];
  const parts = words.flatMap((w) => w.split(/[\s,:-]+/)).filter(Boolean);
  for (let i = 0; i < parts.length; i++) {
    let w = parts[i] ?? '';
    if (w === 'snapshot') {
      const next = parts[i + 1];
      if (next === undefined || next === 'all') {
        out.push(...IAM_COMMANDS);
        i += 1;
        continue;
      }
      w = next;
      i += 1;
    }
    if (w === 'all') {
      out.push(...IAM_COMMANDS);
      continue;
    }
    const cmd = IAM_COMMANDS.find((c) => c === `snapshot ${w}`);
    if (!cmd) {
      throw new CairnError('USAGE', `no IAM policy for "${w}"`, {
        hint: `use one or more of: ${IAM_COMMANDS.join(', ')} (or all)`,
      });
    }
    out.push(cmd);
  }
  if (!out.length)
    throw new CairnError('USAGE', 'name at least one command', {
      hint: 'e.g. cairn iam-policy snapshot create',
    });
  return [...new Set(out)];
}

/** The IAM actions (`ec2:CreateSnapshots`, …) a command may call. */
export function actionsFor(commands: readonly IamCommand[], o: PolicyOptions = {}): string[] {
  const c = catalog(o);
  return [...new Set(commands.flatMap((cmd) => c[cmd].map((g) => g.action)))].sort();
}

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** The actions of a grant that only allows tagging as part of them (`ec2:CreateAction`). */
function createActions(g: { condition?: Grant['condition'] }): string[] | undefined {
  const c = g.condition;
  if (!c || Object.keys(c).length !== 1 || Object.keys(c.StringEquals ?? {}).length !== 1) return undefined;
  const v = c.StringEquals?.['ec2:CreateAction'];
  return v === undefined ? undefined : Array.isArray(v) ? v : [v];
}

/** One statement per distinct resource and condition; actions sorted; stable output. */
export function policyFor(commands: readonly IamCommand[], o: PolicyOptions = {}): PolicyDocument {
  const c = catalog(o);
  const groups = new Map<
    string,
    { resource: string | string[]; condition: Grant['condition']; actions: Set<string> }
  >();
  for (const cmd of commands) {
    for (const g of c[cmd]) {
      const resource = g.action === 'sns:Publish' && o.topics?.length ? o.topics : g.resource;
      // Tagging on creation by several commands is one grant with every creating action.
      const creating = createActions(g);
      const key = JSON.stringify([resource, creating ? [g.action, 'on create'] : (g.condition ?? null)]);
      const grp = groups.get(key) ?? { resource, condition: g.condition, actions: new Set<string>() };
      grp.actions.add(g.action);
      const merged = createActions(grp);
      if (creating && merged && grp.condition !== g.condition)
        grp.condition = { StringEquals: { 'ec2:CreateAction': [...new Set([...merged, ...creating])] } };
      groups.set(key, grp);
    }
  }
  // A grant without condition covers the same grant with one.
  const unconditioned = new Set(
    [...groups.values()]
      .filter((g) => !g.condition)
      .flatMap((g) => [...g.actions].map((a) => `${a}|${JSON.stringify(g.resource)}`)),
  );
  const statements: PolicyStatement[] = [];
  const used = new Set<string>();
  for (const g of groups.values()) {
    const actions = [...g.actions]
      .filter((a) => !g.condition || !unconditioned.has(`${a}|${JSON.stringify(g.resource)}`))
      .sort();
    if (!actions.length) continue;
    const sid = sidFor(g.resource, g.condition, used);
    statements.push({
      Sid: sid,
      Effect: 'Allow',
      Action: actions,
      Resource: g.resource,
      ...(g.condition ? { Condition: g.condition } : {}),
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}

function sidFor(resource: string | string[], condition: Grant['condition'], used: Set<string>): string {
  const r = Array.isArray(resource) ? 'sns:' : resource;
  const noun =
    r === '*'
      ? 'AnyResource'
      : r.includes(':snapshot/')
        ? 'Snapshots'
        : r.includes(':instance/')
          ? 'Instances'
          : r.includes(':kms:')
            ? 'Keys'
            : 'Topics';
  const keys = Object.values(condition ?? {}).flatMap((c) => Object.keys(c));
  const suffix = keys.includes('ec2:CreateAction')
    ? 'OnCreate'
    : keys.includes('aws:TagKeys')
      ? 'LateTags'
      : keys.includes('kms:GrantIsForAWSResource')
        ? 'Grants'
        : keys.some((k) => k.startsWith('aws:ResourceTag/'))
          ? 'Managed'
          : '';
  let sid = `Cairn${noun}${suffix}`;
  for (let n = 2; used.has(sid); n++) sid = `Cairn${noun}${suffix}${n}`;
  used.add(sid);
  return sid;
}

/** Why each action of a command is granted. */
export function explainPolicy(
  commands: readonly IamCommand[],
  o: PolicyOptions = {},
): { command: IamCommand; action: string; why: string }[] {
  const c = catalog(o);
  return commands.flatMap((command) => c[command].map((g) => ({ command, action: g.action, why: g.why })));
}
