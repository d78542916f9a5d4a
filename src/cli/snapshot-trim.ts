import type { Command } from 'commander';
import { keepFlagNames } from './keep-names.js';
import { CairnError } from '../core/errors.js';
import { describePolicy } from '../core/retention.js';
import type { RetentionFlags } from '../core/retention.js';
import type { SnapshotConfig } from '../config/schema.js';
import { describeTrimCollision } from '../ebs/collisions.js';
import { parseTrimRequest } from '../ebs/requests/trim-request.js';
import type { SnapshotTrimRequest, SnapshotTrimRequestInput } from '../ebs/requests/trim-request.js';
import { snapshotTrim } from '../ebs/trim.js';
import type { SnapshotTrimResult } from '../ebs/trim.js';
import type { Runner } from './main.js';
import { table } from './output.js';
import { collect } from './ship.js';
import type { CommonSnapshotFlags } from './snapshot-common.js';
import {
  addNotifyOptions,
  addRegionOption,
  homeRegion,
  notifyFrom,
  openEngine,
  regionsFrom,
  tagFilterFrom,
} from './snapshot-common.js';

interface TrimFlags extends CommonSnapshotFlags, RetentionFlags {
  maxDeletions?: string;
  unmanaged?: boolean;
  dryRun?: boolean;
}

/** The keep flags when any is given, else the config file's `snapshot.keep`: unchecked, the schema checks. */
function keepFrom(f: RetentionFlags, cfg: SnapshotConfig): SnapshotTrimRequestInput['policy'] {
  const flags = {
    last: f.keepLast,
    hourly: f.keepHourly,
    daily: f.keepDaily,
    weekly: f.keepWeekly,
    monthly: f.keepMonthly,
    yearly: f.keepYearly,
    within: f.keepWithin,
  };
  if (Object.values(flags).some((v) => v !== undefined)) return flags;
  return { ...(cfg.keep ?? {}) };
}

const KEEP_NAMES = keepFlagNames('snapshot.keep');

/** How the request's keys are called on the command line, for one-line errors. */
export const TRIM_FLAG_NAMES: Record<string, string> = {
  ...KEEP_NAMES,
  policy: '--keep-* (or snapshot.keep)',
  regions: '--regions (or snapshot.regions)',
  tags: '--tags',
  series: '--series',
  maxDeletions: '--max-deletions (or snapshot.maxDeletions)',
  'notify.onSuccess': '--notify',
  'notify.onError': '--notify-error',
};

/** The one place where flags, the config file and the defaults meet for `snapshot trim`. */
export function resolveTrimRequest(f: TrimFlags, cfg: SnapshotConfig): SnapshotTrimRequest {
  const max = f.maxDeletions ?? cfg.maxDeletions;
  const maxDeletions = max === undefined ? undefined : Number(max);
  if (maxDeletions !== undefined && !Number.isInteger(maxDeletions)) {
    throw new CairnError('USAGE', `--max-deletions must be a whole number, got "${String(max)}"`, {
      hint: 'e.g. --max-deletions 100',
    });
  }
  return parseTrimRequest(
    {
      homeRegion: homeRegion(),
      regions: regionsFrom(f, cfg),
      policy: keepFrom(f, cfg),
      tags: tagFilterFrom(f),
      series: f.series,
      unmanaged: f.unmanaged,
      maxDeletions,
      dryRun: f.dryRun,
      notify: notifyFrom(f, cfg),
    },
    {
      what: '',
      names: TRIM_FLAG_NAMES,
      hint: 'e.g. --keep-daily 7 --keep-weekly 4 --keep-monthly 12 (or snapshot.keep in the config file)',
    },
  );
}

export function addKeepOptions(cmd: Command): Command {
  return cmd
    .option('--keep-last <n>', 'keep the N newest snapshots of each series')
    .option('--keep-hourly <n>', 'keep the newest of each of the last N hours')
    .option('--keep-daily <n>', 'keep the newest of each of the last N days')
    .option('--keep-weekly <n>', 'keep the newest of each of the last N ISO weeks')
    .option('--keep-monthly <n>', 'keep the newest of each of the last N months')
    .option('--keep-yearly <n>', 'keep the newest of each of the last N years')
    .option('--keep-within <duration>', 'keep everything within this of the newest, e.g. 7d, 1m');
}

