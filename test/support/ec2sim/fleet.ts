/** Fixture builder for big fleets: N instances spread round-robin over regions, each with M volumes. */
import type { Ec2Sim } from './index.js';

type TagsSpec = Record<string, string> | ((index: number, region: string) => Record<string, string>);

export interface FleetSpec {
  regions: string[];
  /** Instances in total, spread round-robin over `regions`. */
  instances: number;
  /** Including the root volume. */
  volumesPerInstance: number;
  /** Tags of every instance and volume. */
  tags?: TagsSpec;
  /** Extra tags of volumes only (index is the volume's index in the whole fleet). */
  volumeTags?: TagsSpec;
  sizeGiB?: number;
  volumeType?: string;
}

export interface FleetMember {
  region: string;
  instanceId: string;
  volumeIds: string[];
}

export interface Fleet {
  instances: FleetMember[];
  volumeIds: string[];
  byRegion: Map<string, FleetMember[]>;
}

const resolve = (t: TagsSpec | undefined, index: number, region: string): Record<string, string> =>
  typeof t === 'function' ? t(index, region) : (t ?? {});

/** Data devices after the root: /dev/sdf … /dev/sdz, then /dev/sdaa … */
export function dataDevice(n: number): string {
  const letters = 'fghijklmnopqrstuvwxyz';
  return n < letters.length ? `/dev/sd${letters[n]}` : `/dev/sda${letters[n - letters.length] ?? 'z'}`;
}

export function fleet(sim: Ec2Sim, spec: FleetSpec): Fleet {
  const out: Fleet = { instances: [], volumeIds: [], byRegion: new Map() };
  let volumeIndex = 0;
  for (let i = 0; i < spec.instances; i++) {
    const region = spec.regions[i % spec.regions.length];
    if (!region) throw new Error('fleet needs at least one region');
    const tags = resolve(spec.tags, i, region);
    const volumes = Array.from({ length: spec.volumesPerInstance }, (_, v) => ({
      device: v === 0 ? '/dev/xvda' : dataDevice(v - 1),
      sizeGiB: spec.sizeGiB ?? 8,
      volumeType: spec.volumeType,
      tags: { ...tags, ...resolve(spec.volumeTags, volumeIndex++, region) },
    }));
    const member = { region, ...sim.addInstance(region, { name: `fleet-${i}`, tags, volumes }) };
    out.instances.push(member);
    out.volumeIds.push(...member.volumeIds);
    const list = out.byRegion.get(region) ?? [];
    list.push(member);
    out.byRegion.set(region, list);
  }
  return out;
}
