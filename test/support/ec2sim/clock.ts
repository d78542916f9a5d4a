/** The simulator's own clock: wall-clock time, sped up by a factor, plus manual jumps. */
export class SimClock {
  private baseSim: number;
  private baseReal: number;
  private speedFactor: number;

  constructor(speed = 1, start: number = Date.now()) {
    this.baseSim = start;
    this.baseReal = Date.now();
    this.speedFactor = speed;
  }

  /** Simulated epoch milliseconds. */
  now(): number {
    return this.baseSim + (Date.now() - this.baseReal) * this.speedFactor;
  }

  get speed(): number {
    return this.speedFactor;
  }

  setSpeed(speed: number): void {
    this.rebase();
    this.speedFactor = speed;
  }

  /** Jump simulated time forward. */
  advance(ms: number): void {
    this.rebase();
    this.baseSim += ms;
  }

  private rebase(): void {
    this.baseSim = this.now();
    this.baseReal = Date.now();
  }
}