export function registerSnapshotTrim(snapshot: Command, runner: Runner, onSignal: () => void): void {
  const cmd = snapshot
    .command('trim')
    .description(
      'Delete snapshots a grandfather-father-son policy does not keep, per series, with the reason for each. Never the newest completed snapshot of a series, a protected one, or one an AMI uses.',
    )
    .option('--tags <Key=Value>', 'only snapshots with this tag (repeatable; all must match)', collect)
    .option('--series <key>', 'only this series (repeatable; a trailing * matches a prefix)', collect)
    .option('--max-deletions <n>', 'delete at most N snapshots this run, oldest first')
    .option('--unmanaged', 'also trim snapshots cairn did not create (each volume is a series)')
    .option('--dry-run', 'show what would be deleted and why; delete nothing');
  addNotifyOptions(addRegionOption(addKeepOptions(cmd))).action(async (_o: unknown, c: Command) => {
    await runner.run(c, async (ctx) => {
      const request = resolveTrimRequest(c.opts<TrimFlags>(), ctx.config.snapshot ?? {});
      const policy = request.policy;
      const engine = openEngine(ctx);
      // Until the run returns, a signal only stops new deletions: those in flight finish, and
      // the summary says what was deleted.
      process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
      try {
        const r = await snapshotTrim({
          ...request,
          api: engine.api,
          notifier: engine.notifier,
          reporter: ctx.out,
          signal: ctx.signal,
        });
        ctx.out.result({ ...r, policy: describePolicy(policy), calls: engine.scheduler.stats }, () =>
          trimText(r, describePolicy(policy)),
        );
        const [collision] = r.collisions;
        if (collision) {
          throw new CairnError(
            'INTEGRITY',
            `${describeTrimCollision(collision)}${r.collisions.length > 1 ? ` (and ${r.collisions.length - 1} more series)` : ''}: nothing in it was deleted`,
            {
              hint: 'a series holds at most one snapshot per run: fix the series key, then re-tag or delete these by hand',
            },
          );
        }
        if (r.outcome.status === 'interrupted') {
          throw new CairnError(
            'INTERRUPTED',
            `interrupted: deleted ${r.deleted} of ${r.planned} snapshot(s); ${r.planned - r.deleted - r.failed} not deleted${r.failed ? `, ${r.failed} failed` : ''}`,
            { hint: 'run trim again to delete the rest' },
          );
        }
        if (r.outcome.status !== 'ok') {
          throw new CairnError(
            'PARTIAL',
            `${r.failed} snapshot(s) could not be deleted${r.regionErrors.length ? `, ${r.regionErrors.length} region(s) could not be used` : ''}`,
            {
              hint: 'see the table above; run trim again to retry',
            },
          );
        }
      } finally {
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
        engine.close();
      }
    });
  });
}

function trimText(r: SnapshotTrimResult, policy: string): string {
  const rows = r.rows.map((x) => [
    x.region,
    x.series,
    x.snapshotId,
    x.time.slice(0, 16).replace('T', ' '),
    x.action,
    x.error ? `${x.reasons.join('; ')}; ${x.error}` : x.reasons.join('; '),
  ]);
  const removed = r.dryRun ? r.rows.filter((x) => x.action === 'remove').length : r.deleted;
  return [
    rows.length
      ? table([['REGION', 'SERIES', 'SNAPSHOT', 'STARTED', 'ACTION', 'REASON'], ...rows])
      : 'no snapshots',
    ...r.regionErrors.map((e) => `region ${e.region}: ${e.error.message}`),
    ...(r.outcome.status === 'interrupted'
      ? [`interrupted: no deletion started after the signal; ${r.planned - r.deleted - r.failed} not deleted`]
      : []),
    `${r.dryRun ? 'dry run: would delete' : 'deleted'} ${removed}, kept ${r.kept}${r.failed ? `, ${r.failed} FAILED` : ''} (policy: ${policy})`,
  ].join('\n');
}
