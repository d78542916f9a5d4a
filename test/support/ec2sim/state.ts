/** Everything the simulator holds, per region, and the state machines that move it along. */
import { randomBytes } from 'node:crypto';
import type { SimClock } from './clock.js';
import { notFound, prefixOf } from './errors.js';
import type { Image, Instance, Snapshot, Tags, Volume } from './types.js';

export interface RegionState {
  name: string;
  instances: Map<string, Instance>;
  volumes: Map<string, Volume>;
  snapshots: Map<string, Snapshot>;
  images: Map<string, Image>;
}

export type Taggable = Instance | Volume | Snapshot | Image;

export const RESOURCE_TYPES: Record<string, string> = {
  'i-': 'instance',
  'vol-': 'volume',
  'snap-': 'snapshot',
  'ami-': 'image',
};

export class SimState {
  readonly regions = new Map<string, RegionState>();
  private seq = 0;
  private readonly pending = new Set<Snapshot>();
  /** The pending snapshots of each volume (an index of `pending`). */
  private readonly pendingByVolume = new Map<string, Set<Snapshot>>();
  /** Random bytes for new ids, drawn in blocks rather than one system call per id. */
  private entropy = Buffer.alloc(0);
  private entropyAt = 0;
  private readonly moving = new Set<Instance | Volume>();
  /** Simulated time before which a resource created through the API is not yet visible everywhere. */
  private readonly visibleAt = new Map<string, number>();

  constructor(readonly clock: SimClock) {}

  region(name: string): RegionState {
    let r = this.regions.get(name);
    if (!r) {
      r = { name, instances: new Map(), volumes: new Map(), snapshots: new Map(), images: new Map() };
      this.regions.set(name, r);
    }
    return r;
  }

  nextSeq(): number {
    return this.seq++;
  }

  newId(prefix: string): string {
    if (this.entropyAt + 9 > this.entropy.length) {
      this.entropy = randomBytes(4608);
      this.entropyAt = 0;
    }
    const hex = this.entropy.toString('hex', this.entropyAt, this.entropyAt + 9);
    this.entropyAt += 9;
    return `${prefix}-${hex.slice(0, 17)}`;
  }

  now(): number {
    return this.clock.now();
  }

  /** Registers a snapshot (pending ones are tracked until they end). */
  putSnapshot(s: Snapshot): void {
    this.region(s.region).snapshots.set(s.id, s);
    if (s.state === 'pending') {
      this.pending.add(s);
      let of = this.pendingByVolume.get(s.volumeId);
      if (!of) {
        of = new Set();
        this.pendingByVolume.set(s.volumeId, of);
      }
      of.add(s);
    }
  }

  removeSnapshot(s: Snapshot): void {
    this.region(s.region).snapshots.delete(s.id);
    this.unpend(s);
  }

  private unpend(s: Snapshot): void {
    this.pending.delete(s);
    const of = this.pendingByVolume.get(s.volumeId);
    of?.delete(s);
    if (of?.size === 0) this.pendingByVolume.delete(s.volumeId);
  }

  putVolume(v: Volume): void {
    this.region(v.region).volumes.set(v.id, v);
    if (v.transition) this.moving.add(v);
  }

  putInstance(i: Instance): void {
    this.region(i.region).instances.set(i.id, i);
    if (i.transition) this.moving.add(i);
  }

  /** Schedules `to` at simulated time `at`. */
  move<T extends Instance | Volume>(r: T, to: NonNullable<T['transition']>['to'], at: number): void {
    r.transition = { to, at };
    this.moving.add(r);
  }

  hideUntil(id: string, at: number): void {
    if (at > this.now()) this.visibleAt.set(id, at);
  }

  isVisible(id: string): boolean {
    const at = this.visibleAt.get(id);
    if (at === undefined) return true;
    if (at <= this.now()) this.visibleAt.delete(id);
    return at <= this.now();
  }

  /** Moves every state machine up to the current simulated time. */
  settle(): void {
    const now = this.now();
    for (const s of this.pending) {
      if (s.state !== 'pending') {
        this.unpend(s);
      } else if (s.completesAt <= now) {
        s.state = s.endState;
        if (s.state === 'error') s.stateMessage ??= 'Snapshot creation failed';
        this.unpend(s);
      }
    }
    for (const r of this.moving) {
      const t = r.transition;
      if (!t) {
        this.moving.delete(r);
      } else if (t.at <= now) {
        r.transition = undefined;
        this.moving.delete(r);
        this.arrive(r, t.to);
      }
    }
  }

  private arrive(r: Instance | Volume, to: string): void {
    if (r.id.startsWith('vol-')) {
      const v = r as Volume;
      if (to === 'deleted') this.region(v.region).volumes.delete(v.id);
      else v.state = to as Volume['state'];
      return;
    }
    const i = r as Instance;
    i.state = to as Instance['state'];
    if (to === 'stopped') i.stateReason = 'Client.UserInitiatedShutdown: User initiated shutdown';
    if (to === 'running') i.stateReason = undefined;
  }

  pendingSnapshotsOf(volumeId: string): number {
    let n = 0;
    for (const s of this.pendingByVolume.get(volumeId) ?? []) if (s.state === 'pending') n++;
    return n;
  }

  pendingCopiesIn(region: string): number {
    let n = 0;
    for (const s of this.pending) if (s.state === 'pending' && s.region === region && s.copiedFrom) n++;
    return n;
  }

  /** The resource behind an ID of any taggable type, or a NotFound error. */
  taggable(region: string, id: string, requireVisible = false): Taggable {
    const r = this.region(region);
    const prefix = prefixOf(id);
    const found: Taggable | undefined =
      prefix === 'i-'
        ? r.instances.get(id)
        : prefix === 'vol-'
          ? r.volumes.get(id)
          : prefix === 'snap-'
            ? r.snapshots.get(id)
            : prefix === 'ami-'
              ? r.images.get(id)
              : undefined;
    if (!found || (requireVisible && !this.isVisible(id))) throw notFound(id);
    return found;
  }

  instance(region: string, id: string): Instance {
    const i = this.region(region).instances.get(id);
    if (!i) throw notFound(id);
    return i;
  }

  volume(region: string, id: string): Volume {
    const v = this.region(region).volumes.get(id);
    if (!v) throw notFound(id);
    return v;
  }

  snapshot(region: string, id: string): Snapshot {
    const s = this.region(region).snapshots.get(id);
    if (!s) throw notFound(id);
    return s;
  }

  volumesOf(instance: Instance): Volume[] {
    const out: Volume[] = [];
    for (const v of this.region(instance.region).volumes.values()) {
      if (v.attachment?.instanceId === instance.id) out.push(v);
    }
    return out;
  }
}

export const copyTags = (tags: Tags | Record<string, string> | undefined): Tags =>
  tags instanceof Map ? new Map(tags) : new Map(Object.entries(tags ?? {}));
