import { parseArchiveCreateRequest } from '../archive/requests/create-request.js';
import type { ArchiveCreateRequest, ArchiveCreateRequestInput } from '../archive/requests/create-request.js';
import { parseArchiveListRequest } from '../archive/requests/list-request.js';
import type { ArchiveListRequest } from '../archive/requests/list-request.js';
import { parseArchivePruneRequest } from '../archive/requests/prune-request.js';
import type { ArchivePruneRequest } from '../archive/requests/prune-request.js';
import { parseArchiveRestoreRequest } from '../archive/requests/restore-request.js';
import type { ArchiveRestoreRequest } from '../archive/requests/restore-request.js';
import type { ArchiveJob } from '../config/schema.js';
import { parseDuration } from '../core/duration.js';
import { CairnError } from '../core/errors.js';
import type { KEEP_RULES } from '../core/retention-request.js';
import type { RetentionFlags } from '../core/retention.js';
import type { CliContext } from './context.js';

/**
 * The one place per `cairn archive` command where flags, a config-file job (`--job`) and the
 * defaults (ARCHIVE_DEFAULTS, applied by the library's request schema) meet. A flag wins over
 * the job. A bad value is one line naming where it came from: the flag, or the job's key in
 * the config file (`archive.jobs.nightly.level`).
 */

