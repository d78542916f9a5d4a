import type { Command } from 'commander';
import { archive } from '../archive/archive.js';
import { listArchives } from '../archive/catalog.js';
import { FORMATS } from '../archive/format.js';
import type { ArchiveFormat } from '../archive/format.js';
import { pruneArchives } from '../archive/prune.js';
import { restoreArchive } from '../archive/restore.js';
import type { ArchiveJob } from '../config/schema.js';
import { isFuture } from '../core/clock-skew.js';
import { systemClock } from '../core/clock.js';
import { formatMs, parseDuration } from '../core/duration.js';
import { CairnError } from '../core/errors.js';
import { formatBytes } from '../core/rate.js';
import { describePolicy, isEmptyPolicy, policyFromFlags, policyFromKeep } from '../core/retention.js';
import type { RetentionFlags } from '../core/retention.js';
import { addStorageOptions, openTargetWith } from './context.js';
import type { CliContext, StorageFlags } from './context.js';
import type { Runner } from './main.js';
import { table } from './output.js';
import { collect } from './ship.js';

interface CreateFlags extends StorageFlags {
  include?: string[];
  file?: string[];
  preservePaths?: boolean;
  run?: string[];
  exclude?: string[];
  format?: string;
  to?: string;
  job?: string;
  skipUnreadable?: boolean;
  level?: string;
  dryRun?: boolean;
}

/** $CAIRN_LEFTOVER_AGE: how old what stopped runs left must be before a run removes it (default 24h). */
function leftoverAge(env: NodeJS.ProcessEnv): number | undefined {
  const v = env.CAIRN_LEFTOVER_AGE?.trim();
  return v ? parseDuration(v, 'CAIRN_LEFTOVER_AGE') : undefined;
}

/** `DIR[:NAME]` → the directory and the name inside the archive. */
function splitInclude(s: string): { path: string; name?: string } {
  const i = s.lastIndexOf(':');
  return i > 0 ? { path: s.slice(0, i), name: s.slice(i + 1) || undefined } : { path: s };
}

function parseRun(s: string): { name: string; command: string } {
  const i = s.indexOf('=');
  if (i <= 0 || i === s.length - 1) {
    throw new CairnError('USAGE', `--run expects NAME=COMMAND, got "${s}"`, {
      hint: "e.g. --run 'db/dump.sql=pg_dump mydb'",
    });
  }
  return { name: s.slice(0, i), command: s.slice(i + 1) };
}

function jobFrom(
  ctx: CliContext,
  name: string | undefined,
  f: { job?: string | undefined },
  command: 'create' | 'prune',
): { name: string; job: ArchiveJob } {
  if (!f.job) {
    if (!name)
      throw new CairnError('USAGE', 'an archive name is needed', {
        hint:
          command === 'create'
            ? 'cairn archive create NAME --include DIR, or --job JOB'
            : 'cairn archive prune NAME --keep-daily 7, or --job JOB',
      });
    return { name, job: {} };
  }
  const job = ctx.config.archive?.jobs?.[f.job];
  if (!job) {
    const known = Object.keys(ctx.config.archive?.jobs ?? {});
    throw new CairnError('USAGE', `no archive job "${f.job}" in ${ctx.configFile ?? 'any config file'}`, {
      hint: known.length
        ? `jobs there: ${known.join(', ')}`
        : 'declare it under archive.jobs in the config file',
    });
  }
  return { name: name ?? job.name ?? f.job, job };
}

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
      const f = cmd.opts<CreateFlags>();
      const { name, job } = jobFrom(ctx, nameArg, f, 'create');
      const format = (f.format ?? job.format ?? 'tar.gz') as ArchiveFormat;
      if (!FORMATS.includes(format)) {
        throw new CairnError('USAGE', `unknown --format "${format}"`, { hint: `use ${FORMATS.join(', ')}` });
      }
      const level = f.level === undefined ? job.level : Number(f.level);
      if (level !== undefined && (!Number.isInteger(level) || level < 0 || level > 9)) {
        throw new CairnError('USAGE', `--level must be 0 to 9, got "${f.level}"`);
      }
      const store = openTargetWith(ctx, f.to ?? job.to, f);
      const a = archive(name, {
        format,
        to: store,
        exclude: f.exclude ?? job.exclude,
        skipUnreadable: f.skipUnreadable ?? job.skipUnreadable,
        level,
        reporter: ctx.out,
        signal: ctx.signal,
        leftoverAgeMs: leftoverAge(process.env),
      });
      const preserve = f.preservePaths ?? job.preservePaths ?? false;
      const includes = [
        ...(job.include ?? []).map((i) =>
          typeof i === 'string' ? { ...splitInclude(i), preservePaths: preserve } : i,
        ),
        ...(f.include ?? []).map((i) => ({ ...splitInclude(i), preservePaths: preserve })),
      ];
      for (const i of includes)
        a.includeDirectory(i.path, { preservePaths: i.preservePaths ?? preserve, name: i.name });
      for (const file of [...(job.files ?? []), ...(f.file ?? []).map(splitInclude)])
        a.includeFile(file.path, { name: file.name });
      for (const r of [...(job.run ?? []), ...(f.run ?? []).map(parseRun)]) {
        a.includeCommandOutput(
          r.name,
          typeof r.command === 'string' ? ['/bin/sh', '-c', r.command] : r.command,
        );
      }
      if (
        includes.length +
          (f.file?.length ?? 0) +
          (job.files?.length ?? 0) +
          (f.run?.length ?? 0) +
          (job.run?.length ?? 0) ===
        0
      ) {
        throw new CairnError('USAGE', 'nothing to archive', {
          hint: 'add --include DIR, --file PATH or --run NAME=COMMAND',
        });
      }
      if (f.dryRun) {
        const entries = await a.entries();
        ctx.out.result({ dryRun: true, name, format, target: store.url, entries }, () =>
          [
            ...entries.map((e) => `${e.type.padEnd(7)} ${e.name}`),
            `${entries.length} entries would be archived to ${store.url}`,
          ].join('\n'),
        );
        return;
      }
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
      const r = await a.save();
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
      const store = openTargetWith(ctx, f.from, f);
      await store.check();
      const all = await listArchives(store, name);
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
      const store = openTargetWith(ctx, f.from, f);
      await store.check();
      const r = await restoreArchive({ store, spec, dest, reporter: ctx.out });
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
      const f = cmd.opts<StorageFlags & RetentionFlags & { from?: string; dryRun?: boolean; job?: string }>();
      const { name, job } = jobFrom(ctx, nameArg, f, 'prune');
      const fromFlags = policyFromFlags(f);
      const policy = isEmptyPolicy(fromFlags) && job.keep ? policyFromKeep(job.keep) : fromFlags;
      const store = openTargetWith(ctx, f.from ?? job.to, f);
      await store.check();
      const r = await pruneArchives({ store, name, policy, dryRun: f.dryRun, reporter: ctx.out });
      ctx.out.result({ ...r, policy: describePolicy(policy) }, () =>
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
