import { seriesKey } from './series.js';
import type { Target } from './select.js';
import { planOwnTags, planSharedTags } from './tag-budget.js';
import { TAG } from './tags.js';
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

/** Two or more volumes the series key puts into one series: the plan is refused. */
export interface SeriesCollision {
  region: string;
  /** The series key template that made the series. */
  template: string;
  series: string;
  volumes: { volumeId: string; device: string | undefined; instanceId: string | undefined }[];
}

export interface CreatePlan {
  requests: CreateRequest[];
  skipped: SkippedVolume[];
  /**
   * A series holds at most one snapshot per run: when the key puts two volumes into one series,
   * the plan is refused (nothing may be created) and these say why.
   */
  collisions: SeriesCollision[];
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
        volumeTags: a.tags,
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
      const own = planOwnTags(
        {
          ...base,
          [TAG.volume]: p.volumeId,
          [TAG.series]: p.series,
          ...(p.device ? { [TAG.device]: p.device } : {}),
        },
        copied,
      );
      volumeTags[p.volumeId] = own.tags;
      if (o.perVolume) for (const n of own.notes) if (!notes.includes(n)) notes.push(n);
    }
    let tags: Tags = base;
    let lateTags: Record<string, Tags> = {};
    if (!o.perVolume) {
      const shared = planSharedTags(base, planned, copied);
      tags = shared.tags;
      lateTags = shared.lateTags;
      notes.push(...shared.notes);
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
  return { requests, skipped, collisions: collisionsOf(requests, o.seriesTemplate) };
}

/** Series that more than one volume of the plan would go into (per region: series are per region). */
function collisionsOf(requests: readonly CreateRequest[], template: string): SeriesCollision[] {
  const bySeries = new Map<string, SeriesCollision>();
  for (const r of requests) {
    for (const v of r.volumes) {
      const key = `${r.region}\u0000${v.series}`;
      const c = bySeries.get(key) ?? { region: r.region, template, series: v.series, volumes: [] };
      if (!c.volumes.some((x) => x.volumeId === v.volumeId))
        c.volumes.push({ volumeId: v.volumeId, device: v.device, instanceId: r.instanceId });
      bySeries.set(key, c);
    }
  }
  return [...bySeries.values()].filter((c) => c.volumes.length > 1);
}

/** One line naming the volumes and the key, e.g. for a usage error. */
export function describeCollision(c: SeriesCollision): string {
  const vols = c.volumes.map(
    (v) => `${v.volumeId}${v.device ? ` (${v.device}${v.instanceId ? ` of ${v.instanceId}` : ''})` : ''}`,
  );
  const named =
    vols.length > 2 ? `${vols.slice(0, -1).join(', ')} and ${vols.at(-1) ?? ''}` : vols.join(' and ');
  return `the series key "${c.template}" puts ${named} into one series "${c.series}" in ${c.region}`;
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
