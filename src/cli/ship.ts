import type { Command } from 'commander';
import { CairnError } from '../core/errors.js';
import { formatMs } from '../core/duration.js';
import { formatBytes } from '../core/rate.js';
import { shipBackup } from '../ship/backup.js';
import { shipWatch } from '../ship/watch.js';
import { parseListen, serveMetrics } from '../ship/metrics.js';
import { addStorageOptions, openTargetWith } from './context.js';
import type { StorageFlags } from './context.js';
import type { BackupResult } from '../ship/backup.js';
import { resolveBackupRequest, resolveWatchRequest } from './ship-requests.js';
import type { Runner } from './main.js';
import { registerShipRestore } from './ship-restore.js';

interface ShipFlags extends StorageFlags {
  dryRun?: boolean;
  to?: string;
  host?: string;
  recursive?: boolean;
  include?: string[];
  exclude?: string[];
  concurrency?: string;
  maxRate?: string;
}

export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function positiveInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new CairnError('USAGE', `${flag} must be a whole number above 0, got "${v}"`);
  return n;
}

function shipSourceOptions(cmd: Command): Command {
  return addStorageOptions(
    cmd
      .option(
        '--to <target>',
        'where to ship: s3://bucket/prefix, file:///path or a path (default: $CAIRN_REPO, ~/.local/share/cairn)',
      )
      .option('--host <name>', 'name of this host in the target (default: the hostname)')
      .option('-r, --recursive', 'ship subdirectories too')
      .option('--include <glob>', 'ship only matching files (repeatable)', collect)
      .option(
        '--exclude <glob>',
        'never ship matching files (repeatable; default *-tmp*, *.tmp, *.swp, *.part)',
        collect,
      )
      .option('--concurrency <n>', 'files shipped in parallel (default 8)')
      .option('--max-rate <rate>', 'upload bandwidth cap, e.g. 50MB/s'),
  );
}