export interface ArchiveCreateFlags {
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

export type ArchivePruneFlags = RetentionFlags & { from?: string; dryRun?: boolean; job?: string };

interface Job {
  name: string;
  /** The job's key under archive.jobs, when --job was given. */
  key: string | undefined;
  job: ArchiveJob;
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
): Job {
  if (!f.job) {
    if (!name)
      throw new CairnError('USAGE', 'an archive name is needed', {
        hint:
          command === 'create'
            ? 'cairn archive create NAME --include DIR, or --job JOB'
            : 'cairn archive prune NAME --keep-daily 7, or --job JOB',
      });
    return { name, key: undefined, job: {} };
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
  return { name: name ?? job.name ?? f.job, key: f.job, job };
}

/** Where a value came from: the flag when it was given (or there is no job), else the job's key. */
function source(j: Job, flag: string, given: boolean, key: string): string {
  return given || j.key === undefined ? flag : `archive.jobs.${j.key}.${key}`;
}

/** A list both the job and the flags add to: name whichever gave entries, or both. */
function listSource(j: Job, flag: string, fromFlags: number, key: string, fromJob: number): string {
  if (j.key === undefined || (fromFlags > 0 && fromJob === 0)) return flag;
  const cfg = `archive.jobs.${j.key}.${key}`;
  return fromFlags > 0 ? `${flag} (or ${cfg})` : cfg;
}

function nameSource(j: Job, nameArg: string | undefined): string {
  if (nameArg !== undefined || j.key === undefined) return 'NAME';
  return j.job.name !== undefined ? `archive.jobs.${j.key}.name` : `--job (the job's key is its name)`;
}

function createNames(f: ArchiveCreateFlags, j: Job, nameArg: string | undefined): Record<string, string> {
  const { job } = j;
  const lists: Record<string, string> = {
    includes: listSource(j, '--include', f.include?.length ?? 0, 'include', job.include?.length ?? 0),
    files: listSource(j, '--file', f.file?.length ?? 0, 'files', job.files?.length ?? 0),
    runs: listSource(j, '--run', f.run?.length ?? 0, 'run', job.run?.length ?? 0),
  };
  const out: Record<string, string> = {
    name: nameSource(j, nameArg),
    format: source(j, '--format', f.format !== undefined, 'format'),
    level: source(j, '--level', f.level !== undefined, 'level'),
    to: source(j, '--to', f.to !== undefined, 'to'),
    exclude: source(j, '--exclude', f.exclude !== undefined, 'exclude'),
    skipUnreadable: source(j, '--skip-unreadable', f.skipUnreadable !== undefined, 'skipUnreadable'),
    preservePaths: source(j, '--preserve-paths', f.preservePaths !== undefined, 'preservePaths'),
    dryRun: '--dry-run',
    leftoverAgeMs: 'CAIRN_LEFTOVER_AGE',
  };
  for (const [k, v] of Object.entries(lists)) {
    out[k] = v;
    for (const sub of ['path', 'name', 'command', 'preservePaths']) out[`${k}.${sub}`] = v;
  }
  return out;
}

/** `archive create [NAME]`: flags + `--job` + defaults → a checked request. */
export function resolveArchiveCreateRequest(
  nameArg: string | undefined,
  f: ArchiveCreateFlags,
  ctx: CliContext,
): ArchiveCreateRequest {
  const j = jobFrom(ctx, nameArg, f, 'create');
  const { job } = j;
  const includes: ArchiveCreateRequestInput['includes'] = [
    ...(job.include ?? []).map((i) => (typeof i === 'string' ? splitInclude(i) : i)),
    ...(f.include ?? []).map(splitInclude),
  ];
  return parseArchiveCreateRequest(
    {
      name: j.name,
      format: f.format ?? job.format,
      level: f.level ?? job.level,
      to: f.to ?? job.to,
      exclude: f.exclude ?? job.exclude,
      skipUnreadable: f.skipUnreadable ?? job.skipUnreadable,
      preservePaths: f.preservePaths ?? job.preservePaths,
      includes,
      files: [...(job.files ?? []), ...(f.file ?? []).map(splitInclude)],
      runs: [...(job.run ?? []), ...(f.run ?? []).map(parseRun)],
      dryRun: f.dryRun,
      leftoverAgeMs: leftoverAge(process.env),
    },
    {
      what: '',
      names: createNames(f, j, nameArg),
      hint: 'see cairn archive create --help and docs/archive.md',
    },
  );
}

const FLAG_OF: Record<(typeof KEEP_RULES)[number] | 'within', keyof RetentionFlags> = {
  last: 'keepLast',
  hourly: 'keepHourly',
  daily: 'keepDaily',
  weekly: 'keepWeekly',
  monthly: 'keepMonthly',
  yearly: 'keepYearly',
  within: 'keepWithin',
};

/** `archive prune [NAME]`: the keep flags when any is given, else the job's `keep`; the schema checks. */
export function resolveArchivePruneRequest(
  nameArg: string | undefined,
  f: ArchivePruneFlags,
  ctx: CliContext,
): ArchivePruneRequest & { to: string | undefined } {
  const j = jobFrom(ctx, nameArg, f, 'prune');
  const flags = Object.fromEntries(Object.entries(FLAG_OF).map(([rule, flag]) => [rule, f[flag]]));
  const fromFlags = Object.values(flags).some((v) => v !== undefined);
  const keepKey = j.key === undefined ? undefined : `archive.jobs.${j.key}.keep`;
  const useJob = !fromFlags && j.job.keep !== undefined;
  const names: Record<string, string> = {
    name: nameSource(j, nameArg),
    policy: useJob ? `${keepKey}` : `--keep-*${keepKey ? ` (or ${keepKey})` : ''}`,
    dryRun: '--dry-run',
  };
  for (const rule of Object.keys(FLAG_OF)) {
    names[`policy.${rule}`] = useJob ? `${keepKey}.${rule}` : `--keep-${rule}`;
  }
  const req = parseArchivePruneRequest(
    { name: j.name, policy: useJob ? { ...j.job.keep } : flags, dryRun: f.dryRun },
    { what: '', names, hint: 'say what to keep, e.g. --keep-daily 7 --keep-weekly 4' },
  );
  return { ...req, to: f.from ?? j.job.to };
}

/** `archive restore SPEC DEST`. */
export function resolveArchiveRestoreRequest(spec: string, dest: string): ArchiveRestoreRequest {
  return parseArchiveRestoreRequest(
    { spec, dest },
    {
      what: '',
      names: { spec: 'NAME[@TIME]', dest: 'DEST' },
      hint: 'e.g. cairn archive restore nightly@2026-11-20 /restore',
    },
  );
}

/** `archive list [NAME]`. */
export function resolveArchiveListRequest(name: string | undefined): ArchiveListRequest {
  return parseArchiveListRequest(
    { name },
    { what: '', names: { name: 'NAME' }, hint: 'see cairn archive list --help' },
  );
}
