import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../core/clock.js';
import type { Reporter } from '../core/reporter.js';
import { SNAPSHOT_DEFAULTS } from './options.js';
import type { Ec2Api } from './ports.js';
import { TAG } from './tags.js';
import type { Ec2Snapshot } from './types.js';

export interface WaitOptions {
  pollMs: number;
  timeoutMs: number;
  clock: Clock;
  reporter: Reporter;
  signal?: AbortSignal | undefined;
  /** Snapshots of one run are found with one paginated call rather than by id. */
  runId?: string | undefined;
  label?: string | undefined;
}

const MAX_POLL_MS = SNAPSHOT_DEFAULTS.pollMaxMs;

/**
 * Polls until every snapshot has left `pending` (or the timeout passes), reporting progress.
 * Returns the last seen state of each; ones never seen are missing from the map.
 */
export async function waitForSnapshots(
  api: Ec2Api,
  byRegion: ReadonlyMap<string, readonly string[]>,
  o: WaitOptions,
): Promise<Map<string, Ec2Snapshot>> {
  const seen = new Map<string, Ec2Snapshot>();
  const outstanding = new Map([...byRegion].map(([r, ids]) => [r, new Set(ids)]));
  const total = [...byRegion.values()].reduce((n, ids) => n + ids.length, 0);
  const deadline = o.clock.now().getTime() + o.timeoutMs;
  let interval = o.pollMs;
  let first = true;
  for (;;) {
    const left = [...outstanding.values()].reduce((n, s) => n + s.size, 0);
    o.reporter.progress?.({ unit: 'items', done: total - left, total, label: o.label ?? 'snapshots' });
    if (left === 0 || (!first && o.clock.now().getTime() >= deadline)) return seen;
    if (!first) {
      await sleep(interval, undefined, { signal: o.signal });
      interval = Math.min(Math.max(o.pollMs, MAX_POLL_MS), Math.ceil(interval * 1.5));
    }
    first = false;
    await Promise.all(
      [...outstanding].map(async ([region, ids]) => {
        if (!ids.size) return;
        const found =
          o.runId && ids.size > 200
            ? await api.findSnapshots(region, { tags: { [TAG.run]: [o.runId] } })
            : await api.findSnapshots(region, { ids: [...ids] });
        for (const s of found) {
          if (!ids.has(s.id)) continue;
          seen.set(s.id, s);
          if (s.state !== 'pending') ids.delete(s.id);
        }
      }),
    );
  }
}
