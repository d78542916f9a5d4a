import { parseDuration } from '../core/duration.js';
import { CairnError } from '../core/errors.js';
import { defaultRegion } from '../aws/clients.js';
import { parseCopyRequest } from '../ebs/requests/copy-request.js';
import type { SnapshotCopyRequest } from '../ebs/requests/copy-request.js';
import { parseCreateRequest } from '../ebs/requests/create-request.js';
import type { SnapshotCreateRequest } from '../ebs/requests/create-request.js';
import { parseListRequest } from '../ebs/requests/list-request.js';
import type { SnapshotListRequest } from '../ebs/requests/list-request.js';
import { parseTrimRequest } from '../ebs/requests/trim-request.js';
import type { SnapshotTrimRequest } from '../ebs/requests/trim-request.js';
import { tagObject } from '../ebs/select.js';

export type JobAction = 'create' | 'trim' | 'copy' | 'list';

/**
 * One job of an invocation: s3snapshot's keys and cairn's own, checked by the same request
 * schema the library and the CLI use.
 */
export type Job =
  | { action: 'create'; request: SnapshotCreateRequest }
  | { action: 'trim'; request: SnapshotTrimRequest }
  | { action: 'copy'; request: SnapshotCopyRequest }
  | { action: 'list'; request: SnapshotListRequest };

/** How the request's keys are called in the payload, for one-line errors. */
const PAYLOAD_NAMES: Record<string, string> = {
  'selection.instanceIds': 'instances',
  'selection.volumeIds': 'volumes',
  'selection.tags': 'tags',
  'selection.excludeDevices': 'exclude-devices',
  stopped: 'stop/stopped',
  perVolume: 'per-volume',
  copyTags: 'copy-tags',
  seriesKey: 'series-key',
  'notify.onSuccess': 'sns-arn',
  'notify.onError': 'sns-arn-error',
  policy: 'keep',
  ...Object.fromEntries(
    ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly', 'within'].map((k) => [
      `policy.${k}`,
      `keep.${k}`,
    ]),
  ),
  maxDeletions: 'max-deletions',
  toRegions: 'to-region',
  fromRegion: 'from-region',
  kmsKeyId: 'kms-key',
  staleAfterMs: 'stale-after',
};

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
  'stale-after',
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
export function parseEvent(event: unknown, homeRegion = defaultRegion()): Job[] {
  let e = event;
  if (isObject(e) && isObject(e.detail) && e['detail-type'] !== undefined) e = e.detail;
  if (!isObject(e)) throw bad('the event must be a JSON object');
  if (Array.isArray(e.jobs)) {
    const many = e.jobs.length > 1;
    return e.jobs.map((j, i) => parseJob(j, homeRegion, many ? `job ${i + 1}` : ''));
  }
  return [parseJob(e, homeRegion, '')];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseJob(raw: unknown, homeRegion = defaultRegion(), where = ''): Job {
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
  const at = { what: `invalid payload${where ? `: ${where} (${action})` : ''}`, names: PAYLOAD_NAMES };
  const regions = o.regions === undefined ? undefined : strings(o.regions, 'regions');
  const tags = { ...tagObject(filter.tags), ...tagObject(o.tags) };
  const series = o.series === undefined ? undefined : strings(o.series, 'series');
  const notify =
    (o['sns-arn'] ?? o.notify ?? o['sns-arn-error'] ?? o['notify-error'])
      ? {
          onSuccess: str(o['sns-arn'] ?? o.notify, 'sns-arn'),
          onError: str(o['sns-arn-error'] ?? o['notify-error'], 'sns-arn-error'),
        }
      : undefined;
  const dryRun = bool(o['dry-run'], 'dry-run');
  switch (action) {
    case 'create':
      return {
        action,
        request: parseCreateRequest(
          {
            homeRegion,
            regions,
            selection: {
              instanceIds: [
                ...strings(o.instances, 'instances'),
                ...strings(filter.instances, 'filter.instances'),
              ],
              volumeIds: strings(o.volumes, 'volumes'),
              tags,
              excludeDevices: strings(o['exclude-devices'], 'exclude-devices'),
            },
            stop: bool(o.stop, 'stop'),
            stopped: bool(o.stopped, 'stopped'),
            perVolume: bool(o['per-volume'], 'per-volume'),
            label: str(o.label, 'label'),
            protect: bool(o.protected ?? o.protect, 'protected'),
            copyTags: bool(o['copy-tags'], 'copy-tags'),
            seriesKey: str(o['series-key'], 'series-key'),
            wait: bool(o.wait, 'wait'),
            dryRun,
            notify,
          },
          at,
        ),
      };
    case 'trim':
      return {
        action,
        request: parseTrimRequest(
          {
            homeRegion,
            regions,
            policy: isObject(o.keep) ? o.keep : {},
            tags,
            series,
            maxDeletions: o['max-deletions'] as number | undefined,
            dryRun,
            notify,
          },
          at,
        ),
      };
    case 'copy':
      return {
        action,
        request: parseCopyRequest(
          {
            fromRegion: str(o['from-region'], 'from-region') ?? homeRegion,
            toRegions: strings(o['to-region'], 'to-region'),
            tags,
            series,
            kmsKeyId: str(o['kms-key'], 'kms-key'),
            wait: bool(o.wait, 'wait'),
            dryRun,
            notify,
          },
          at,
        ),
      };
    case 'list': {
      const staleAfter = str(o['stale-after'], 'stale-after');
      let staleAfterMs: number | undefined;
      try {
        staleAfterMs = staleAfter === undefined ? undefined : parseDuration(staleAfter, '"stale-after"');
      } catch (err) {
        throw bad(`${where ? `${where} (list): ` : ''}${(err as Error).message}, e.g. "26h"`);
      }
      return { action, request: parseListRequest({ homeRegion, regions, tags, series, staleAfterMs }, at) };
    }
  }
}
