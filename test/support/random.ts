/**
 * A small seeded pseudo-random generator (mulberry32) for property tests: the same seed
 * gives the same cases, so a failure names its seed and can be replayed.
 */
export class Random {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    const x = xs[this.int(0, xs.length - 1)];
    if (x === undefined) throw new Error('pick from an empty list');
    return x;
  }
}

/** The seed of a property test run: $CAIRN_PROPERTY_SEED to replay one, else a fixed one. */
export function propertySeed(fallback: number): number {
  const s = process.env.CAIRN_PROPERTY_SEED;
  return s ? Number(s) : fallback;
}
