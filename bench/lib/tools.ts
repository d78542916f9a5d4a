// The commands compared: cairn (the built CLI), the AWS CLI, rclone and cp.
// Each gets the S3 server through its own standard settings, and nothing else
// from the caller's AWS or rclone environment.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type { S3TestConfig } from '../../test/support/s3-env.js';
import { REPO } from './data.js';
import type { Command } from './measure.js';

/** The command users run (bin/cairn starts bin/cairn.js with its Node.js settings). */
export const CAIRN_BIN = join(REPO, 'bin', 'cairn');
/** Debian's AWS CLI v2 when installed (a v1 from pip may come first on PATH). */
export const AWS_CLI = process.env.AWS_CLI ?? (existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws');

function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(AWS_|RCLONE_|CAIRN_)/.test(k)) env[k] = v;
  }
  return env;
}

export function cairn(args: string[], s3?: S3TestConfig): Command {
  const env = baseEnv();
  if (s3) {
    env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
    env.AWS_REGION = s3.region;
    env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
  }
  // bin/cairn runs the `node` on PATH: this one.
  env.PATH = [dirname(process.execPath), env.PATH].filter(Boolean).join(delimiter);
  return { cmd: CAIRN_BIN, args, env, cwd: REPO };
}

export function cairnBackup(dir: string, target: string, s3?: S3TestConfig): Command {
  return cairn(['ship', 'backup', dir, '-r', '--to', target, '--host', 'bench'], s3);
}

export function awsCopy(dir: string, bucket: string, prefix: string, s3: S3TestConfig): Command {
  const env = {
    ...baseEnv(),
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_REGION: s3.region,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
  return {
    cmd: AWS_CLI,
    args: [
      '--endpoint-url',
      s3.endpoint,
      's3',
      'cp',
      '--recursive',
      '--only-show-errors',
      dir,
      `s3://${bucket}/${prefix}`,
    ],
    env,
  };
}

export function rcloneCopy(dir: string, bucket: string, prefix: string, s3: S3TestConfig): Command {
  const env = {
    ...baseEnv(),
    RCLONE_CONFIG: '/dev/null',
    RCLONE_CONFIG_BENCH_TYPE: 's3',
    RCLONE_CONFIG_BENCH_PROVIDER: 'Ceph',
    RCLONE_CONFIG_BENCH_ENDPOINT: s3.endpoint,
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: s3.accessKeyId,
    RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: s3.secretAccessKey,
    RCLONE_CONFIG_BENCH_REGION: s3.region,
  };
  return { cmd: 'rclone', args: ['copy', dir, `bench:${bucket}/${prefix}`], env };
}

export function cpRecursive(dir: string, dest: string): Command {
  return { cmd: 'cp', args: ['-r', dir, dest] };
}

/** `cp -r`, then `sync -f` of the destination's filesystem: the copy made durable. */
export function cpRecursiveSync(dir: string, dest: string): Command {
  return { cmd: 'sh', args: ['-c', 'cp -r "$1" "$2" && sync -f "$2/"', 'sh', dir, dest] };
}

function firstLine(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      .split('\n')[0]!
      .trim();
  } catch {
    return 'not installed';
  }
}

export function cairnCommit(): string {
  const head = firstLine('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD']);
  const dirty = firstLine('git', ['-C', REPO, 'status', '--porcelain', '--', 'src', 'package.json']);
  return dirty ? `${head} + uncommitted changes in src/` : head;
}

export function versions(): string[] {
  return [
    `node ${process.version}, cairn ${cairnCommit()}`,
    `${AWS_CLI}: ${firstLine(AWS_CLI, ['--version'])}`,
    `rclone: ${firstLine('rclone', ['version'])}`,
  ];
}

export function machine(): string {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
  return `${availableParallelism()} × ${cpu}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB memory`;
}

/**
 * The report's first lines, taken when a benchmark starts (the commit measured)
 * and finished when it ends: the load average shows whether anything else ran.
 */
export function reportHeader(): (s3Origin: string) => string[] {
  const start = [`- machine: ${machine()}`, ...versions().map((v) => `- ${v}`)];
  const load = loadavg()[0]!;
  return (s3Origin) => [
    ...start,
    `- S3: ${s3Origin}`,
    `- load average (1 min): ${load.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end`,
  ];
}
