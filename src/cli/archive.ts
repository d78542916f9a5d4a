import type { Command } from 'commander';
import { listArchives } from '../archive/catalog.js';
import { createArchive } from '../archive/create.js';
import { FORMATS } from '../archive/format.js';
import { pruneArchives } from '../archive/prune.js';
import { restoreArchive } from '../archive/restore.js';
import { isFuture } from '../core/clock-skew.js';
import { systemClock } from '../core/clock.js';
import { formatMs } from '../core/duration.js';
import { formatBytes } from '../core/rate.js';
import { describePolicy } from '../core/retention.js';
import {
  resolveArchiveCreateRequest,
  resolveArchiveListRequest,
  resolveArchivePruneRequest,
  resolveArchiveRestoreRequest,
} from './archive-requests.js';
import type { ArchiveCreateFlags, ArchivePruneFlags } from './archive-requests.js';
import { addStorageOptions, openTargetWith } from './context.js';
import type { StorageFlags } from './context.js';
import type { Runner } from './main.js';
import { table } from './output.js';
import { collect } from './ship.js';

export function registerArchive(program: Command, runner: Runner, controller: AbortController): void {
  const group = program
    .command('archive')
    .description('Zip/tar directories and command output into one archive stored under a timestamped name.');
  const onSignal = (): void => controller.abort();

  addStorageOptions(
    group
      .command('create')
      .argument('[name]', 'archive name; stored as NAME_YYYYMMDDhhmmss.EXT')
      .description('Create an archive, streamed to storage; it appears complete or not at all.')
      .option(
        '--include <dir[:name]>',
        'a directory; its contents at the root, or under NAME (repeatable)',
        collect,
      )
      .option('--file <path[:name]>', 'a single file, stored as NAME (repeatable)', collect)
      .option('--preserve-paths', 'keep the full path of included directories')
      .option(
        '--run <name=command>',
        'store the output of COMMAND (run by /bin/sh) as NAME (repeatable)',
        collect,
      )
      .option('--exclude <glob>', 'leave out matching files (repeatable)', collect)
      .option('--format <format>', `one of ${FORMATS.join(', ')} (default tar.gz)`)
      .option('--level <n>', 'compression level 0-9 (default 6)')
      .option('--to <target>', 'where to store it (default: $CAIRN_REPO, ~/.local/share/cairn)')
      .option('--job <job>', 'use an archive job declared in the config file')
      .option('--skip-unreadable', 'report unreadable files and go on instead of failing')
      .option('--dry-run', 'list what would be archived, store nothing'),
  ).action(async (nameArg: string | undefined, _o: unknown, cmd: Command) => {
    await runner.run(cmd, async (ctx) => {
      const f = cmd.opts<ArchiveCreateFlags & StorageFlags>();
      const request = resolveArchiveCreateRequest(nameArg, f, ctx);
      const store = openTargetWith(ctx, request.to as string | undefined, f);
      if (!request.dryRun) process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
      const r = await createArchive({ ...request, to: store, reporter: ctx.out, signal: ctx.signal });
      if (r.dryRun) {
        ctx.out.result(r, () =>
          [
            ...r.entries.map((e) => `${e.type.padEnd(7)} ${e.name}`),
            `${r.entries.length} entries would be archived to ${r.target}`,
          ].join('\n'),
        );
        return;
      }
      // A partial outcome is unreadable files left out as --skip-unreadable asked: exit 0, listed.
      ctx.out.result(r, () => {
        const skipped = r.skipped.length ? `, ${r.skipped.length} unreadable skipped` : '';
        return `stored ${r.url}: ${r.files} files, ${formatBytes(r.bytes)}, sha256 ${r.sha256}, in ${formatMs(r.durationMs)}${skipped}`;
      });
    });
  });

  addStorageOptions(
    group
      .command('list')
      .argument('[name]', 'only archives of this name')
      .description('List stored archives.')
      .option('--from <target>', 'where to look (default: $CAIRN_REPO, ~/.local/share/cairn)'),
  ).action(async (name: string | undefined, _o: unknown, cmd: Command) => {
    await runner.run(cmd, async (ctx) => {
      const f = cmd.opts<StorageFlags & { from?: string }>();
      const request = resolveArchiveListRequest(name);
      const store = openTargetWith(ctx, f.from, f);
      await store.check();
      const all = await listArchives(store, request.name);
      const now = systemClock.now();
      ctx.out.result(
        all.map((a) => ({
          key: a.key,
          name: a.name,
          time: a.time.toISOString(),
          format: a.format,
          size: a.size,
          sha256: a.meta?.sha256,
          files: a.meta?.files,
        })),
        () =>
          all.length
            ? table([
                ['TIME', 'NAME', 'SIZE', 'FILES', 'KEY'],
                ...all.map((a) => [
                  isFuture(a.time, now) ? `${a.time.toISOString()} (in the future)` : a.time.toISOString(),
                  a.name,
                  formatBytes(a.size),
                  String(a.meta?.files ?? '?'),
                  a.key,
                ]),
              ])
            : `no archives${name ? ` named ${name}` : ''} in ${store.url}`,
      );
    });
  });

  addStorageOptions(
    group
      .command('restore')
      .argument('<spec>', 'NAME or NAME@TIME (the newest at or before TIME)')
      .argument('<dest>', 'directory to extract into')
      .description(
        'Extract an archive, streaming from storage; entries that would land outside DEST are refused.',
      )
      .option('--from <target>', 'where it is stored (default: $CAIRN_REPO, ~/.local/share/cairn)'),
  ).action(async (spec: string, dest: string, _o: unknown, cmd: Command) => {
    await runner.run(cmd, async (ctx) => {
      const f = cmd.opts<StorageFlags & { from?: string }>();
      const request = resolveArchiveRestoreRequest(spec, dest);
      const store = openTargetWith(ctx, f.from, f);
      await store.check();
      const r = await restoreArchive({ ...request, store, reporter: ctx.out });
      ctx.out.result(
        r,
        () =>
          `extracted ${r.key}: ${r.files} files, ${formatBytes(r.bytes)} into ${r.dest}` +
          (r.specialBitsCleared
            ? `\n${r.specialBitsCleared} entries restored without setuid/setgid/sticky (owner not restored)`
            : ''),
      );
    });
  });

  addStorageOptions(
    group
      .command('prune')
      .argument('[name]', 'archive name')
      .description(
        'Delete the archives of NAME that the retention policy does not keep, with the reason for each.',
      )
      .option('--from <target>', 'where they are stored (default: $CAIRN_REPO, ~/.local/share/cairn)')
      .option('--keep-last <n>', 'keep the N newest')
      .option('--keep-hourly <n>', 'keep the newest of each of the last N hours')
      .option('--keep-daily <n>', 'keep the newest of each of the last N days')
      .option('--keep-weekly <n>', 'keep the newest of each of the last N ISO weeks')
      .option('--keep-monthly <n>', 'keep the newest of each of the last N months')
      .option('--keep-yearly <n>', 'keep the newest of each of the last N years')
      .option('--keep-within <duration>', 'keep everything within this long of the newest')
      .option('--job <job>', "an archive job of the config file: its name, target and 'keep' policy")
      .option('--dry-run', 'show what would be deleted and why, delete nothing'),
  ).action(async (nameArg: string | undefined, _o: unknown, cmd: Command) => {
    await runner.run(cmd, async (ctx) => {
      const f = cmd.opts<StorageFlags & ArchivePruneFlags>();
      const { to, ...request } = resolveArchivePruneRequest(nameArg, f, ctx);
      const store = openTargetWith(ctx, to, f);
      await store.check();
      const r = await pruneArchives({ ...request, store, reporter: ctx.out });
      ctx.out.result({ ...r, policy: describePolicy(request.policy) }, () =>
        [
          table([
            ['ACTION', 'TIME', 'KEY', 'WHY'],
            ...r.keep.map((k) => ['keep', k.time, k.key, k.reasons.join('; ')]),
            ...r.remove.map((x) => [r.dryRun ? 'would delete' : 'deleted', x.time, x.key, x.reason]),
          ]),
          `${r.dryRun ? 'would delete' : 'deleted'} ${r.remove.length} archives (${formatBytes(r.bytesFreed)})`,
        ].join('\n'),
      );
    });
  });
}
