/**
 * EC2 API simulator for tests and benchmarks: an HTTP server on loopback speaking the EC2 Query protocol
 * (and SNS's) to the real AWS SDK clients. See ./README.md.
 */
import type { Server } from 'node:http';
import { SimClock } from './clock.js';
import { Engine } from './engine.js';
import { resolveOptions, stripUndefined, type Ec2SimOptions, type FaultSpec } from './options.js';
import {
  seedImage,
  seedInstance,
  seedSnapshot,
  seedVolume,
  type ImageSeed,
  type InstanceSeed,
  type SnapshotSeed,
  type StandaloneVolumeSeed,
} from './seed.js';
import { listen, shutdown } from './server.js';
import { SimState } from './state.js';
import type { InstanceFaults, RecordedCall, SnsMessage, Volume } from './types.js';

export type { Ec2SimOptions, FaultSpec, ActionClass, BucketSpec } from './options.js';
export { PUBLISHED_RATE_LIMITS, DEFAULT_OPTIONS } from './options.js';
export type * from './types.js';
export type { ImageSeed, InstanceSeed, SnapshotSeed, StandaloneVolumeSeed, VolumeSeed } from './seed.js';
export { fleet, type Fleet, type FleetMember, type FleetSpec } from './fleet.js';
export { COPY_VOLUME_ID } from './handlers/copy.js';
export { SimClock } from './clock.js';
export { startEc2SimProcess, type Ec2SimProcess } from './process.js';
export type { SimState, RegionState } from './state.js';

export class Ec2Sim {
  readonly calls: RecordedCall[];
  readonly published: SnsMessage[];
  readonly clock: SimClock;
  private readonly engine: Engine;
  private readonly raw: SimState;

  constructor(
    readonly endpoint: string,
    engine: Engine,
    private readonly server: Server,
  ) {
    this.engine = engine;
    this.raw = engine.state;
    this.clock = engine.clock;
    this.calls = engine.calls;
    this.published = engine.published;
  }

  /** Every resource, with state machines moved up to now. */
  get state(): SimState {
    this.raw.settle();
    return this.raw;
  }

  get options(): Readonly<Ec2SimOptions> {
    return this.engine.opts;
  }

  /** Changes options while running. Rate-limit changes start every bucket full again. */
  setOptions(partial: Partial<Ec2SimOptions>): void {
    const next = resolveOptions({ ...this.engine.opts, ...stripUndefined(partial) });
    const rates = ['rateLimits', 'rateScale', 'rateOverrides', 'bucketScope'] as const;
    if (rates.some((k) => k in partial)) this.engine.limiter.reset();
    if (partial.clockSpeed !== undefined) this.clock.setSpeed(partial.clockSpeed);
    this.engine.opts = next;
  }

  /** Fails the next `count` (default 1) calls of an action. */
  injectFault(fault: FaultSpec): void {
    this.engine.opts.faults.push({ ...fault });
  }

  /** Jumps simulated time forward. */
  advance(ms: number): void {
    this.clock.advance(ms);
  }

  addInstance(region: string, spec: InstanceSeed): { instanceId: string; volumeIds: string[] } {
    return seedInstance(this.raw, region, spec);
  }

  addVolume(region: string, spec: StandaloneVolumeSeed = {}): string {
    return seedVolume(this.raw, region, spec).id;
  }

  addSnapshot(region: string, spec: SnapshotSeed = {}): string {
    return seedSnapshot(this.raw, this.engine.opts, region, spec);
  }

  addImage(region: string, spec: ImageSeed): string {
    this.raw.settle();
    return seedImage(this.raw, this.engine.opts, region, spec);
  }

  /** The next `count` snapshots of this volume end in `error`. */
  failNextSnapshot(volumeId: string, count = 1): void {
    this.findVolume(volumeId).failNextSnapshots += count;
  }

  /** Makes an instance hang in `stopping`/`pending` (`{ kind: 'stuck' }`) or fail the call (`{ kind: 'error', code }`). */
  setInstanceFaults(instanceId: string, faults: InstanceFaults): void {
    for (const r of this.raw.regions.values()) {
      const i = r.instances.get(instanceId);
      if (i) {
        i.faults = faults;
        return;
      }
    }
    throw new Error(`no instance ${instanceId}`);
  }

  /** Calls of one action (all calls without an argument). */
  callsOf(action?: string): RecordedCall[] {
    return action ? this.calls.filter((c) => c.action === action) : [...this.calls];
  }

  /** Forgets the recorded calls and published messages. */
  clearRecords(): void {
    this.calls.length = 0;
    this.published.length = 0;
  }

  async close(): Promise<void> {
    await shutdown(this.server);
  }

  private findVolume(volumeId: string): Volume {
    for (const r of this.raw.regions.values()) {
      const v = r.volumes.get(volumeId);
      if (v) return v;
    }
    throw new Error(`no volume ${volumeId}`);
  }
}

/** Starts a simulator on 127.0.0.1 and a random port. */
export async function startEc2Sim(opts: Partial<Ec2SimOptions> & { port?: number } = {}): Promise<Ec2Sim> {
  const { port, ...rest } = opts;
  const options = resolveOptions(rest);
  const clock = new SimClock(options.clockSpeed);
  const engine = new Engine(options, new SimState(clock), clock);
  const { server, endpoint } = await listen(engine, port);
  return new Ec2Sim(endpoint, engine, server);
}
