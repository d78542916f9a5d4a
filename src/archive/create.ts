import type { Clock } from '../core/clock.js';
import { CairnError } from '../core/errors.js';
import type { Reporter } from '../core/reporter.js';
import { openStore } from '../storage/open-store.js';
import { archive } from './archive.js';
import type { SaveResult } from './archive.js';
import type { ArchiveFormat } from './format.js';
import { archiveOutcome } from './outcome.js';
import type { ArchiveOutcome } from './outcome.js';
import { parseArchiveCreateRequest } from './requests/create-request.js';
import type { ArchiveCreateRequestInput } from './requests/create-request.js';

export interface ArchiveCreateOptions extends ArchiveCreateRequestInput {
  clock?: Clock | undefined;
  reporter?: Reporter | undefined;
  signal?: AbortSignal | undefined;
}

/** A dry run: what would be archived, and where; nothing is stored. */
export interface ArchiveDryRunResult {
  dryRun: true;
  name: string;
  format: ArchiveFormat;
  target: string;
  entries: { type: string; name: string; size?: number }[];
  outcome: ArchiveOutcome;
}

export type ArchiveCreateResult = (SaveResult & { dryRun: false }) | ArchiveDryRunResult;

/**
 * One `archive create` job as a request (what the CLI and a config-file job build): the request
 * is checked first, a USAGE CairnError naming the bad key, before anything is read or written.
 * Then the includes, files and command outputs are added in that order and the archive is
 * stored (or, with `dryRun`, only listed).
 */
export async function createArchive(o: ArchiveCreateOptions): Promise<ArchiveCreateResult> {
  const req = parseArchiveCreateRequest(o);
  if (req.includes.length + req.files.length + req.runs.length === 0) {
    throw new CairnError('USAGE', 'nothing to archive', {
      hint: 'add --include DIR, --file PATH or --run NAME=COMMAND (includes, files or runs)',
    });
  }
  const store = typeof req.to === 'object' ? req.to : openStore(req.to, req.s3);
  const a = archive(req.name, {
    format: req.format,
    to: store,
    exclude: req.exclude,
    skipUnreadable: req.skipUnreadable,
    level: req.level,
    leftoverAgeMs: req.leftoverAgeMs,
    clock: o.clock,
    reporter: o.reporter,
    signal: o.signal,
  });
  for (const i of req.includes) a.includeDirectory(i.path, { preservePaths: i.preservePaths, name: i.name });
  for (const f of req.files) a.includeFile(f.path, { name: f.name });
  for (const r of req.runs) a.includeCommandOutput(r.name, r.argv, { cwd: r.cwd, env: r.env });
  if (req.dryRun) {
    const entries = await a.entries();
    return {
      dryRun: true,
      name: a.name,
      format: a.format,
      target: store.url,
      entries,
      outcome: archiveOutcome([]),
    };
  }
  return { ...(await a.save()), dryRun: false };
}
