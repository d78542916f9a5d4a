import type { ShipConfig } from '../config/schema.js';
import { keepFlagNames } from './keep-names.js';
import type { RetentionFlags } from '../core/retention.js';
import { defaultHost } from '../ship/options.js';
import { parseShipBackupRequest } from '../ship/requests/backup-request.js';
import type { ShipBackupRequest } from '../ship/requests/backup-request.js';
import { parseShipListRequest } from '../ship/requests/list-request.js';
import type { ShipListRequest } from '../ship/requests/list-request.js';
import { parseShipPruneRequest } from '../ship/requests/prune-request.js';
import type { ShipPruneRequest, ShipPruneRequestInput } from '../ship/requests/prune-request.js';
import { parseShipRestoreRequest } from '../ship/requests/restore-request.js';
import type { ShipRestoreRequest } from '../ship/requests/restore-request.js';
import { parseShipVerifyRequest } from '../ship/requests/verify-request.js';
import type { ShipVerifyRequest } from '../ship/requests/verify-request.js';
import { parseShipWatchRequest } from '../ship/requests/watch-request.js';
import type { ShipWatchRequest } from '../ship/requests/watch-request.js';

/**
 * The one place per `ship` command where flags, the config file's `ship` section and the
 * defaults (SHIP_DEFAULTS, filled in by the request schemas) meet. Values go in unchecked (text
 * as typed); the library's request schema checks them and names the flag or config key.
 */

const KEEP_NAMES = keepFlagNames('ship.keep');

/** How the requests' keys are called on the command line and in the config file. */
export const SHIP_FLAG_NAMES: Record<string, string> = {
  ...KEEP_NAMES,
  paths: 'PATHS',
  host: '--host (or ship.host)',
  hosts: '--host (or ship.host)',
  allHosts: '--all-hosts',
  recursive: '--recursive (or ship.recursive)',
  include: '--include (or ship.include)',
  exclude: '--exclude (or ship.exclude)',
  concurrency: '--concurrency (or ship.concurrency)',
  maxRate: '--max-rate (or ship.maxRate)',
  finished: '--finished (or ship.finished)',
  quietPeriodMs: '--quiet-period (or ship.quietPeriod)',
  policy: '--keep-* (or ship.keep)',
  graceMs: '--grace (or ship.grace)',
  dest: 'DEST',
  path: '--path',
  at: '--at',
  dryRun: '--dry-run',
  readData: '--read-data',
  repair: '--repair',
};

const cli = (hint: string) => ({ what: '', names: SHIP_FLAG_NAMES, hint });

/** A number typed on the command line stays text if it is not one, so the schema can name it. */
const num = (v: string | undefined): number | string | undefined =>
  v === undefined ? undefined : /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;

export interface ShipSourceFlags {
  host?: string;
  recursive?: boolean;
  include?: string[];
  exclude?: string[];
  concurrency?: string;
  maxRate?: string;
  dryRun?: boolean;
}

function source(f: ShipSourceFlags, cfg: ShipConfig, paths: string[]) {
  return {
    paths,
    host: f.host ?? cfg.host,
    recursive: f.recursive ?? cfg.recursive,
    include: f.include ?? cfg.include,
    exclude: f.exclude ?? cfg.exclude,
    concurrency: num(f.concurrency) ?? cfg.concurrency,
    maxRate: f.maxRate ?? cfg.maxRate,
  };
}

export function resolveBackupRequest(
  f: ShipSourceFlags,
  cfg: ShipConfig,
  paths: string[],
): ShipBackupRequest {
  return parseShipBackupRequest(
    { ...source(f, cfg, paths), dryRun: f.dryRun },
    cli('see cairn ship backup --help'),
  );
}

export function resolveWatchRequest(
  f: ShipSourceFlags & { finished?: string; quietPeriod?: string },
  cfg: ShipConfig,
  paths: string[],
): ShipWatchRequest {
  return parseShipWatchRequest(
    {
      ...source(f, cfg, paths),
      finished: f.finished ?? cfg.finished,
      quietPeriodMs: f.quietPeriod ?? cfg.quietPeriod,
    },
    cli('see cairn ship watch --help'),
  );
}

export function resolveListRequest(f: { host?: string; path?: string }): ShipListRequest {
  return parseShipListRequest({ host: f.host, path: f.path }, cli('see cairn ship list --help'));
}

export function resolveRestoreRequest(
  f: { host?: string; path?: string; at?: string; concurrency?: string; dryRun?: boolean },
  dest: string,
): ShipRestoreRequest {
  return parseShipRestoreRequest(
    { dest, host: f.host, path: f.path, at: f.at, concurrency: num(f.concurrency), dryRun: f.dryRun },
    cli('see cairn ship restore --help'),
  );
}

export function resolveVerifyRequest(f: {
  host?: string;
  at?: string;
  readData?: boolean;
  repair?: boolean;
  dryRun?: boolean;
}): ShipVerifyRequest {
  return parseShipVerifyRequest(
    { host: f.host, at: f.at, readData: f.readData, repair: f.repair, dryRun: f.dryRun },
    cli('see cairn ship verify --help'),
  );
}

/** The keep flags when any is given, else the config file's `ship.keep`: unchecked, the schema checks. */
function keepFrom(f: RetentionFlags, cfg: ShipConfig): ShipPruneRequestInput['policy'] {
  const flags = {
    last: f.keepLast,
    hourly: f.keepHourly,
    daily: f.keepDaily,
    weekly: f.keepWeekly,
    monthly: f.keepMonthly,
    yearly: f.keepYearly,
    within: f.keepWithin,
  };
  if (Object.values(flags).some((v) => v !== undefined)) return flags;
  return { ...(cfg.keep ?? {}) };
}

/**
 * `ship prune` applies its policy to `--host`, else (without --all-hosts) to `ship.host` or this
 * host; `--host` with `--all-hosts` is refused by the request schema.
 */
export function resolvePruneRequest(
  f: RetentionFlags & { host?: string; allHosts?: boolean; grace?: string; dryRun?: boolean },
  cfg: ShipConfig,
): ShipPruneRequest {
  const host = f.host ?? (f.allHosts ? undefined : (cfg.host ?? defaultHost()));
  return parseShipPruneRequest(
    {
      policy: keepFrom(f, cfg),
      hosts: host === undefined ? undefined : [host],
      allHosts: f.allHosts,
      graceMs: f.grace ?? cfg.grace,
      dryRun: f.dryRun,
    },
    cli('say what to keep, e.g. --keep-daily 7 --keep-weekly 4 (or ship.keep in the config file)'),
  );
}
