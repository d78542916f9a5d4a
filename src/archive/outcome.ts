import type { RunOutcome } from '../core/outcome.js';

/**
 * How an archive job ended, for the CLI and other callers to map: everything done (`ok`), or
 * done with something left out (`partial`, e.g. unreadable files skipped as asked), with the
 * reasons. A job that cannot be done throws a CairnError instead and stores nothing; `failed`
 * and `interrupted` are there for callers that keep one type for every job.
 */
export type ArchiveOutcome = RunOutcome;

export function archiveOutcome(leftOut: readonly string[]): ArchiveOutcome {
  const reasons = leftOut.filter(Boolean);
  return reasons.length ? { status: 'partial', reasons } : { status: 'ok', reasons: [] };
}
