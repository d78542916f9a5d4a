import type { Command } from 'commander';
import { CairnError } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';
import { collisionError, createSummaryLine, snapshotCreate } from '../ebs/create.js';
import type { SnapshotCreateResult } from '../ebs/create.js';
import { SNAPSHOT_DEFAULTS } from '../ebs/options.js';
import { isFailure } from '../ebs/outcome.js';
import { placeholderList } from '../ebs/series.js';
import { parseCreateRequest } from '../ebs/requests/create-request.js';
import type { SnapshotCreateRequest } from '../ebs/requests/create-request.js';
import { parseFilter, tagObject } from '../ebs/select.js';
import type { Selection } from '../ebs/select.js';
import { parseTagArgs } from '../ebs/tags.js';
import type { CliContext } from './context.js';
import type { Runner } from './main.js';
import { table } from './output.js';
import { collect } from './ship.js';
import type { CommonSnapshotFlags } from './snapshot-common.js';
import {
  addNotifyOptions,
  addPollOption,
  addRegionOption,
  defaultDuration,
  homeRegion,
  notifyFrom,
  openEngine,
  pollMsFrom,
  regionsFrom,
} from './snapshot-common.js';

interface CreateFlags extends CommonSnapshotFlags {
  instances?: string[];
  volumes?: string[];
  filter?: string;
  excludeDevices?: string[];
  stop?: boolean;
  stopped?: boolean;
  perVolume?: boolean;
  label?: string;
  protect?: boolean;
  copyTags?: boolean;
  seriesKey?: string;
  wait?: boolean;
  waitTimeout?: string;
  stopTimeout?: string;
  dryRun?: boolean;
}

const list = (xs: string[] | undefined): string[] =>
  (xs ?? [])
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter(Boolean);

export function selectionFrom(f: CreateFlags, ctx: CliContext): Selection {
  const fromFilter = f.filter ? parseFilter(f.filter) : {};
  const tags = {
    ...tagObject(ctx.config.snapshot?.tags),
    ...(fromFilter.tags ?? {}),
    ...parseTagArgs(f.tags),
  };
  return {
    instanceIds: [...list(f.instances), ...(fromFilter.instanceIds ?? [])],
    volumeIds: [...list(f.volumes), ...(fromFilter.volumeIds ?? [])],
    tags,
    excludeDevices: list(f.excludeDevices ?? ctx.config.snapshot?.excludeDevices),
  };
}

/** How the request's keys are called on the command line, for one-line errors. */
export const CREATE_FLAG_NAMES: Record<string, string> = {
  'selection.instanceIds': '--instances',
  'selection.volumeIds': '--volumes',
  'selection.tags': '--tags',
  'selection.excludeDevices': '--exclude-devices',
  regions: '--regions (or snapshot.regions)',
  stopped: '--stop/--stopped',
  seriesKey: '--series-key (or snapshot.seriesKey)',
  label: '--label',
  pollMs: '--poll-interval',
  waitTimeoutMs: '--wait-timeout',
  stopTimeoutMs: '--stop-timeout',
  'notify.onSuccess': '--notify',
  'notify.onError': '--notify-error',
};

/**
 * The one place where flags, the config file's `snapshot` section and the defaults meet for
 * `snapshot create`; the library checks the result against its request schema.
 */
export function resolveCreateRequest(f: CreateFlags, ctx: CliContext): SnapshotCreateRequest {
  const cfg = ctx.config.snapshot ?? {};
  const waitTimeout = f.waitTimeout ?? cfg.waitTimeout;
  const stopTimeout = f.stopTimeout ?? cfg.stopTimeout;
  return parseCreateRequest(
    {
      homeRegion: homeRegion(),
      regions: regionsFrom(f, cfg),
      selection: selectionFrom(f, ctx),
      stop: f.stop,
      stopped: f.stopped,
      perVolume: f.perVolume,
      label: f.label,
      protect: f.protect,
      copyTags: f.copyTags ?? cfg.copyTags,
      seriesKey: f.seriesKey ?? cfg.seriesKey,
      wait: f.wait,
      pollMs: pollMsFrom(f),
      waitTimeoutMs: waitTimeout ? parseDuration(waitTimeout, '--wait-timeout') : undefined,
      stopTimeoutMs: stopTimeout ? parseDuration(stopTimeout, '--stop-timeout') : undefined,
      dryRun: f.dryRun,
      notify: notifyFrom(f, cfg),
    },
    { what: '', names: CREATE_FLAG_NAMES, hint: 'see cairn snapshot create --help' },
  );
}

