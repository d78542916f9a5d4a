import picomatch from 'picomatch';

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
