import picomatch from 'picomatch';
import { isAbsolute, relative } from 'node:path';

/** Temporary files that are never finished: Cassandra's `-tmp-`, editors' `.tmp`, partial downloads. */
export const DEFAULT_EXCLUDES = ['*-tmp*', '*.tmp', '*.swp', '*.part', '.cairn-tmp'];

export interface PathFilter {
  /** `relative` is the path relative to the watched root, with a trailing '/' for a directory. */
  accepts(relative: string): boolean;
}

/**
 * A file is shipped when it matches an include (or no include is given) and no
 * exclude. Patterns without a '/' match the base name at any depth; patterns
 * with one match the whole path relative to the root (`logs/*.gz`, `cache/**`).
 */
export function makeFilter(
  include: readonly string[] = [],
  exclude: readonly string[] = DEFAULT_EXCLUDES,
): PathFilter {
  const inc = include.length ? matcher(include) : undefined;
  const exc = exclude.length ? matcher(exclude) : undefined;
  return {
    accepts(relative: string): boolean {
      if (exc?.(relative)) return false;
      // A directory ('name/') is entered unless excluded: includes choose files.
      return inc && !relative.endsWith('/') ? inc(relative) : true;
    },
  };
}

/** picomatch's `matchBase` would also match the patterns with a '/' against the base name only: never. */
function matcher(patterns: readonly string[]): (relative: string) => boolean {
  const anchored = patterns.filter((p) => p.includes('/'));
  const base = patterns.filter((p) => !p.includes('/'));
  const a = anchored.length ? picomatch([...anchored], { dot: true }) : undefined;
  const b = base.length ? picomatch([...base], { dot: true, matchBase: true }) : undefined;
  return (relative) => (a?.(relative) ?? false) || (b?.(relative) ?? false);
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
