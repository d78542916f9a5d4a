import type { Command } from 'commander';
import { CairnError } from '../core/errors.js';
import { describeTrimCollision } from '../ebs/collisions.js';
import { parseDuration } from '../core/duration.js';
import { snapshotCopy } from '../ebs/copy.js';
import type { SnapshotCopyResult } from '../ebs/copy.js';
import { SNAPSHOT_DEFAULTS } from '../ebs/options.js';
import { parseCopyRequest } from '../ebs/requests/copy-request.js';
import type { SnapshotCopyRequest } from '../ebs/requests/copy-request.js';
import type { SnapshotConfig } from '../config/schema.js';
import type { Runner } from './main.js';
import { table } from './output.js';
import { collect } from './ship.js';
import type { CommonSnapshotFlags } from './snapshot-common.js';
import {
  addNotifyOptions,
  addPollOption,
  defaultDuration,
  homeRegion,
  notifyFrom,
  openEngine,
  pollMsFrom,
  tagFilterFrom,
} from './snapshot-common.js';

interface CopyFlags extends CommonSnapshotFlags {
  toRegion?: string[];
  fromRegion?: string;
  kmsKey?: string;
  wait?: boolean;
  waitTimeout?: string;
  dryRun?: boolean;
}

/** How the request's keys are called on the command line, for one-line errors. */
export const COPY_FLAG_NAMES: Record<string, string> = {
  fromRegion: '--from-region',
  toRegions: '--to-region (or snapshot.copyTo)',
  tags: '--tags',
  series: '--series',
  kmsKeyId: '--kms-key (or snapshot.kmsKeyId)',
  pollMs: '--poll-interval',
  waitTimeoutMs: '--wait-timeout',
  'notify.onSuccess': '--notify',
  'notify.onError': '--notify-error',
};

/** The one place where flags, the config file and the defaults meet for `snapshot copy`. */
export function resolveCopyRequest(f: CopyFlags, cfg: SnapshotConfig): SnapshotCopyRequest {
  const waitTimeout = f.waitTimeout ?? cfg.waitTimeout;
  return parseCopyRequest(
    {
      fromRegion: f.fromRegion ?? homeRegion(),
      toRegions: f.toRegion ?? cfg.copyTo ?? [],
      tags: tagFilterFrom(f),
      series: f.series,
      kmsKeyId: f.kmsKey ?? cfg.kmsKeyId,
      wait: f.wait,
      pollMs: pollMsFrom(f),
      waitTimeoutMs: waitTimeout ? parseDuration(waitTimeout, '--wait-timeout') : undefined,
      dryRun: f.dryRun,
      notify: notifyFrom(f, cfg),
    },
    { what: '', names: COPY_FLAG_NAMES, hint: 'e.g. cairn snapshot copy --to-region eu-west-1' },
  );
}

export function registerSnapshotCopy(snapshot: Command, runner: Runner, onSignal: () => void): void {
  const cmd = snapshot
    .command('copy')
    .description(
      'Copy the newest completed snapshot of each series to other regions, with its tags; skip what is there already.',
    )
    .option('--to-region <regions>', 'destination region(s), comma-separated or repeated', collect)
    .option('--from-region <region>', 'source region (default: $AWS_REGION, us-east-1)')
    .option('--tags <Key=Value>', 'only snapshots with this tag (repeatable; all must match)', collect)
    .option('--series <key>', 'only this series (repeatable; a trailing * matches a prefix)', collect)
    .option('--kms-key <id>', 'encrypt the copies with this KMS key')
    .option('--wait', 'wait until every copy is completed')
    .option(
      '--wait-timeout <duration>',
      `give up waiting after this long (default ${defaultDuration(SNAPSHOT_DEFAULTS.waitTimeoutMs)})`,
    )
    .option('--dry-run', 'show what would be copied; copy nothing');
  addPollOption(addNotifyOptions(cmd)).action(async (_o: unknown, c: Command) => {
    await runner.run(c, async (ctx) => {
      const request = resolveCopyRequest(c.opts<CopyFlags>(), ctx.config.snapshot ?? {});
      const engine = openEngine(ctx);
      process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
      try {
        const r = await snapshotCopy({
          ...request,
          api: engine.api,
          notifier: engine.notifier,
          reporter: ctx.out,
          signal: ctx.signal,
        });
        ctx.out.result({ ...r, calls: engine.scheduler.stats }, () => copyText(r));
        const [collision] = r.collisions;
        if (collision) {
          throw new CairnError(
            'INTEGRITY',
            `${describeTrimCollision(collision)}${r.collisions.length > 1 ? ` (and ${r.collisions.length - 1} more series)` : ''}: not copied`,
            {
              hint: 'a series holds at most one snapshot per run: fix the series key; the other series were copied',
            },
          );
        }
        if (r.outcome.status === 'interrupted')
          throw new CairnError('INTERRUPTED', 'interrupted; copies already started go on', {
            hint: 'run copy again: what is there already is skipped',
          });
        const failed = r.rows.filter((x) => x.state === 'failed' || x.state === 'error' || x.error).length;
        if (r.outcome.status !== 'ok') {
          throw new CairnError(
            'PARTIAL',
            `${failed} copy(ies) failed${r.regionErrors.length ? `, ${r.regionErrors.length} region(s) could not be used` : ''}`,
            {
              hint: 'see the table above; run copy again: what is there already is skipped',
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

function copyText(r: SnapshotCopyResult): string {
  const rows = r.rows.map((x) => [
    x.series,
    x.sourceId ?? '-',
    x.dest ?? '-',
    x.copyId ?? '-',
    x.error ? `${x.state}: ${x.error}` : x.reason ? `${x.state} (${x.reason})` : x.state,
  ]);
  const copied = r.rows.filter((x) => x.state !== 'skipped' && x.state !== 'planned' && x.copyId).length;
  return [
    rows.length
      ? table([['SERIES', 'SOURCE', 'TO', 'COPY', 'STATE'], ...rows])
      : `no snapshots to copy in ${r.from}`,
    ...r.regionErrors.map((e) => `region ${e.region}: ${e.error.message}`),
    r.dryRun
      ? `dry run: would copy ${r.rows.filter((x) => x.state === 'planned').length}`
      : `copied ${copied} from ${r.from} to ${r.to.join(', ')}`,
  ].join('\n');
}
