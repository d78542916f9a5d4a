import type { Command } from 'commander';
import { defaultRegion, makeAwsClients } from '../aws/clients.js';
import { ApiScheduler } from '../aws/scheduler.js';
import { parseDuration } from '../core/duration.js';
import type { SnapshotConfig } from '../config/schema.js';
import type { NotifyTargets } from '../ebs/notify.js';
import { parseTopic } from '../ebs/notify.js';
import { SNAPSHOT_DEFAULTS } from '../ebs/options.js';
import { SdkEc2 } from '../ebs/sdk-ec2.js';
import { SdkSns } from '../ebs/sdk-sns.js';
import { parseTagArgs } from '../ebs/tags.js';
import type { TagFilter } from '../ebs/ports.js';
import type { CliContext } from './context.js';
import { collect } from './ship.js';

export interface CommonSnapshotFlags {
  regions?: string[];
  notify?: string;
  notifyError?: string;
  pollInterval?: string;
  tags?: string[];
  series?: string[];
}

export function addRegionOption(cmd: Command, what = 'regions to work in'): Command {
  return cmd.option(
    '--regions <list>',
    `${what}: comma-separated, or "all" (default: config snapshot.regions, $AWS_REGION, us-east-1)`,
    collect,
  );
}

export function addNotifyOptions(cmd: Command): Command {
  return cmd
    .option(
      '--notify <sns:ARN>',
      'publish a summary to this SNS topic (also on failure, unless --notify-error)',
    )
    .option('--notify-error <sns:ARN>', 'publish the failures to this SNS topic when something failed');
}

export function addPollOption(cmd: Command): Command {
  return cmd.option(
    '--poll-interval <duration>',
    `first interval between state polls; grows to ${defaultDuration(SNAPSHOT_DEFAULTS.pollMaxMs)} (default ${defaultDuration(SNAPSHOT_DEFAULTS.pollMs)})`,
  );
}

/** The EC2 port and SNS notifier of one command run, over SDK clients built once. */
export function openEngine(ctx: CliContext): {
  api: SdkEc2;
  notifier: SdkSns;
  scheduler: ApiScheduler;
  close(): void;
} {
  const clients = makeAwsClients();
  const scheduler = new ApiScheduler({
    signal: ctx.signal,
    onRetry: (e) =>
      ctx.out.event({
        level: 'debug',
        type: `snapshot.${e.kind}`,
        message: `${e.region} ${e.action}: ${e.code}, retry ${e.attempt} in ${e.delayMs}ms`,
        ...e,
      }),
  });
  return {
    api: new SdkEc2(clients, scheduler),
    notifier: new SdkSns(clients),
    scheduler,
    close: () => clients.destroy(),
  };
}

export const homeRegion = (): string => defaultRegion();

export function regionsFrom(f: CommonSnapshotFlags, cfg: SnapshotConfig): string[] | undefined {
  return f.regions ?? cfg.regions;
}

export function notifyFrom(f: CommonSnapshotFlags, cfg: SnapshotConfig): NotifyTargets | undefined {
  const onSuccess = f.notify ?? cfg.notify;
  const onError = f.notifyError ?? cfg.notifyError;
  if (!onSuccess && !onError) return undefined;
  return {
    onSuccess: onSuccess ? parseTopic(onSuccess, '--notify') : undefined,
    onError: onError ? parseTopic(onError, '--notify-error') : undefined,
  };
}

export function pollMsFrom(f: CommonSnapshotFlags): number | undefined {
  return f.pollInterval ? parseDuration(f.pollInterval, '--poll-interval') : undefined;
}

export function tagFilterFrom(f: CommonSnapshotFlags): TagFilter | undefined {
  return f.tags?.length ? parseTagArgs(f.tags) : undefined;
}

/** A default of SNAPSHOT_DEFAULTS in the largest whole unit, as --help shows it: 26h, 10m, 2s. */
export function defaultDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

export function age(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms < 0) return 'in the future';
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s}s`;
  if (s < 5400) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}
