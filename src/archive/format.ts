import type { ArchiveEntry } from './sources.js';

export const FORMATS = ['tar.gz', 'tar', 'zip'] as const;
export type ArchiveFormat = (typeof FORMATS)[number];

/** Writes entries, in order, in one archive format. */
export interface FormatWriter {
  add(entry: ArchiveEntry): Promise<void>;
  finish(): Promise<void>;
}

export const CONTENT_TYPE: Record<ArchiveFormat, string> = {
  'tar.gz': 'application/gzip',
  tar: 'application/x-tar',
  zip: 'application/zip',
};
