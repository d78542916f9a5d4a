/**
 * Every archive option with its default, in one place: `archive()`, `createArchive`, the
 * `cairn archive` commands and config-file jobs all take theirs from here.
 */
export const ARCHIVE_DEFAULTS = {
  format: 'tar.gz',
  /** Compression level 0-9 of tar.gz and zip; 6, as gzip and zip use. A tar is not compressed. */
  level: 6,
  /** Included directories keep their full path (under their name) only when asked. */
  preservePaths: false,
  /** An unreadable file fails the archive unless asked to be left out (and reported). */
  skipUnreadable: false,
  dryRun: false,
  /**
   * What runs stopped midway left (unfinished uploads, temporary files, name claims) is removed
   * once older than this, by the store's clock: long enough that no archive still being written
   * is taken for a leftover.
   */
  leftoverAgeMs: 24 * 3_600_000,
} as const;
