import { seriesKey } from './series.js';
import type { Target } from './select.js';
import { deviceTagOf, MAX_TAGS, seriesTagOf, TAG } from './tags.js';
import type { Tags } from './types.js';

export type CreateMode = 'live' | 'stop' | 'stopped';

export interface CreateOptions {
  mode: CreateMode;
  /** One CreateSnapshot per volume instead of one crash-consistent CreateSnapshots per instance. */
  perVolume: boolean;
  runId: string;
  seriesTemplate: string;
  excludeDevices: readonly string[];
  label?: string | undefined;
  protect?: boolean | undefined;
  /** Copy the instance's own tags onto its snapshots. */
  copyTags?: boolean | undefined;
}

export interface PlannedVolume {
  volumeId: string;
  device: string | undefined;
  series: string;
}

/** One unit of work: the volumes of one instance (or one volume on its own). */
export interface CreateRequest {
  region: string;
  instanceId: string | undefined;
  /** Stop the instance first (it is running and the mode is `stop`). */
  stop: boolean;
  perVolume: boolean;
  volumes: PlannedVolume[];
  /** For CreateSnapshots: attached volumes not chosen, and whether the root volume is left out. */
  excludeVolumeIds: string[];
  excludeBoot: boolean;
  description: string;
  /** Tags for every snapshot of the request (CreateSnapshots) or per volume (CreateSnapshot). */
  tags: Tags;
  volumeTags: Record<string, Tags>;
  /** Tags that did not fit into the create call; added with CreateTags right after it. */
  lateTags: Record<string, Tags>;
  /** Notes for the user (tags dropped to stay within EC2's 50 per resource). */
  notes: string[];
}

export interface SkippedVolume {
  region: string;
  instanceId: string | undefined;
  volumeId: string | undefined;
  device: string | undefined;
  series: string | undefined;
  /** True when the user asked for it and should hear why it was not done (exit code 3). */
  error: boolean;
  reason: string;
}

export interface CreatePlan {
  requests: CreateRequest[];
  skipped: SkippedVolume[];
}

const userTags = (t: Tags): Tags =>
  Object.fromEntries(
    Object.entries(t).filter(([k]) => !k.toLowerCase().startsWith('aws:') && !k.startsWith('cairn:')),
  );

/**
 * Decides what to snapshot and how, from the selected targets: which volumes (minus excluded
 * devices), which instances are skipped (why), one request per instance, and every tag.
 * Pure: a function of its inputs.
 */
