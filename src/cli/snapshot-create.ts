import type { Command } from 'commander';
import { CairnError } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';
import { collisionError, createSummaryLine, snapshotCreate } from '../ebs/create.js';
import type { SnapshotCreateResult } from '../ebs/create.js';
import { isFailure } from '../ebs/outcome.js';
import { checkSeriesTemplate, placeholderList } from '../ebs/series.js';
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
  const sel: Selection = {
    instanceIds: [...list(f.instances), ...(fromFilter.instanceIds ?? [])],
    volumeIds: [...list(f.volumes), ...(fromFilter.volumeIds ?? [])],
    tags,
    excludeDevices: list(f.excludeDevices ?? ctx.config.snapshot?.excludeDevices),
  };
  for (const id of sel.instanceIds)
    if (!/^i-[0-9a-f]{8,17}$/.test(id))
      throw new CairnError('USAGE', `"${id}" is not an instance id`, {
        hint: 'e.g. --instances i-0abc1234def567890',
      });
  for (const id of sel.volumeIds)
    if (!/^vol-[0-9a-f]{8,17}$/.test(id))
      throw new CairnError('USAGE', `"${id}" is not a volume id`, {
        hint: 'e.g. --volumes vol-0abc1234def567890',
      });
  return sel;
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
      `series key template (default {name}:{device}); placeholders: ${placeholderList()}`,
    )
    .option('--wait', 'wait until every snapshot is completed (or ended in error)')
    .option('--wait-timeout <duration>', 'give up waiting after this long (default 2h)')
    .option('--stop-timeout <duration>', '--stop: how long an instance may take to stop (default 10m)')
    .option('--dry-run', 'show what would be snapshotted; create nothing, stop nothing');
  addPollOption(addNotifyOptions(addRegionOption(cmd))).action(async (_o: unknown, c: Command) => {
    await runner.run(c, async (ctx) => {
      const f = c.opts<CreateFlags>();
      const cfg = ctx.config.snapshot ?? {};
      if (f.stop && f.stopped)
        throw new CairnError('USAGE', '--stop and --stopped exclude each other', {
          hint: 'use --stop to stop running instances, --stopped to skip them',
        });
      const selection = selectionFrom(f, ctx);
      const seriesKey = f.seriesKey ?? cfg.seriesKey;
      if (seriesKey) checkSeriesTemplate(seriesKey);
      const notify = notifyFrom(f, cfg);
      const waitTimeout = f.waitTimeout ?? cfg.waitTimeout;
      const stopTimeout = f.stopTimeout ?? cfg.stopTimeout;
      const engine = openEngine(ctx);
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
      try {
        const r = await snapshotCreate({
          api: engine.api,
          notifier: engine.notifier,
          reporter: ctx.out,
          signal: ctx.signal,
          regions: regionsFrom(f, cfg),
          homeRegion: homeRegion(),
          selection,
          mode: f.stop ? 'stop' : f.stopped ? 'stopped' : 'live',
          perVolume: f.perVolume,
          label: f.label,
          protect: f.protect,
          copyTags: f.copyTags ?? cfg.copyTags,
          seriesKey,
          wait: f.wait,
          pollMs: pollMsFrom(f),
          waitTimeoutMs: waitTimeout ? parseDuration(waitTimeout, '--wait-timeout') : undefined,
          stopTimeoutMs: stopTimeout ? parseDuration(stopTimeout, '--stop-timeout') : undefined,
          dryRun: f.dryRun,
          notify,
        });
        ctx.out.result({ ...r, calls: engine.scheduler.stats }, () => createText(r));
        if (r.collisions.length) throw collisionError(r.collisions);
        const failed = r.items.filter((x) => isFailure(x) || x.error).length;
        if (failed || r.regionErrors.length) {
          throw new CairnError(
            'PARTIAL',
            `${failed} volume(s) failed${r.regionErrors.length ? `, ${r.regionErrors.length} region(s) could not be used` : ''}; the rest were snapshotted`,
            {
              hint: 'see the table above; a new run creates new snapshots only',
            },
          );
        }
      } finally {
        engine.close();
      }
    });
  });
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
    createSummaryLine(r),
  ].join('\n');
}
