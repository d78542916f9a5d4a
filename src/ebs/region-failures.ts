import { CairnError } from '../core/errors.js';
import type { Reporter } from '../core/reporter.js';
import type { RegionFailure } from './outcome.js';

interface Failed {
  region: string;
  error: CairnError;
}

/**
 * The regions a command could not use, each reported once. Once some region worked, a failed
 * region is an event when it happens (and a row of the result): the command goes on. When no
 * region worked, the command fails with one error that says what happened, naming every region
 * it happened in; only a failure of another kind is an event then.
 */
export class RegionFailures {
  private readonly failed: Failed[] = [];
  private readonly held: Failed[] = [];
  private partial = false;

  constructor(private readonly reporter: Reporter) {}

  /** Every region that could not be used, for the result. */
  get all(): RegionFailure[] {
    return this.failed.map((f) => ({ region: f.region, error: f.error.toJSON() }));
  }

  has(region: string): boolean {
    return this.failed.some((f) => f.region === region);
  }

  add(region: string, error: CairnError): void {
    const f = { region, error };
    this.failed.push(f);
    if (this.partial) this.report(f);
    else this.held.push(f);
  }

  /** Some region worked: from now on a failure is partial, reported as it happens. */
  someWorked(): void {
    this.partial = true;
    for (const f of this.held.splice(0)) this.report(f);
  }

  /** Every one of `regions` has answered: throws when none of them worked. */
  settle(regions: readonly string[]): void {
    if (this.partial || !regions.length || !regions.every((r) => this.has(r))) {
      this.someWorked();
      return;
    }
    const groups = groupAlike(this.held.splice(0));
    const main = groups.reduce((a, b) => (b.length > a.length ? b : a));
    for (const g of groups) if (g !== main) for (const f of g) this.report(f);
    throw inRegions(main);
  }

  private report(f: Failed): void {
    this.reporter.event({
      level: 'error',
      type: 'snapshot.region',
      message: f.error.message,
      region: f.region,
    });
  }
}

/** Failures with the same code and message but for the region's name, in order of arrival. */
function groupAlike(failed: Failed[]): Failed[][] {
  const groups = new Map<string, Failed[]>();
  for (const f of failed) {
    const key = `${f.error.code}\u0000${f.error.message.split(f.region).join('\u0000')}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.values()];
}

/** One error for failures alike: the first one's, naming every region of the group. */
function inRegions(group: Failed[]): CairnError {
  const first = group[0];
  if (!first) return new CairnError('INTERNAL', 'no region answered');
  const regions = group.map((f) => f.region).join(', ');
  const message =
    group.length === 1
      ? first.error.message
      : first.error.message.includes(first.region)
        ? first.error.message.replace(first.region, regions)
        : `${first.error.message} (in ${regions})`;
  return new CairnError(first.error.code, message, { hint: first.error.hint, cause: first.error });
}
