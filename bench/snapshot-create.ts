/**
 * `snapshot create` of 1,000 volumes on 250 instances in 3 regions against the EC2 simulator with
 * 50 ms per call and AWS's published rate limits; against the lower bound those limits allow, and
 * against the same job done the way s3snapshot does it. Then trim planning over 100,000 snapshots.
 *   node --import tsx bench/snapshot-create.ts [--no-baseline]
 */
import { startEc2Sim, fleet, PUBLISHED_RATE_LIMITS } from '../test/support/ec2sim/index.js';
import type { Ec2Sim, RecordedCall } from '../test/support/ec2sim/index.js';
import { makeAwsClients } from '../src/aws/clients.js';
import { classOf } from '../src/aws/limits.js';
import { ApiScheduler } from '../src/aws/scheduler.js';
import { snapshotCreate } from '../src/ebs/create.js';
import { SdkEc2 } from '../src/ebs/sdk-ec2.js';
import { planTrim } from '../src/ebs/plan-trim.js';
import type { TrimCandidate } from '../src/ebs/plan-trim.js';
import { baselineCreate } from './snapshot-baseline.js';

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

async function freshSim(): Promise<Ec2Sim> {
  const sim = await startEc2Sim({ latencyMs: LATENCY, regions: REGIONS, snapshotDurationMs: 60_000 });
  fleet(sim, { regions: REGIONS, instances: 250, volumesPerInstance: 4, tags: { Backup: 'daily' } });
  return sim;
}

interface Row {
  name: string;
  wallMs: number;
  boundMs: number;
  calls: number;
  throttled: number;
  failures: number;
}

async function cairnRun(perVolume: boolean): Promise<Row> {
  const sim = await freshSim();
  process.env.AWS_ENDPOINT_URL_EC2 = sim.endpoint;
  process.env.AWS_ACCESS_KEY_ID = 'x';
  process.env.AWS_SECRET_ACCESS_KEY = 'x';
  const clients = makeAwsClients();
  const t0 = performance.now();
  const r = await snapshotCreate({
    api: new SdkEc2(clients, new ApiScheduler()),
    regions: REGIONS,
    homeRegion: 'us-east-1',
    selection: { instanceIds: [], volumeIds: [], tags: { Backup: ['daily'] }, excludeDevices: [] },
    perVolume,
  });
  const wallMs = performance.now() - t0;
  clients.destroy();
  const failures = r.items.filter((i) => i.state !== 'pending').length;
  if (r.items.length !== 1000) throw new Error(`expected 1000 volumes, got ${r.items.length}`);
  const row = {
    name: perVolume ? 'cairn --per-volume' : 'cairn (CreateSnapshots)',
    wallMs,
    boundMs: lowerBoundMs(sim.calls, 2),
    calls: sim.calls.length,
    throttled: sim.calls.filter((c) => c.errorCode === 'RequestLimitExceeded').length,
    failures,
  };
  await sim.close();
  return row;
}

async function baselineRun(): Promise<Row> {
  const sim = await freshSim();
  const t0 = performance.now();
  const made = await baselineCreate(sim.endpoint, REGIONS, ['Backup', 'daily']);
  const wallMs = performance.now() - t0;
  const row = {
    name: 's3snapshot way (CreateSnapshot + CreateTags per tag)',
    wallMs,
    boundMs: lowerBoundMs(sim.calls, 5),
    calls: sim.calls.length,
    throttled: sim.calls.filter((c) => c.errorCode === 'RequestLimitExceeded').length,
    failures: 1000 - made,
  };
  await sim.close();
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
const rows = [await cairnRun(false), await cairnRun(true)];
if (!process.argv.includes('--no-baseline')) rows.push(await baselineRun());
console.log('| job | wall time | lower bound | ratio | API calls | throttled | failures |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.name} | ${s(r.wallMs)} | ${s(r.boundMs)} | ${(r.wallMs / r.boundMs).toFixed(2)}× | ${r.calls} | ${r.throttled} | ${r.failures} |`,
  );
const base = rows[2];
const first = rows[0];
if (base && first)
  console.log(
    `\ncairn vs the s3snapshot way: ${(base.wallMs / first.wallMs).toFixed(0)}× faster, ${(base.calls / first.calls).toFixed(1)}× fewer calls`,
  );
const t = trimPlanning();
console.log(`trim planning: ${t.snapshots} snapshots in ${t.ms.toFixed(0)} ms`);
