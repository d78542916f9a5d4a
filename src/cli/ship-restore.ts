import type { Command } from 'commander';
import { isFuture } from '../core/clock-skew.js';
import { systemClock } from '../core/clock.js';
import { CairnError } from '../core/errors.js';
import { formatBytes } from '../core/rate.js';
import { describePolicy } from '../core/retention.js';
import type { RetentionFlags } from '../core/retention.js';
import { listRestorePoints } from '../ship/list.js';
import { shipPrune } from '../ship/prune.js';
import { shipRestore } from '../ship/restore.js';
import { shipVerify } from '../ship/verify.js';
import { addStorageOptions, openTargetWith } from './context.js';
import type { StorageFlags } from './context.js';
import type { Runner } from './main.js';
import { table } from './output.js';
import {
  resolveListRequest,
  resolvePruneRequest,
  resolveRestoreRequest,
  resolveVerifyRequest,
} from './ship-requests.js';

interface FromFlags extends StorageFlags {
  from?: string;
  host?: string;
  path?: string;
  at?: string;
}

function fromOptions(cmd: Command): Command {
  return addStorageOptions(
    cmd
      .option('--from <target>', 'where the files were shipped (default: $CAIRN_REPO, ~/.local/share/cairn)')
      .option('--host <name>', 'the host whose files to use (default: this host, or the only one)'),
  );
}