export function planCreate(targets: readonly Target[], o: CreateOptions): CreatePlan {
  const requests: CreateRequest[] = [];
  const skipped: SkippedVolume[] = [];
  const excluded = new Set(o.excludeDevices);
  const common: Tags = { [TAG.managed]: 'true', [TAG.run]: o.runId };
  if (o.protect) common[TAG.protected] = 'true';
  if (o.label) common[TAG.label] = o.label.slice(0, 256);

  for (const t of targets) {
    if (t.kind === 'volume') {
      const v = t.volume;
      const series = seriesKey(o.seriesTemplate, { volumeId: v.id, volumeTags: v.tags });
      const tags: Tags = { ...common, [TAG.volume]: v.id, [TAG.series]: series };
      requests.push({
        region: t.region,
        instanceId: undefined,
        stop: false,
        perVolume: true,
        volumes: [{ volumeId: v.id, device: undefined, series }],
        excludeVolumeIds: [],
        excludeBoot: false,
        description: describe(series, o.label),
        tags,
        volumeTags: { [v.id]: tags },
        lateTags: {},
        notes: [],
      });
      continue;
    }
    const i = t.instance;
    const name = i.tags.Name;
    const planned: PlannedVolume[] = [];
    for (const a of t.volumes) {
      const series = seriesKey(o.seriesTemplate, {
        instanceId: i.id,
        instanceTags: i.tags,
        volumeId: a.volumeId,
        device: a.device,
      });
      if (excluded.has(a.device)) {
        skipped.push({
          region: t.region,
          instanceId: i.id,
          volumeId: a.volumeId,
          device: a.device,
          series,
          error: false,
          reason: `device ${a.device} excluded`,
        });
        continue;
      }
      planned.push({ volumeId: a.volumeId, device: a.device, series });
    }
    if (!planned.length) continue;
    const refuse = refusal(i.state, o.mode);
    if (refuse) {
      for (const p of planned) {
        skipped.push({
          region: t.region,
          instanceId: i.id,
          volumeId: p.volumeId,
          device: p.device,
          series: p.series,
          error: true,
          reason: refuse,
        });
      }
      continue;
    }
    const chosen = new Set(planned.map((p) => p.volumeId));
    const notChosen = i.volumes.filter((v) => !chosen.has(v.volumeId));
    const rootId = i.volumes.find((v) => v.device === i.rootDevice)?.volumeId;
    const base: Tags = { ...common, [TAG.instance]: i.id };
    const copied = o.copyTags ? userTags(i.tags) : {};
    const notes: string[] = [];
    const volumeTags: Record<string, Tags> = {};
    for (const p of planned) {
      volumeTags[p.volumeId] = {
        ...copied,
        ...base,
        [TAG.volume]: p.volumeId,
        [TAG.series]: p.series,
        ...(p.device ? { [TAG.device]: p.device } : {}),
      };
    }
    let tags: Tags = base;
    const lateTags: Record<string, Tags> = {};
    if (!o.perVolume) {
      const perVolume: Tags = {};
      const devices: Tags = {};
      for (const p of planned) {
        perVolume[seriesTagOf(p.volumeId)] = p.series;
        if (p.device) devices[deviceTagOf(p.volumeId)] = p.device;
      }
      const room = MAX_TAGS - Object.keys(base).length;
      const fit = fitTags(room, perVolume, devices, copied, notes);
      tags = { ...fit.copied, ...base, ...fit.devices, ...fit.series };
      for (const [k, v] of Object.entries(perVolume)) {
        if (fit.series[k] !== undefined) continue;
        const volumeId = k.slice(TAG.series.length + 1);
        lateTags[volumeId] = { [TAG.series]: v, [TAG.volume]: volumeId };
      }
    } else if (Object.keys(copied).length + Object.keys(base).length + 3 > MAX_TAGS) {
      notes.push('some instance tags were not copied (EC2 allows 50 tags per snapshot)');
      const keep = Object.keys(copied).slice(0, MAX_TAGS - Object.keys(base).length - 3);
      for (const id of Object.keys(volumeTags)) {
        const t0 = volumeTags[id] ?? {};
        volumeTags[id] = Object.fromEntries(
          Object.entries(t0).filter(([k]) => !(k in copied) || keep.includes(k)),
        );
      }
    }
    requests.push({
      region: t.region,
      instanceId: i.id,
      stop: o.mode === 'stop' && i.state !== 'stopped',
      perVolume: o.perVolume,
      volumes: planned,
      excludeVolumeIds: notChosen.filter((v) => v.volumeId !== rootId).map((v) => v.volumeId),
      excludeBoot: rootId !== undefined && !chosen.has(rootId),
      description: describe(name ? `${name} (${i.id})` : i.id, o.label),
      tags,
      volumeTags,
      lateTags,
      notes,
    });
  }
  return { requests, skipped };
}

function refusal(state: string, mode: CreateMode): string | undefined {
  if (mode === 'stopped' && state !== 'stopped') {
    return `instance is ${state}; --stopped only snapshots instances that are already stopped`;
  }
  if (mode === 'stop' && state !== 'running' && state !== 'stopped') {
    return `instance is ${state}; --stop needs it running or stopped`;
  }
  return undefined;
}

function describe(what: string, label: string | undefined): string {
  return `cairn: ${what}${label ? ` - ${label}` : ''}`.slice(0, 255);
}

/** Per-volume series tags first, then device tags, then copied instance tags, within `room`. */
function fitTags(
  room: number,
  series: Tags,
  devices: Tags,
  copied: Tags,
  notes: string[],
): { series: Tags; devices: Tags; copied: Tags } {
  const take = (t: Tags, n: number): Tags => Object.fromEntries(Object.entries(t).slice(0, Math.max(0, n)));
  const s = take(series, room);
  const d = take(devices, room - Object.keys(s).length);
  const c = take(copied, room - Object.keys(s).length - Object.keys(d).length);
  if (Object.keys(c).length < Object.keys(copied).length)
    notes.push('some instance tags were not copied (EC2 allows 50 tags per snapshot)');
  if (Object.keys(d).length < Object.keys(devices).length)
    notes.push('device tags left out: too many volumes for one tag set');
  if (Object.keys(s).length < Object.keys(series).length)
    notes.push('series tags of some volumes are added after creation');
  return { series: s, devices: d, copied: c };
}
