import { CairnError } from '../core/errors.js';
import type { RetentionPolicy } from '../core/retention.js';
import { policyFromFlags } from '../core/retention.js';
import { tagObject } from '../ebs/select.js';
import type { TagFilter } from '../ebs/ports.js';

export type JobAction = 'create' | 'trim' | 'copy' | 'list';

/** One job of an invocation, normalized from s3snapshot's keys and cairn's own. */
export interface Job {
  action: JobAction;
  instances: string[];
  volumes: string[];
  tags: TagFilter;
  regions: string[] | undefined;
  excludeDevices: string[];
  stop: boolean;
  stopped: boolean;
  perVolume: boolean;
  label: string | undefined;
  protect: boolean;
  copyTags: boolean;
  seriesKey: string | undefined;
  wait: boolean;
  notify: string | undefined;
  notifyError: string | undefined;
  keep: RetentionPolicy;
  maxDeletions: number | undefined;
  series: string[] | undefined;
  toRegions: string[];
  fromRegion: string | undefined;
  kmsKeyId: string | undefined;
  dryRun: boolean;
}

const kebab = (k: string): string => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/_/g, '-');

const KNOWN = new Set([
  'action',
  'jobs',
  'instances',
  'volumes',
  'tags',
  'filter',
  'regions',
  'exclude-devices',
  'stop',
  'stopped',
  'per-volume',
  'label',
  'protected',
  'protect',
  'copy-tags',
  'series-key',
  'wait',
  'sns-arn',
  'sns-arn-error',
  'notify',
  'notify-error',
  'verbose',
  'keep',
  'max-deletions',
  'series',
  'to-region',
  'from-region',
  'kms-key',
  'dry-run',
]);

const bad = (m: string): CairnError =>
  new CairnError('USAGE', `invalid payload: ${m}`, { hint: 'see docs/lambda.md for the payload keys' });

function strings(v: unknown, key: string): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string')
    return v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  throw bad(`"${key}" must be a string or a list of strings`);
}

const str = (v: unknown, key: string): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(`"${key}" must be a string`);
  return v;
};

const bool = (v: unknown, key: string): boolean => {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw bad(`"${key}" must be true or false`);
  return v;
};

/** The jobs of one event: `{"jobs": [...]}` or one job; an EventBridge event's `detail` works too. */
export function parseEvent(event: unknown): Job[] {
  let e = event;
  if (isObject(e) && isObject(e.detail) && e['detail-type'] !== undefined) e = e.detail;
  if (!isObject(e)) throw bad('the event must be a JSON object');
  if (Array.isArray(e.jobs)) return e.jobs.map((j) => parseJob(j));
  return [parseJob(e)];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseJob(raw: unknown): Job {
  if (!isObject(raw)) throw bad('a job must be a JSON object');
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const key = kebab(k);
    if (!KNOWN.has(key)) throw bad(`unknown key "${k}"`);
    o[key] = v;
  }
  const filter = isObject(o.filter) ? o.filter : {};
  const action = (str(o.action, 'action') ?? 'create') as JobAction;
  if (!['create', 'trim', 'copy', 'list'].includes(action))
    throw bad(`unknown action "${action}" (create, trim, copy or list)`);
  const keep = isObject(o.keep) ? o.keep : {};
  const max = o['max-deletions'];
  if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 0))
    throw bad('"max-deletions" must be a whole number');
  return {
    action,
    instances: [...strings(o.instances, 'instances'), ...strings(filter.instances, 'filter.instances')],
    volumes: strings(o.volumes, 'volumes'),
    tags: { ...tagObject(filter.tags), ...tagObject(o.tags) },
    regions: o.regions === undefined ? undefined : strings(o.regions, 'regions'),
    excludeDevices: strings(o['exclude-devices'], 'exclude-devices'),
    stop: bool(o.stop, 'stop'),
    stopped: bool(o.stopped, 'stopped'),
    perVolume: bool(o['per-volume'], 'per-volume'),
    label: str(o.label, 'label'),
    protect: bool(o.protected ?? o.protect, 'protected'),
    copyTags: bool(o['copy-tags'], 'copy-tags'),
    seriesKey: str(o['series-key'], 'series-key'),
    wait: bool(o.wait, 'wait'),
    notify: str(o['sns-arn'] ?? o.notify, 'sns-arn'),
    notifyError: str(o['sns-arn-error'] ?? o['notify-error'], 'sns-arn-error'),
    keep: policyFromFlags({
      keepLast: keep.last as number | undefined,
      keepHourly: keep.hourly as number | undefined,
      keepDaily: keep.daily as number | undefined,
      keepWeekly: keep.weekly as number | undefined,
      keepMonthly: keep.monthly as number | undefined,
      keepYearly: keep.yearly as number | undefined,
      keepWithin: keep.within as string | undefined,
    }),
    maxDeletions: max,
    series: o.series === undefined ? undefined : strings(o.series, 'series'),
    toRegions: strings(o['to-region'], 'to-region'),
    fromRegion: str(o['from-region'], 'from-region'),
    kmsKeyId: str(o['kms-key'], 'kms-key'),
    dryRun: bool(o['dry-run'], 'dry-run'),
  };
}
