import { posix } from 'node:path';
import { z } from 'zod';
import { CairnError } from '../core/errors.js';

/** One directory as it was at `time`: every shipped file with its size, times, inode, mode and content hash. */
export interface Manifest {
  version: 1;
  host: string;
  dir: string;
  time: string;
  files: ManifestEntry[];
}

export interface ManifestEntry {
  name: string;
  size: number;
  mtimeMs: number;
  /**
   * ctime and inode when the file was read: a change that keeps size and mtime
   * (`cp -p`, `touch -r`) still moves ctime, and a copy renamed into place has
   * another inode. Absent from manifests written before they were recorded:
   * such a file is read again.
   */
  ctimeMs?: number | undefined;
  ino?: number | undefined;
  mode: number;
  /**
   * The owner when the file was read; restored when root restores. Absent from
   * manifests written before owners were recorded: such a file is restored
   * without its setuid/setgid/sticky bits.
   */
  uid?: number | undefined;
  gid?: number | undefined;
  sha256: string;
}

export const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

const entrySchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(4096)
      .refine(
        (n) => n !== '.' && n !== '..' && !n.includes('/') && !n.includes('\0'),
        'must be a plain file name',
      ),
    size: z.number().int().nonnegative(),
    mtimeMs: z.number().finite(),
    ctimeMs: z.number().finite().optional(),
    // Not .int(): that stops at 2^53, and inode numbers above it exist (overlayfs, NFS). Node gives
    // them as the nearest double, the same one on every stat, which is all a comparison needs.
    ino: z
      .number()
      .nonnegative()
      .refine((n) => Number.isInteger(n), 'must be an integer')
      .optional(),
    mode: z.number().int().min(0).max(0o7777),
    uid: z.number().int().nonnegative().max(0xffffffff).optional(),
    gid: z.number().int().nonnegative().max(0xffffffff).optional(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  // Keys it does not know are dropped, not refused: see manifestSchema.
  .strip();

const manifestSchema = z
  .object({
    version: z.literal(1),
    host: z.string().min(1),
    dir: z
      .string()
      .refine(
        (d) => posix.isAbsolute(d) && posix.normalize(d) === d && !d.includes('\0'),
        'must be a normalised absolute path',
      ),
    time: z.iso.datetime(),
    files: z.array(entrySchema),
  })
  // A later cairn may add keys to version 1 that only help it (as ctimeMs and ino were added):
  // this one restores, lists and prunes without them. A change every reader must understand
  // changes `version`, which this one refuses.
  .strip();

export function encodeManifest(m: Manifest): Buffer {
  return Buffer.from(JSON.stringify(m));
}

/** Parses and checks a stored manifest; anything malformed or hostile is an INTEGRITY error. */
export function decodeManifest(bytes: Buffer, key: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new CairnError('INTEGRITY', `manifest ${key} is not valid JSON`, {
      cause: err,
      hint: 'it may be corrupted; restore from an earlier point in time with --at',
    });
  }
  const r = manifestSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new CairnError(
      'INTEGRITY',
      `manifest ${key} is invalid: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
      {
        hint: 'it may be corrupted or hostile; restore from an earlier point in time with --at',
      },
    );
  }
  const names = new Set<string>();
  for (const f of r.data.files) {
    if (names.has(f.name)) throw new CairnError('INTEGRITY', `manifest ${key} lists ${f.name} twice`);
    names.add(f.name);
  }
  return r.data;
}
