import { z } from 'zod';
import { isCairnError } from '../../core/errors.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { S3Settings } from '../../storage/s3-client.js';
import { FORMATS } from '../format.js';
import type { ArchiveFormat } from '../format.js';
import { checkArchiveName, checkEntryName } from '../naming.js';

/** The pieces the archive request schemas are built from: names, formats, levels, targets. */

/** A CairnError thrown by a check, as one zod issue: its message and hint. */
function issueFrom(err: unknown, ctx: z.RefinementCtx, path: PropertyKey[] = []): void {
  if (!isCairnError(err)) throw err;
  ctx.addIssue({ code: 'custom', path, message: `${err.message}${err.hint ? ` (${err.hint})` : ''}` });
}

/** An archive name, as naming.ts accepts it: letters, digits, dots, dashes, underscores. */
export const archiveName = z.string().superRefine((s, ctx) => {
  try {
    checkArchiveName(s);
  } catch (err) {
    issueFrom(err, ctx);
  }
});

/** Checks `name` as a name inside the archive (relative, no '.' or '..' parts), as an issue at `path`. */
export function checkEntry(
  name: string | undefined,
  what: string,
  ctx: z.RefinementCtx,
  path: PropertyKey[],
): void {
  if (name === undefined) return;
  try {
    checkEntryName(name, what);
  } catch (err) {
    issueFrom(err, ctx, path);
  }
}

export const archiveFormat = z.string().transform((s, ctx): ArchiveFormat => {
  if (!(FORMATS as readonly string[]).includes(s)) {
    ctx.addIssue({ code: 'custom', message: `unknown archive format "${s}"; use ${FORMATS.join(', ')}` });
    return z.NEVER;
  }
  return s as ArchiveFormat;
});

/** A compression level: a whole number from 0 to 9 (digits in a string are accepted). */
export const compressionLevel = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 9) {
    ctx.addIssue({ code: 'custom', message: `must be a whole number from 0 to 9, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return n;
});

const isStore = (v: unknown): v is ObjectStore =>
  typeof v === 'object' && v !== null && typeof (v as { list?: unknown }).list === 'function';

/** An open ObjectStore. */
export const objectStore = z.custom<ObjectStore>(isStore, 'must be an ObjectStore');

/** Where archives are stored: a target string (s3://…, a path) or an open ObjectStore. */
export const target = z.union([z.string().min(1, 'is empty'), objectStore]);

export const s3Settings = z.custom<S3Settings>((v) => typeof v === 'object' && v !== null);

/** Milliseconds: a whole number above zero. */
export const positiveMs = z.number().int('must be whole milliseconds').positive('must be above zero');
