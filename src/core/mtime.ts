/**
 * Seconds for fs.utimes from a stat's mtimeMs. The float seconds cannot hold
 * every millisecond exactly (…414.645 becomes …414.644999981), so half a
 * microsecond is added: the time set is the original's, never a hair before it.
 */
export function utimesSeconds(mtimeMs: number): number {
  return (mtimeMs + 0.0005) / 1000;
}
