import picomatch from 'picomatch';
import { isAbsolute, relative } from 'node:path';

/** Temporary files that are never finished: Cassandra's `-tmp-`, editors' `.tmp`, partial downloads. */
export const DEFAULT_EXCLUDES = ['*-tmp*', '*.tmp', '*.swp', '*.part', '.cairn-tmp'];

export interface PathFilter {
  /** `name` is the path relative to the watched root. */
  accepts(relative: string): boolean;
}

/**
 * A file is shipped when it matches an include (or no include is given) and no
 * exclude. Patterns without a '/' match the base name at any depth.
 */
export function makeFilter(
  include: readonly string[] = [],
  exclude: readonly string[] = DEFAULT_EXCLUDES,
): PathFilter {
  const opts = { dot: true, matchBase: true } as const;
  const inc = include.length ? picomatch([...include], opts) : undefined;
  const exc = exclude.length ? picomatch([...exclude], opts) : undefined;
  return {
    accepts(relative: string): boolean {
      if (exc?.(relative)) return false;
      return inc ? inc(relative) : true;
    },
  };
}

/** `path` relative to `root` when it is inside it (not `root` itself), else undefined. */
export function inside(root: string, path: string): string | undefined {
  const rel = relative(root, path);
  return rel === '' || rel === '..' || rel.startsWith('../') || isAbsolute(rel) ? undefined : rel;
}

/** `filter`, refusing also the directories `dirs` (relative paths) and everything under them. */
export function leavingOut(filter: PathFilter, dirs: readonly string[]): PathFilter {
  if (!dirs.length) return filter;
  return {
    accepts: (rel) => !dirs.some((d) => rel === d || rel.startsWith(`${d}/`)) && filter.accepts(rel),
  };
}
