/**
 * `snapshot create` of 1,000 volumes on 250 instances in 3 regions against the EC2 simulator with
 * 50 ms per call and AWS's published rate limits; against the lower bound those limits allow, and
 * against the same job done the way s3snapshot does it. Then trim planning over 100,000 snapshots.
 * The simulator runs in a process of its own, as EC2 does not share the client's CPU.
 *   node --import tsx bench/snapshot-create.ts [--no-baseline] [--timeline]
 */
import { startEc2SimProcess, PUBLISHED_RATE_LIMITS } from '../test/support/ec2sim/index.js';
import type { Ec2SimProcess, RecordedCall } from '../test/support/ec2sim/index.js';
import { makeAwsClients } from '../src/aws/clients.js';
import { classOf } from '../src/aws/limits.js';
import { ApiScheduler } from '../src/aws/scheduler.js';
import { snapshotCreate } from '../src/ebs/create.js';
import { SdkEc2 } from '../src/ebs/sdk-ec2.js';
import { planTrim } from '../src/ebs/plan-trim.js';
import type { TrimCandidate } from '../src/ebs/plan-trim.js';
import { baselineCreate } from './snapshot-baseline.js';

// As bin/cairn.js does: the SDK's notice about its future minimum Node.js version is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const LATENCY = 50;
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];

/**
 * The earliest the last call can finish: each bucket (region × action) lets `capacity` calls go at
 * once, then one per 1/refill s; a call ends LATENCY after it is sent, and calls that depend on an
 * earlier answer (describe, then create) add one LATENCY each.
 */
function lowerBoundMs(calls: readonly RecordedCall[], chain: number): number {
  const n = new Map<string, number>();
  for (const c of calls)
    if (c.status === 200) n.set(`${c.region}|${c.action}`, (n.get(`${c.region}|${c.action}`) ?? 0) + 1);
  let worst = 0;
  for (const [key, count] of n) {
    const action = key.split('|')[1] ?? '';
    const spec = PUBLISHED_RATE_LIMITS[classOf(action)];
    worst = Math.max(worst, (Math.max(0, count - spec.capacity) / spec.refillPerSec) * 1000);
  }
  return worst + chain * LATENCY;
}

const SIM_OPTIONS = { latencyMs: LATENCY, regions: REGIONS, snapshotDurationMs: 60_000 };
const FLEET = { regions: REGIONS, instances: 250, volumesPerInstance: 4, tags: { Backup: 'daily' } };
let simProcess: Ec2SimProcess | undefined;

/**
 * A fresh simulator for each run, in one process for the whole benchmark: the warm-up run
 * compiles and optimizes its code as it does the client's.
 */
async function freshSim(): Promise<Ec2SimProcess> {
  if (simProcess) await simProcess.restart(SIM_OPTIONS, FLEET);
  else simProcess = await startEc2SimProcess(SIM_OPTIONS, FLEET);
  return simProcess;
}

interface Row {
  name: string;
  wallMs: number;
  boundMs: number;
  calls: number;
  throttled: number;
  failures: number;
  /** CPU time of the benchmark's process (the client) and of the simulator's during the job. */
  clientCpuMs: number;
  simCpuMs: number;
  timeline: string;
}

/** Measures a job: wall time, and the CPU time of both processes while it ran. */
async function measure<T>(sim: Ec2SimProcess, job: () => Promise<T>) {
  const simCpu0 = await sim.cpuMs();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const epoch0 = Date.now();
  const value = await job();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    value,
    wallMs,
    epoch0,
    clientCpuMs: (cpu.user + cpu.system) / 1000,
    simCpuMs: (await sim.cpuMs()) - simCpu0,
  };
}

/**
 * When the simulator saw each action (ms after the job started): first arrival, median arrival,
 * last answer, over all regions.
 */
function timeline(calls: readonly RecordedCall[], epoch0: number): string {
  const by = new Map<string, RecordedCall[]>();
  for (const c of calls) {
    const list = by.get(c.action);
    if (list) list.push(c);
    else by.set(c.action, [c]);
  }
  return [...by]
    .map(([action, cs]) => {
      const at = cs.map((c) => c.at - epoch0).sort((a, b) => a - b);
      const end = Math.max(...cs.map((c) => c.at - epoch0 + (c.durationMs ?? 0)));
      return `${action} ×${cs.length}: first in ${at[0] ?? 0}, median in ${at[at.length >> 1] ?? 0}, last out ${end} ms`;
    })
    .join('; ');
}

