import { startEc2Sim } from '../support/ec2sim/index.js';
import type { Ec2Sim, Ec2SimOptions } from '../support/ec2sim/index.js';
import { cairn } from '../support/cli.js';
import type { CliResult } from '../support/cli.js';

export const TOPIC = 'arn:aws:sns:us-east-1:123456789012:backups';
export const ERROR_TOPIC = 'arn:aws:sns:us-east-1:123456789012:backups-failed';

/** Fast simulated time: snapshots complete and instances stop within a few ms of wall time. */
export const FAST: Partial<Ec2SimOptions> = {
  clockSpeed: 100,
  snapshotDurationMs: 500,
  copyDurationMs: 500,
  stopDurationMs: 1000,
  startDurationMs: 1000,
};

export async function withSim(
  opts: Partial<Ec2SimOptions>,
  fn: (sim: Ec2Sim) => Promise<void>,
): Promise<void> {
  const sim = await startEc2Sim({ ...FAST, ...opts });
  try {
    await fn(sim);
  } finally {
    await sim.close();
  }
}

/** The environment of a real deployment, pointed at the simulator by the SDK's own variables. */
export function simEnv(sim: Ec2Sim, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL_EC2: sim.endpoint,
    AWS_ENDPOINT_URL_SNS: sim.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    CAIRN_CONFIG: '',
    ...extra,
  };
}

export interface Run<T> extends CliResult {
  json: T;
}

/** Runs the CLI with --json and parses stdout. */
export async function run<T = Record<string, unknown>>(
  sim: Ec2Sim,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Run<T>> {
  const r = await cairn(
    [
      '--json',
      ...args,
      ...(args.includes('--poll-interval') || !needsPoll(args) ? [] : ['--poll-interval', '20ms']),
    ],
    {
      env: simEnv(sim, env),
      cwd: '/tmp',
    },
  );
  let json: T;
  try {
    json = JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`no JSON on stdout (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { ...r, json };
}

const needsPoll = (args: string[]): boolean =>
  args[0] === 'snapshot' && (args[1] === 'create' || args[1] === 'copy');

/** The rows of `snapshot create --json`. */
export interface CreateItem {
  region: string;
  instanceId?: string;
  volumeId?: string;
  device?: string;
  series?: string;
  snapshotId?: string;
  state: string;
  error?: string;
  note?: string;
}

export interface CreateJson {
  runId: string;
  items: CreateItem[];
  regionErrors: { region: string; error: { code: string; message: string } }[];
  counts: Record<string, number>;
  calls: { calls: number; throttled: number; byAction: Record<string, number> };
}

/** Simulated snapshot state by id. */
export function snapshotsOf(sim: Ec2Sim, region: string) {
  return [...sim.state.region(region).snapshots.values()];
}

export const ok = <T extends { status: number }>(calls: T[]): T[] => calls.filter((c) => c.status === 200);
