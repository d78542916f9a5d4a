import { randomBytes } from 'node:crypto';
import { CairnError } from '../core/errors.js';
import type { Ec2Snapshot, Tags } from './types.js';

/** The tags cairn writes on snapshots. */
export const TAG = {
  managed: 'cairn:managed',
  series: 'cairn:series',
  instance: 'cairn:instance',
  volume: 'cairn:volume',
  device: 'cairn:device',
  run: 'cairn:run',
  protected: 'cairn:protected',
  label: 'cairn:label',
  sourceSnapshot: 'cairn:source-snapshot',
  sourceRegion: 'cairn:source-region',
  /** On a copy: the run that made the original (a copy's own cairn:run is the copy run). */
  sourceRun: 'cairn:source-run',
} as const;

/**
 * One CreateSnapshots call tags every snapshot it makes alike, so the series and device of each
 * volume go into tags keyed by the volume: `cairn:series:vol-…`. A snapshot reads its own.
 */
export const seriesTagOf = (volumeId: string): string => `${TAG.series}:${volumeId}`;
export const deviceTagOf = (volumeId: string): string => `${TAG.device}:${volumeId}`;

export const MAX_TAGS = 50;

/** A new run id: sortable by time, unique per run. */
export function newRunId(now: Date): string {
  return `${now.toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(4).toString('hex')}`;
}

export interface SnapshotFacts {
  managed: boolean;
  series: string | undefined;
  device: string | undefined;
  instance: string | undefined;
  volume: string;
  protected: boolean;
  sourceSnapshot: string | undefined;
}

const truthy = (v: string | undefined): boolean => v !== undefined && /^(true|yes|1)$/i.test(v);

/** What cairn's tags say about a snapshot. */
export function factsOf(s: Ec2Snapshot): SnapshotFacts {
  const t = s.tags;
  return {
    managed: truthy(t[TAG.managed]),
    series: t[TAG.series] ?? t[seriesTagOf(s.volumeId)],
    device: t[TAG.device] ?? t[deviceTagOf(s.volumeId)],
    instance: t[TAG.instance],
    volume: t[TAG.volume] ?? s.volumeId,
    protected: truthy(t[TAG.protected]),
    sourceSnapshot: t[TAG.sourceSnapshot],
  };
}

/**
 * The run a snapshot belongs to, for the rule "one snapshot per series and run": the run that
 * made the original (a copy keeps it in cairn:source-run), else its start time (snapshots made
 * before runs were tagged, or by hand).
 */
export function runOf(s: Ec2Snapshot): string {
  return s.tags[TAG.sourceRun] ?? s.tags[TAG.run] ?? `started ${s.startTime.toISOString()}`;
}

/** The series of a snapshot; one cairn did not make is its own series per volume. */
export function seriesOf(s: Ec2Snapshot): string {
  return factsOf(s).series ?? `volume:${s.volumeId}`;
}

/** A snapshot's user tags, without the ones that only mean something on the original. */
export function carriedTags(t: Tags): Tags {
  const out: Tags = {};
  for (const [k, v] of Object.entries(t)) {
    if (k.startsWith(`${TAG.series}:`) || k.startsWith(`${TAG.device}:`)) continue;
    if (k === TAG.run || k === TAG.sourceRun) continue;
    if (k.toLowerCase().startsWith('aws:')) continue;
    out[k] = v;
  }
  return out;
}

/** `Key=Value` → { Key: [Value] } (repeated keys: either value). */
export function parseTagArgs(args: readonly string[] | undefined, flag = '--tags'): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const a of args ?? []) {
    for (const part of a.split(/,(?=[^,=]+=)/)) {
      const i = part.indexOf('=');
      const key = i > 0 ? part.slice(0, i).trim() : '';
      if (!key) throw usage(`${flag} takes Key=Value, got "${part}"`);
      const k = key.startsWith('tag:') ? key.slice(4) : key;
      (out[k] ??= []).push(part.slice(i + 1));
    }
  }
  return out;
}

const usage = (m: string): CairnError =>
  new CairnError('USAGE', m, { hint: 'e.g. --tags Env=prod --tags Backup=daily' });