export function registerShipRestore(ship: Command, runner: Runner, onSignal: () => void): void {
  fromOptions(ship.command('list').description('List the points in time that can be restored.'))
    .option('--path <dir>', 'only this directory and below')
    .action(async (_o: unknown, cmd: Command) => {
      await runner.run(cmd, async (ctx) => {
        const f = cmd.opts<FromFlags>();
        const req = resolveListRequest(f);
        const store = openTargetWith(ctx, f.from ?? ctx.config.ship?.to, f);
        await store.check();
        const points = await listRestorePoints(store, req);
        const now = systemClock.now();
        const when = (t: string): string => (isFuture(new Date(t), now) ? `${t} (in the future)` : t);
        ctx.out.result(points, () =>
          points.length
            ? table([['TIME', 'HOST', 'DIRECTORY'], ...points.map((p) => [when(p.time), p.host, p.dir])])
            : `no restore points in ${store.url}`,
        );
      });
    });

  fromOptions(
    ship
      .command('restore')
      .argument('<dest>', 'directory to restore into')
      .description('Restore the files as they were at a point in time (default: now), verifying every byte.'),
  )
    .option(
      '--path <dir>',
      'only this directory and below; files land at DEST/<path relative to it> (default: all, at DEST/<absolute path>)',
    )
    .option('--at <time>', 'point in time: ISO time, date, or age like 6h / 2d ago (default: now)')
    .option('--concurrency <n>', 'parallel downloads (default 8)')
    .option('--dry-run', 'show what would be restored, write nothing')
    .action(async (dest: string, _o: unknown, cmd: Command) => {
      await runner.run(cmd, async (ctx) => {
        const f = cmd.opts<FromFlags & { concurrency?: string; dryRun?: boolean }>();
        const req = resolveRestoreRequest(f, dest);
        const store = openTargetWith(ctx, f.from ?? ctx.config.ship?.to, f);
        await store.check();
        process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
        const r = await shipRestore({ ...req, store, reporter: ctx.out, signal: ctx.signal });
        if (r.outcome.status === 'interrupted')
          throw new CairnError(
            'INTERRUPTED',
            'interrupted; run again to finish (identical files are skipped)',
          );
        ctx.out.result(r, () =>
          f.dryRun
            ? `would restore ${r.files} files of host ${r.host} as of ${r.at} into ${r.dest}`
            : `restored ${r.restored} files (${formatBytes(r.bytes)}), ${r.skippedIdentical} already identical, of host ${r.host} as of ${r.at} into ${r.dest}` +
              (r.specialBitsCleared
                ? `\n${r.specialBitsCleared} files restored without setuid/setgid/sticky (owner not restored)`
                : '') +
              (r.failed.length ? `\n${r.failed.length} FAILED` : ''),
        );
        if (r.outcome.status !== 'ok') {
          throw new CairnError('PARTIAL', `${r.failed.length} of ${r.files} files could not be restored`, {
            hint: 'see the errors above; `cairn ship verify --read-data` checks the stored data',
          });
        }
      });
    });

  fromOptions(
    ship
      .command('prune')
      .description(
        'Delete manifests the retention policy does not keep, and objects no kept manifest refers to.',
      ),
  )
    .option('--keep-last <n>', 'keep the N newest manifests of each directory')
    .option('--keep-hourly <n>', 'keep the newest of each of the last N hours')
    .option('--keep-daily <n>', 'keep the newest of each of the last N days')
    .option('--keep-weekly <n>', 'keep the newest of each of the last N ISO weeks')
    .option('--keep-monthly <n>', 'keep the newest of each of the last N months')
    .option('--keep-yearly <n>', 'keep the newest of each of the last N years')
    .option('--keep-within <duration>', 'keep everything within this long of the newest, e.g. 7d, 1y6m')
    .option('--grace <duration>', 'never delete anything younger than this (default 6h, at least 1h)')
    .option('--all-hosts', 'apply the policy to every host (default: --host, or this host)')
    .option('--dry-run', 'show what would be deleted and why, delete nothing')
    .action(async (_o: unknown, cmd: Command) => {
      await runner.run(cmd, async (ctx) => {
        const f = cmd.opts<
          FromFlags & RetentionFlags & { grace?: string; allHosts?: boolean; dryRun?: boolean }
        >();
        const req = resolvePruneRequest(f, ctx.config.ship ?? {});
        const store = openTargetWith(ctx, f.from ?? ctx.config.ship?.to, f);
        await store.check();
        const r = await shipPrune({ ...req, store, reporter: ctx.out });
        const json = {
          dryRun: r.dryRun,
          policy: describePolicy(r.policy),
          keepManifests: r.manifests.keep.map((k) => ({
            key: k.ref.key,
            time: k.ref.time,
            reasons: k.reasons,
          })),
          removeManifests: r.manifests.remove.map((k) => ({
            key: k.ref.key,
            time: k.ref.time,
            reasons: k.reasons,
          })),
          removeObjects: r.objects.remove,
          keptObjects: { referenced: r.objects.keptReferenced, young: r.objects.keptYoung },
          keptOnRecheck: r.objects.keptOnRecheck,
          unreadableManifests: r.unreadableManifests,
          bytesFreed: r.bytesFreed,
          warnings: r.warnings,
        };
        ctx.out.result(json, () => {
          const rows = [
            ['ACTION', 'TIME', 'DIRECTORY', 'WHY'],
            ...r.manifests.keep.map((k) => [
              'keep',
              k.ref.time.toISOString(),
              `${k.ref.host}:${k.ref.dir}`,
              k.reasons.join('; '),
            ]),
            ...r.manifests.remove.map((k) => [
              r.dryRun ? 'would delete' : 'deleted',
              k.ref.time.toISOString(),
              `${k.ref.host}:${k.ref.dir}`,
              k.reasons.join('; '),
            ]),
          ];
          const rechecked = r.objects.keptOnRecheck.length
            ? `, and ${r.objects.keptOnRecheck.length} at a last look (${[...new Set(r.objects.keptOnRecheck.map((k) => k.reason))].join('; ')})`
            : '';
          return `${table(rows)}\n${r.dryRun ? 'would delete' : 'deleted'} ${r.manifests.remove.length} manifests and ${r.objects.remove.length} objects (${formatBytes(r.bytesFreed)}); kept ${r.objects.keptReferenced} referenced and ${r.objects.keptYoung} young objects${rechecked}`;
        });
        if (r.outcome.status !== 'ok') {
          throw new CairnError(
            'PARTIAL',
            `${r.unreadableManifests.length} manifest(s) could not be read (${r.unreadableManifests.map((m) => m.key).join(', ')}); no object was deleted`,
            {
              hint: 'cairn ship verify names them; delete or replace a damaged manifest to let prune delete objects again',
            },
          );
        }
      });
    });

  fromOptions(
    ship
      .command('verify')
      .description('Check that every object a manifest refers to exists with the right size (and hash).'),
  )
    .option('--at <time>', 'only the manifests in force at this time (default: every manifest)')
    .option('--read-data', 'download every object and check its SHA-256')
    .option(
      '--repair',
      'store each missing or damaged object again from a local file that still has its content (reads all data)',
    )
    .option('--dry-run', 'with --repair: find the files to repair from, store nothing')
    .action(async (_o: unknown, cmd: Command) => {
      await runner.run(cmd, async (ctx) => {
        const f = cmd.opts<FromFlags & { readData?: boolean; repair?: boolean; dryRun?: boolean }>();
        const req = resolveVerifyRequest(f);
        const store = openTargetWith(ctx, f.from ?? ctx.config.ship?.to, f);
        await store.check();
        const r = await shipVerify({ ...req, store, reporter: ctx.out, signal: ctx.signal });
        const repair = r.repair;
        ctx.out.result(r, () =>
          [
            `checked ${r.manifests} manifests, ${r.objectsChecked} objects${f.readData || f.repair ? `, read ${formatBytes(r.bytesRead)}` : ''}: ${r.problems.length ? `${r.problems.length} PROBLEMS` : 'all good'}`,
            ...r.problems.map(
              (p) =>
                `  ${p.problem}: ${p.file || p.manifest} (${p.sha256.slice(0, 12) || '-'})${p.detail ? `: ${p.detail}` : ''}`,
            ),
            ...(repair
              ? [
                  ...repair.repaired.map(
                    (x) =>
                      `  ${repair.dryRun ? 'would repair' : 'repaired'} ${x.sha256.slice(0, 12)} from ${x.from}`,
                  ),
                  ...repair.notRepaired.map(
                    (x) =>
                      `  NOT REPAIRED ${x.sha256.slice(0, 12)}: no file here has it (${x.files.join(', ')})`,
                  ),
                ]
              : []),
          ].join('\n'),
        );
        if (r.outcome.status === 'ok') return;
        if (r.outcome.status === 'interrupted') throw new CairnError('INTERRUPTED', 'interrupted; run again');
        const manifestProblems = r.problems.filter((p) => p.manifest && !p.sha256).length;
        if (repair) {
          throw new CairnError(
            'INTEGRITY',
            `${repair.notRepaired.length} object(s) and ${manifestProblems} manifest(s) could not be repaired in ${store.url}` +
              `${repair.repaired.length ? `; ${repair.repaired.length} object(s) ${repair.dryRun ? 'would be' : 'were'} repaired` : ''}`,
            {
              hint: 'the files listed have no copy here any more: their points in time cannot restore them (restore an earlier one with --at); a damaged manifest can only be deleted or replaced',
            },
          );
        }
        throw new CairnError('INTEGRITY', `${r.problems.length} problems found in ${store.url}`, {
          hint:
            manifestProblems === r.problems.length
              ? 'a damaged manifest cannot be repaired: restores of its directory at that point in time fail; restore another with --at'
              : 'store missing or damaged objects again from the files that still have them: cairn ship verify --repair (--dry-run first to see what it finds)',
        });
      });
    });
}