export function registerSnapshotCreate(snapshot: Command, runner: Runner, onSignal: () => void): void {
  const cmd = snapshot
    .command('create')
    .description('Snapshot EBS volumes of instances chosen by id, tag or volume, in one or more regions.')
    .option('--instances <ids>', 'instance ids (comma-separated, repeatable)', collect)
    .option(
      '--tags <Key=Value>',
      'instances with this tag (repeatable; all must match; * and ? wildcards)',
      collect,
    )
    .option('--volumes <ids>', 'volume ids (comma-separated, repeatable)', collect)
    .option('--filter <json>', `s3snapshot's filter: '{"instances": ["i-…"], "tags": {"tag:Env": "PROD"}}'`)
    .option('--exclude-devices <devices>', 'leave out these devices, e.g. /dev/sdb,/dev/sdc', collect)
    .option(
      '--stop',
      'stop each instance, snapshot it once stopped, start it again (also when a snapshot fails)',
    )
    .option(
      '--stopped',
      'only snapshot instances that are already stopped; a running one is reported as an error',
    )
    .option(
      '--per-volume',
      'one CreateSnapshot per volume instead of one crash-consistent CreateSnapshots per instance',
    )
    .option('--label <text>', 'text for the snapshot description (and the cairn:label tag)')
    .option('--protect', 'tag the snapshots cairn:protected=true: trim never deletes them')
    .option('--copy-tags', "copy the instance's tags onto its snapshots")
    .option(
      '--series-key <template>',
      `series key template (default ${SNAPSHOT_DEFAULTS.seriesKey}); placeholders: ${placeholderList()}`,
    )
    .option('--wait', 'wait until every snapshot is completed (or ended in error)')
    .option(
      '--wait-timeout <duration>',
      `give up waiting after this long (default ${defaultDuration(SNAPSHOT_DEFAULTS.waitTimeoutMs)})`,
    )
    .option(
      '--stop-timeout <duration>',
      `--stop: how long an instance may take to stop (default ${defaultDuration(SNAPSHOT_DEFAULTS.stopTimeoutMs)})`,
    )
    .option('--dry-run', 'show what would be snapshotted; create nothing, stop nothing');
  addPollOption(addNotifyOptions(addRegionOption(cmd))).action(async (_o: unknown, c: Command) => {
    await runner.run(c, async (ctx) => {
      const request = resolveCreateRequest(c.opts<CreateFlags>(), ctx);
      const engine = openEngine(ctx);
      // Until the run returns, a signal only asks it to end: instances it stopped are started
      // again first (a second signal changes nothing; SIGKILL does).
      process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
      try {
        const r = await snapshotCreate({
          ...request,
          api: engine.api,
          notifier: engine.notifier,
          reporter: ctx.out,
          signal: ctx.signal,
        });
        ctx.out.result({ ...r, calls: engine.scheduler.stats }, () => createText(r));
        if (r.collisions.length) throw collisionError(r.collisions);
        throwForOutcome(r);
      } finally {
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
        engine.close();
      }
    });
  });
}

/** The run's outcome as the CLI reports it: exit 0, 3 (some failed) or 130 (interrupted). */
function throwForOutcome(r: SnapshotCreateResult): void {
  const stuck = r.restartFailures.map((x) => x.instanceId);
  const still = stuck.length ? `; STILL STOPPED: ${stuck.join(', ')}` : '';
  if (r.outcome.status === 'interrupted') {
    const again = r.restarted.length ? `; started ${r.restarted.join(', ')} again` : '';
    throw new CairnError('INTERRUPTED', `interrupted${again}${still}`, {
      hint: 'snapshots already requested go on; a new run creates new snapshots only',
    });
  }
  if (r.outcome.status !== 'ok') {
    const failed = r.items.filter((x) => isFailure(x) || x.error).length;
    throw new CairnError(
      'PARTIAL',
      `${failed} volume(s) failed${r.regionErrors.length ? `, ${r.regionErrors.length} region(s) could not be used` : ''}${still}; the rest were snapshotted`,
      {
        hint: 'see the table above; a new run creates new snapshots only',
      },
    );
  }
}

function createText(r: SnapshotCreateResult): string {
  const rows = r.items.map((x) => [
    x.region,
    x.instanceId ?? '-',
    x.device ?? '-',
    x.volumeId ?? '-',
    x.series ?? '-',
    x.snapshotId ?? '-',
    x.error ? `${x.state}: ${x.error}` : x.note && x.state !== 'pending' ? `${x.state} (${x.note})` : x.state,
  ]);
  const regionLines = r.regionErrors.map((e) => `region ${e.region}: ${e.error.message}`);
  return [
    rows.length
      ? table([['REGION', 'INSTANCE', 'DEVICE', 'VOLUME', 'SERIES', 'SNAPSHOT', 'STATE'], ...rows])
      : 'nothing selected',
    ...regionLines,
    ...r.restartFailures.map((x) => `STILL STOPPED: ${x.instanceId} (${x.region}): ${x.error}`),
    ...(r.restarted.length ? [`started again: ${r.restarted.join(', ')}`] : []),
    ...(r.outcome.status === 'interrupted' ? ['interrupted before the run was done'] : []),
    createSummaryLine(r),
  ].join('\n');
}
