import { CairnError } from '../core/errors.js';
import { REGION_NAME } from './requests/fields.js';
import type { Ec2Api, TagFilter } from './ports.js';
import type { AttachedVolume, Ec2Instance, Ec2Volume } from './types.js';

/** What to snapshot: instances by id and/or tags (all must match), volumes by id. */
export interface Selection {
  instanceIds: string[];
  volumeIds: string[];
  tags: TagFilter;
  excludeDevices: string[];
}

export interface InstanceTarget {
  kind: 'instance';
  region: string;
  instance: Ec2Instance;
  /** The volumes chosen (all attached ones, unless --volumes named some). */
  volumes: AttachedVolume[];
}

export interface VolumeTarget {
  kind: 'volume';
  region: string;
  volume: Ec2Volume;
}

export type Target = InstanceTarget | VolumeTarget;

export const isEmptySelection = (s: Selection): boolean =>
  !s.instanceIds.length && !s.volumeIds.length && !Object.keys(s.tags).length;

/**
 * s3snapshot's --filter: `{"instances": ["i-…"], "tags": {"tag:Env": "PROD"}, "volumes": [...]}`.
 * Tag keys may be given with or without `tag:`; a value may be a list (any of them).
 */
export function parseFilter(text: string): Partial<Selection> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw bad(`--filter is not valid JSON: ${text}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw bad('--filter must be a JSON object');
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!['instances', 'tags', 'volumes'].includes(k)) throw bad(`unknown key "${k}" in --filter`);
  }
  return {
    instanceIds: stringList(o.instances, 'instances'),
    volumeIds: stringList(o.volumes, 'volumes'),
    tags: tagObject(o.tags),
  };
}

function stringList(v: unknown, key: string): string[] {
  if (v === undefined) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  throw bad(`"${key}" in --filter must be a list of strings`);
}

/** `{"tag:Env": "PROD"}` or `{"Env": ["a", "b"]}` → { Env: [...] }. */
export function tagObject(v: unknown): TagFilter {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw bad('"tags" must be an object of Key: Value');
  const out: TagFilter = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    const key = k.startsWith('tag:') ? k.slice(4) : k;
    out[key] = stringList(val, `tags.${k}`);
  }
  return out;
}

const bad = (m: string): CairnError =>
  new CairnError('USAGE', m, {
    hint: `e.g. --filter '{"instances": ["i-0abc"], "tags": {"tag:Env": "PROD"}}'`,
  });

/** An instance the selection named by id that exists but does not match its tags. */
export interface NotSelected {
  region: string;
  instanceId: string;
  reason: string;
}

export interface SelectOptions {
  /** Look up the tags of every attached volume (a series key with {volume-tag:KEY} needs them). */
  volumeTags?: boolean | undefined;
}

/** Finds the instances and volumes a selection names in one region. */
export async function selectTargets(
  api: Ec2Api,
  region: string,
  sel: Selection,
  o: SelectOptions = {},
): Promise<{ targets: Target[]; notSelected: NotSelected[] }> {
  const out: InstanceTarget[] = [];
  const standalone: VolumeTarget[] = [];
  const notSelected: NotSelected[] = [];
  const seen = new Set<string>();
  const hasTags = Object.keys(sel.tags).length > 0;
  if (sel.instanceIds.length || hasTags) {
    const found = await api.findInstances(region, {
      ids: sel.instanceIds.length ? sel.instanceIds : undefined,
      tags: sel.tags,
    });
    for (const instance of found) {
      seen.add(instance.id);
      out.push({ kind: 'instance', region, instance, volumes: instance.volumes });
    }
    const unmatched = sel.instanceIds.filter((id) => !seen.has(id));
    if (hasTags && unmatched.length) {
      for (const i of await api.findInstances(region, { ids: unmatched })) {
        notSelected.push({ region, instanceId: i.id, reason: `not selected: ${lacking(i.tags, sel.tags)}` });
      }
    }
  }
  const known = new Map<string, Ec2Volume>();
  if (sel.volumeIds.length) {
    const volumes = await api.findVolumes(region, sel.volumeIds);
    const byInstance = new Map<string, AttachedVolume[]>();
    for (const v of volumes) {
      known.set(v.id, v);
      if (!v.attachment) {
        standalone.push({ kind: 'volume', region, volume: v });
        continue;
      }
      if (seen.has(v.attachment.instanceId)) continue;
      const list = byInstance.get(v.attachment.instanceId) ?? [];
      list.push({ volumeId: v.id, device: v.attachment.device });
      byInstance.set(v.attachment.instanceId, list);
    }
    if (byInstance.size) {
      for (const instance of await api.findInstances(region, { ids: [...byInstance.keys()] })) {
        out.push({ kind: 'instance', region, instance, volumes: byInstance.get(instance.id) ?? [] });
      }
    }
  }
  if (o.volumeTags) {
    const missing = out.flatMap((t) => t.volumes.map((v) => v.volumeId)).filter((id) => !known.has(id));
    if (missing.length) for (const v of await api.findVolumes(region, missing)) known.set(v.id, v);
    for (const t of out)
      t.volumes = t.volumes.map((v) => ({ ...v, tags: known.get(v.volumeId)?.tags ?? {} }));
  }
  return { targets: [...out, ...standalone], notSelected };
}

/** Which of the selecting tags an instance lacks, e.g. `lacks tag Env=prod (it has Env=dev)`. */
function lacking(tags: Record<string, string>, want: TagFilter): string {
  const misses = Object.entries(want)
    .filter(([k, values]) => !values.some((v) => globMatch(v, tags[k])))
    .map(([k, values]) => {
      const has = tags[k] === undefined ? 'no such tag' : `it has ${k}=${tags[k]}`;
      return `lacks tag ${k}=${values.join('|')} (${has})`;
    });
  return misses.join('; ') || 'does not match the selecting tags';
}

/** EC2's filter wildcards: `*` any run, `?` one character; case-sensitive. */
function globMatch(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(value);
}

/** Ids the selection named that no region had (nor reported as not selected). */
export function missingIds(
  sel: Selection,
  targets: readonly Target[],
  notSelected: readonly NotSelected[] = [],
): string[] {
  const found = new Set<string>(notSelected.map((n) => n.instanceId));
  for (const t of targets) {
    if (t.kind === 'volume') found.add(t.volume.id);
    else {
      found.add(t.instance.id);
      for (const v of t.volumes) found.add(v.volumeId);
    }
  }
  return [...sel.instanceIds, ...sel.volumeIds].filter((id) => !found.has(id));
}

/** A usage error unless `name` looks like a region name (`us-east-1`, `us-gov-west-1`). */
export function checkRegionName(name: string, flag = '--regions'): void {
  if (!REGION_NAME.test(name)) {
    throw new CairnError('USAGE', `"${name}" is not a region name`, {
      hint:
        flag === '--regions'
          ? 'e.g. --regions us-east-1,eu-west-1 or --regions all'
          : flag === '--from-region'
            ? 'e.g. --from-region us-east-1'
            : `e.g. ${flag} eu-west-1 or ${flag} all`,
    });
  }
}

/** `us-east-1,eu-west-1`, or `all` (every region enabled for the account). */
export async function resolveRegions(
  api: Ec2Api,
  spec: readonly string[] | undefined,
  home: string,
  flag = '--regions',
): Promise<string[]> {
  const list = (spec ?? [])
    .flatMap((r) => r.split(','))
    .map((r) => r.trim())
    .filter(Boolean);
  if (list.includes('all')) return api.listRegions(home);
  for (const r of list) checkRegionName(r, flag);
  return list.length ? [...new Set(list)] : [home];
}
