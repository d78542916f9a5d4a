import { CairnError } from '../core/errors.js';
import type { ArchiveFormat } from './format.js';

/** Archives are stored as NAME_YYYYMMDDhhmmss.EXT (UTC), with NAME_….EXT.json beside them. */
export function checkArchiveName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name)) {
    throw new CairnError('USAGE', `invalid archive name "${name}"`, {
      hint: 'use letters, digits, dots, dashes and underscores, e.g. nightly-db',
    });
  }
  return name;
}

/**
 * A name inside the archive ('db/dump.sql', 'site'), '/'-separated and
 * relative: one that is absolute or has '.' or '..' parts would be refused on
 * restore, so it is refused here. Returns it without repeated or trailing slashes.
 */
export function checkEntryName(name: string, what: string): string {
  const clean = name.replace(/\/+/g, '/').replace(/\/$/, '');
  const parts = clean.split('/');
  if (
    clean === '' ||
    clean.startsWith('/') ||
    clean.includes('\0') ||
    parts.some((p) => p === '.' || p === '..')
  ) {
    throw new CairnError('USAGE', `invalid name inside the archive for ${what}: "${name}"`, {
      hint: "use a relative path without '.' or '..' parts, e.g. db/dump.sql",
    });
  }
  return clean;
}

export function stamp(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

export function archiveKey(name: string, at: Date, format: ArchiveFormat): string {
  return `${name}_${stamp(at)}.${format}`;
}

export const metaKey = (key: string): string => `${key}.json`;

export interface ArchiveRef {
  key: string;
  name: string;
  time: Date;
  format: ArchiveFormat;
}

export function parseArchiveKey(key: string, name?: string): ArchiveRef | undefined {
  const m =
    /^([A-Za-z0-9][A-Za-z0-9._-]*)_(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\.(tar\.gz|tar|zip)$/.exec(key);
  if (!m?.[1] || (name !== undefined && m[1] !== name)) return undefined;
  const time = new Date(`${m[2]}-${m[3]}-${m[4]}T${m[5]}:${m[6]}:${m[7]}Z`);
  if (Number.isNaN(time.getTime())) return undefined;
  return { key, name: m[1], time, format: m[8] as ArchiveFormat };
}
