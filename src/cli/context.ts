import { Option } from 'commander';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { CairnConfig } from '../config/schema.js';
import { parseDuration } from '../core/duration.js';
import { openStore } from '../storage/open-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { S3Settings } from '../storage/s3-client.js';
import { defaultTargetString } from '../storage/target.js';
import { CliOutput } from './output.js';

export interface GlobalFlags {
  config?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

export interface StorageFlags {
  region?: string;
  endpoint?: string;
  pathStyle?: boolean;
  sse?: 'AES256' | 'aws:kms';
  sseKmsKeyId?: string;
}

/** What every command needs: the config file, the output, and a way to open the target. */
export interface CliContext {
  config: CairnConfig;
  configFile: string | undefined;
  out: CliOutput;
  signal: AbortSignal;
  openTarget(target: string | undefined): ObjectStore;
}

export function addStorageOptions(cmd: Command): Command {
  return cmd
    .option('--region <region>', 'S3 region (default: $AWS_REGION, config s3.region, us-east-1)')
    .option('--endpoint <url>', 'S3-compatible endpoint (default: $AWS_ENDPOINT_URL_S3 / $AWS_ENDPOINT_URL)')
    .option('--path-style', 'path-style S3 addressing (on by itself for IP and localhost endpoints)')
    .option('--no-path-style', 'virtual-hosted S3 addressing')
    .addOption(new Option('--sse <mode>', 'server-side encryption').choices(['AES256', 'aws:kms']))
    .option('--sse-kms-key-id <id>', 'KMS key for --sse aws:kms');
}

export async function makeContext(g: GlobalFlags, signal: AbortSignal): Promise<CliContext> {
  const { config, file } = await loadConfig({ file: g.config });
  const out = new CliOutput({ json: g.json === true, quiet: g.quiet === true, verbose: g.verbose === true });
  return {
    config,
    configFile: file,
    out,
    signal,
    openTarget(target) {
      return openStore(target ?? config.repo ?? defaultTargetString(), s3SettingsFrom(config, {}));
    },
  };
}

export function s3SettingsFrom(config: CairnConfig, f: StorageFlags): S3Settings {
  const c = config.s3 ?? {};
  return {
    region: f.region ?? c.region,
    endpoint: f.endpoint ?? c.endpoint,
    forcePathStyle: f.pathStyle ?? c.pathStyle,
    sse: f.sse ?? c.sse,
    kmsKeyId: f.sseKmsKeyId ?? c.kmsKeyId,
    partSizeBytes: c.partSizeMiB ? c.partSizeMiB * 1024 * 1024 : undefined,
    partConcurrency: c.partConcurrency,
    requestTimeoutMs: c.requestTimeout ? parseDuration(c.requestTimeout, 's3.requestTimeout') : undefined,
  };
}

export function openTargetWith(ctx: CliContext, target: string | undefined, f: StorageFlags): ObjectStore {
  return openStore(target ?? ctx.config.repo ?? defaultTargetString(), s3SettingsFrom(ctx.config, f));
}