export function registerShip(program: Command, runner: Runner, controller: AbortController): void {
  const ship = program
    .command('ship')
    .description(
      'Ship finished files to object storage with point-in-time manifests; list, restore, prune, verify.',
    );

  const onSignal = (): void => controller.abort();
  registerShipRestore(ship, runner, onSignal);

  shipSourceOptions(
    ship
      .command('backup')
      .argument('<paths...>', 'directories (or files) to ship')
      .description('Ship every finished file under PATHS once, then exit (for cron).'),
  )
    .option('--dry-run', 'list what would be shipped, store nothing')
    .action(async (paths: string[], _o: unknown, cmd: Command) => {
      await runner.run(cmd, async (ctx) => {
        const f = cmd.opts<ShipFlags>();
        const cfg = ctx.config.ship ?? {};
        const req = resolveBackupRequest(f, cfg, paths);
        const store = openTargetWith(ctx, f.to ?? cfg.to, f);
        process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
        const r = await shipBackup({ ...req, store, reporter: ctx.out, signal: ctx.signal });
        if (r.outcome.status === 'interrupted')
          throw new CairnError('INTERRUPTED', 'interrupted; shipped files are kept, run again to finish');
        if (r.toShip) {
          const list = r.toShip;
          ctx.out.result(
            { target: store.url, host: r.host, dryRun: true, scanned: r.scanned, toShip: list },
            () =>
              [
                ...list.map((p) => `would ship ${p}`),
                `${list.length} of ${r.scanned} files would be shipped to ${store.url}`,
              ].join('\n'),
          );
          return;
        }
        const s = r.stats;
        ctx.out.result({ target: store.url, ...r, stats: s.toJSON() }, () =>
          [
            `shipped ${r.paths.join(', ')} to ${store.url} as host ${r.host} in ${formatMs(r.durationMs)}`,
            `  files: ${r.scanned} scanned, ${s.filesUploaded} uploaded, ${s.filesStoredAlready} already stored, ${s.filesUnchanged} unchanged` +
              (r.skippedOpen ? `, ${r.skippedOpen} still open for writing` : '') +
              (r.changedWhileRead ? `, ${r.changedWhileRead} changed while read (not shipped)` : '') +
              (s.namesNotUtf8 ? `, ${s.namesNotUtf8} name(s) not valid UTF-8 (not shipped)` : '') +
              (s.failures ? `, ${s.failures} FAILED` : ''),
            `  bytes: ${formatBytes(s.bytesShipped)} shipped, ${formatBytes(s.bytesUploaded)} uploaded` +
              (s.bytesResumed ? `, ${formatBytes(s.bytesResumed)} resumed` : ''),
            `  manifests written: ${s.manifestsWritten}`,
          ].join('\n'),
        );
        if (r.outcome.status !== 'ok') throw incompleteBackup(r);
      });
    });

  shipSourceOptions(
    ship
      .command('watch')
      .argument('<paths...>', 'directories to watch')
      .description('Run as a daemon: ship every file under PATHS as soon as it is finished.'),
  )
    .option(
      '--finished <modes>',
      'what makes a file finished: rename, close, hardlink, quiet (comma-separated; default rename,close,hardlink)',
    )
    .option('--quiet-period <duration>', 'with --finished quiet: unchanged for this long (default 30s)')
    .option('--metrics <host:port>', 'serve Prometheus metrics at http://HOST:PORT/metrics')
    .action(async (paths: string[], _o: unknown, cmd: Command) => {
      await runner.run(cmd, async (ctx) => {
        const f = cmd.opts<ShipFlags & { finished?: string; quietPeriod?: string; metrics?: string }>();
        const cfg = ctx.config.ship ?? {};
        const req = resolveWatchRequest(f, cfg, paths);
        const store = openTargetWith(ctx, f.to ?? cfg.to, f);
        const metrics = f.metrics ?? cfg.metrics;
        const listen = metrics ? parseListen(metrics) : undefined;
        process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
        const daemon = await shipWatch({ ...req, store, reporter: ctx.out, signal: ctx.signal });
        const server = listen ? await serveMetrics(daemon, listen) : undefined;
        ctx.out.event({
          level: 'warn',
          type: 'ship.summary',
          message: `watching ${daemon.roots.join(', ')} → ${store.url} as host ${daemon.host}${listen ? `; metrics on http://${listen.host}:${listen.port}/metrics` : ''}`,
        });
        try {
          await daemon.done;
        } finally {
          server?.close();
        }
        const st = daemon.stats;
        ctx.out.result(
          { stopped: true, stats: st.toJSON() },
          () =>
            `stopped: ${st.filesUploaded} uploaded, ${st.filesStoredAlready} already stored, ${st.manifestsWritten} manifests, ${st.failures} failures` +
            (st.namesNotUtf8 ? `, ${st.namesNotUtf8} name(s) not valid UTF-8 left out` : ''),
        );
      });
    });
}

/**
 * Whether a backup left out something it found: a file that could not be read or stored, one
 * that changed at every read, a name that is not valid UTF-8. Each makes the backup incomplete,
 * and the exit code says so (3), as cron and monitoring only look there.
 */
function incompleteBackup(r: BackupResult): CairnError {
  const { failures, namesNotUtf8 } = r.stats;
  const changed = r.changedWhileRead;
  const total = failures + changed + namesNotUtf8;
  const why = [
    failures ? `${failures} failed` : '',
    changed ? `${changed} changed while read` : '',
    namesNotUtf8 ? `${namesNotUtf8} name(s) not valid UTF-8` : '',
  ].filter(Boolean);
  const what = namesNotUtf8 ? 'file(s) or directories' : 'file(s)';
  const detail = failures === total ? '' : ` (${why.join(', ')})`;
  const hint = [
    failures ? 'see the errors above; run again once they are fixed' : '',
    changed ? 'run again when the changed files are not being written' : '',
    namesNotUtf8 ? 'rename what the warnings name to valid UTF-8 names' : '',
  ].filter(Boolean);
  return new CairnError('PARTIAL', `${total} ${what} could not be shipped${detail}; the rest were`, {
    hint: hint.join('; '),
  });
}
