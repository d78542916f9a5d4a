import type { Command } from 'commander';
import { CairnError } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';
import { snapshotList, staleLine } from '../ebs/list.js';
import { SNAPSHOT_DEFAULTS } from '../ebs/options.js';
import { parseListRequest } from '../ebs/requests/list-request.js';
import type { SnapshotListRequest } from '../ebs/requests/list-request.js';
import type { SnapshotConfig } from '../config/schema.js';
import type { Runner } from './main.js';
import { table } from './output.js';
import { collect } from './ship.js';
import type { CommonSnapshotFlags } from './snapshot-common.js';
import {
  addRegionOption,
  age,
  defaultDuration,
  homeRegion,
  openEngine,
  regionsFrom,
  tagFilterFrom,
} from './snapshot-common.js';

interface ListFlags extends CommonSnapshotFlags {
  unmanaged?: boolean;
  staleAfter?: string;
}

/** The one place where flags, the config file and the defaults meet for `snapshot list`. */
export function resolveListRequest(f: ListFlags, cfg: SnapshotConfig): SnapshotListRequest {
  return parseListRequest(
    {
      homeRegion: homeRegion(),
      regions: regionsFrom(f, cfg),
      tags: tagFilterFrom(f),
      series: f.series,
      unmanaged: f.unmanaged,
      staleAfterMs: f.staleAfter
        ? parseDuration(f.staleAfter, '--stale-after')
        : SNAPSHOT_DEFAULTS.staleAfterMs,
    },
    {
      what: '',
      names: { regions: '--regions (or snapshot.regions)', tags: '--tags', series: '--series' },
      hint: 'see cairn snapshot list --help',
    },
  );
}

export function registerSnapshotList(snapshot: Command, runner: Runner, onSignal: () => void): void {
  const cmd = snapshot
    .command('list')
    .description('List snapshot series: newest completed snapshot, how many, and how fresh.')
    .option('--tags <Key=Value>', 'only snapshots with this tag (repeatable; all must match)', collect)
    .option('--series <key>', 'only this series (repeatable; a trailing * matches a prefix)', collect)
    .option('--unmanaged', 'also list snapshots cairn did not create (each volume is a series)')
    .option(
      '--stale-after <duration>',
      `mark series whose newest completed snapshot is older; exit 3 if any (default ${defaultDuration(SNAPSHOT_DEFAULTS.staleAfterMs)})`,
    );
  addRegionOption(cmd).action(async (_o: unknown, c: Command) => {
    await runner.run(c, async (ctx) => {
      const f = c.opts<ListFlags>();
      const request = resolveListRequest(f, ctx.config.snapshot ?? {});
      const engine = openEngine(ctx);
      // A signal ends the listing: exit 130, one line.
      process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
      try {
        const r = await snapshotList({ ...request, api: engine.api, reporter: ctx.out, signal: ctx.signal });
        ctx.out.result(r, () => {
          const rows = r.series.map((s) => [
            s.region,
            s.series,
            s.newest ? s.newest.slice(0, 16).replace('T', ' ') : '-',
            s.future
              ? `${s.ageMs === undefined ? '' : `${age(s.ageMs)}, `}${s.future} in the future`
              : age(s.ageMs),
            String(s.count),
            `${s.completed}/${s.pending}/${s.error}`,
            s.stale ? 'STALE' : 'fresh',
          ]);
          return [
            rows.length
              ? table([
                  ['REGION', 'SERIES', 'NEWEST', 'AGE', 'COUNT', 'DONE/PENDING/ERROR', 'FRESHNESS'],
                  ...rows,
                ])
              : `no snapshots in ${r.regions.join(', ')}`,
            ...r.regionErrors.map((e) => `region ${e.region}: ${e.error.message}`),
          ].join('\n');
        });
        if (r.regionErrors.length)
          throw new CairnError('PARTIAL', `${r.regionErrors.length} region(s) could not be used`, {
            hint: 'the other regions are listed above',
          });
        const stale = staleLine(r.series);
        if (stale) {
          throw new CairnError('PARTIAL', stale, {
            hint: `no completed snapshot within --stale-after ${f.staleAfter ?? defaultDuration(r.staleAfterMs)}`,
          });
        }
      } finally {
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
        engine.close();
      }
    });
  });
}
