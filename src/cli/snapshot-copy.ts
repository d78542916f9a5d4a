import type { Command } from 'commander';
import { CairnError } from '../core/errors.js';
import { describeTrimCollision } from '../ebs/collisions.js';
import { parseDuration } from '../core/duration.js';
import { snapshotCopy } from '../ebs/copy.js';
import type { SnapshotCopyResult } from '../ebs/copy.js';
import type { Runner } from './main.js';
import { table } from './output.js';
import { collect } from './ship.js';
import type { CommonSnapshotFlags } from './snapshot-common.js';
import {
  addNotifyOptions,
  addPollOption,
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
    .option('--wait-timeout <duration>', 'give up waiting after this long (default 2h)')
    .option('--dry-run', 'show what would be copied; copy nothing');
  addPollOption(addNotifyOptions(cmd)).action(async (_o: unknown, c: Command) => {
    await runner.run(c, async (ctx) => {
      const f = c.opts<CopyFlags>();
      const cfg = ctx.config.snapshot ?? {};
      const to = (f.toRegion ?? cfg.copyTo ?? [])
        .flatMap((r) => r.split(','))
        .map((r) => r.trim())
        .filter(Boolean);
      if (!to.length)
        throw new CairnError('USAGE', 'copy needs --to-region', {
          hint: 'e.g. cairn snapshot copy --to-region eu-west-1',
        });
      const notify = notifyFrom(f, cfg);
      const waitTimeout = f.waitTimeout ?? cfg.waitTimeout;
      const engine = openEngine(ctx);
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
      try {
        const r = await snapshotCopy({
          api: engine.api,
          notifier: engine.notifier,
          reporter: ctx.out,
          signal: ctx.signal,
          fromRegion: f.fromRegion ?? homeRegion(),
          toRegions: to,
          tags: tagFilterFrom(f),
          series: f.series,
          kmsKeyId: f.kmsKey ?? cfg.kmsKeyId,
          wait: f.wait,
          pollMs: pollMsFrom(f),
          waitTimeoutMs: waitTimeout ? parseDuration(waitTimeout, '--wait-timeout') : undefined,
          dryRun: f.dryRun,
          notify,
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
        const failed = r.rows.filter((x) => x.state === 'failed' || x.state === 'error' || x.error).length;
        if (failed || r.regionErrors.length) {
          throw new CairnError(
            'PARTIAL',
            `${failed} copy(ies) failed${r.regionErrors.length ? `, ${r.regionErrors.length} region(s) could not be used` : ''}`,
            {
              hint: 'see the table above; run copy again: what is there already is skipped',
            },
          );
        }
      } finally {
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