async function cairnRun(perVolume: boolean): Promise<Row> {
  const sim = await freshSim();
  process.env.AWS_ENDPOINT_URL_EC2 = sim.endpoint;
  process.env.AWS_ACCESS_KEY_ID = 'x';
  process.env.AWS_SECRET_ACCESS_KEY = 'x';
  const clients = makeAwsClients();
  const m = await measure(sim, () =>
    snapshotCreate({
      api: new SdkEc2(clients, new ApiScheduler()),
      regions: REGIONS,
      homeRegion: 'us-east-1',
      selection: { instanceIds: [], volumeIds: [], tags: { Backup: ['daily'] }, excludeDevices: [] },
      perVolume,
    }),
  );
  const r = m.value;
  clients.destroy();
  const calls = await sim.calls();
  const failures = r.items.filter((i) => i.state !== 'pending').length;
  if (r.items.length !== 1000) throw new Error(`expected 1000 volumes, got ${r.items.length}`);
  const row = {
    name: perVolume ? 'cairn --per-volume' : 'cairn (CreateSnapshots)',
    wallMs: m.wallMs,
    boundMs: lowerBoundMs(calls, 2),
    calls: calls.length,
    throttled: calls.filter((c) => c.errorCode === 'RequestLimitExceeded').length,
    failures,
    clientCpuMs: m.clientCpuMs,
    simCpuMs: m.simCpuMs,
    timeline: timeline(calls, m.epoch0),
  };
  return row;
}

async function baselineRun(): Promise<Row> {
  const sim = await freshSim();
  const m = await measure(sim, () => baselineCreate(sim.endpoint, REGIONS, ['Backup', 'daily']));
  const calls = await sim.calls();
  const row = {
    name: 's3snapshot way (CreateSnapshot + CreateTags per tag)',
    wallMs: m.wallMs,
    boundMs: lowerBoundMs(calls, 5),
    calls: calls.length,
    throttled: calls.filter((c) => c.errorCode === 'RequestLimitExceeded').length,
    failures: 1000 - m.value,
    clientCpuMs: m.clientCpuMs,
    simCpuMs: m.simCpuMs,
    timeline: timeline(calls, m.epoch0),
  };
  return row;
}

function trimPlanning(): { ms: number; snapshots: number } {
  const now = new Date('2026-11-25T00:00:00Z');
  const snaps: TrimCandidate[] = [];
  for (let v = 0; v < 1000; v++)
    for (let d = 0; d < 100; d++)
      snaps.push({
        id: `snap-${v}-${d}`,
        time: new Date(now.getTime() - d * 86_400_000 - v * 1000),
        region: REGIONS[v % 3] ?? '',
        series: `host-${v}:/dev/xvda`,
        state: 'completed',
        protected: d === 50,
        image: undefined,
      });
  const t0 = performance.now();
  planTrim(snaps, { daily: 7, weekly: 4, monthly: 12 }, now);
  return { ms: performance.now() - t0, snapshots: snaps.length };
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
await cairnRun(false); // warm-up: module loading and JIT, not measured
// The default job takes well under a second, so other work on the machine moves it a lot: the
// row is the run of median wall time out of five, with the range of all five.
const runs: Row[] = [];
for (let i = 0; i < 5; i++) runs.push(await cairnRun(false));
runs.sort((a, b) => a.wallMs - b.wallMs);
const median = runs[2];
if (!median) throw new Error('no run');
median.name += ` (median of 5; ${s(runs[0]?.wallMs ?? 0)} … ${s(runs[4]?.wallMs ?? 0)})`;
const rows = [median, await cairnRun(true)];
if (!process.argv.includes('--no-baseline')) rows.push(await baselineRun());
console.log(
  '| job | wall time | lower bound | ratio | API calls | throttled | failures | client CPU | simulator CPU |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.name} | ${s(r.wallMs)} | ${s(r.boundMs)} | ${(r.wallMs / r.boundMs).toFixed(2)}× | ${r.calls} | ${r.throttled} | ${r.failures} | ${s(r.clientCpuMs)} | ${s(r.simCpuMs)} |`,
  );
if (process.argv.includes('--timeline')) for (const r of rows) console.log(`\n${r.name}: ${r.timeline}`);
const base = rows[2];
const first = rows[0];
if (base && first)
  console.log(
    `\ncairn vs the s3snapshot way: ${(base.wallMs / first.wallMs).toFixed(0)}× faster, ${(base.calls / first.calls).toFixed(1)}× fewer calls`,
  );
await simProcess?.close();
const t = trimPlanning();
console.log(`trim planning: ${t.snapshots} snapshots in ${t.ms.toFixed(0)} ms`);
