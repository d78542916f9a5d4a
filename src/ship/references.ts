/**
 * What this daemon knows about stored objects, for deciding whether a file's
 * content may be reused without uploading it again.
 *
 * The rule that keeps prune and a running daemon from losing data: an object
 * is reused only with *fresh evidence* that prune will not delete it before
 * the manifest that refers to it is written: the object was stored (or seen
 * with a LastModified) within the evidence window, or it is referenced by the
 * newest manifest of one of this host's series, or was until less than the
 * window ago. Prune keeps every object younger than its grace period and every
 * manifest younger than the grace period or superseded less than the grace
 * period ago; the grace period is at least four evidence windows. See docs/ship.md.
 */
export const EVIDENCE_WINDOW_MS = 15 * 60_000;

export class References {
  /** sha256 → when it was last known stored (our upload, or the store's LastModified). */
  private readonly stored = new Map<string, number>();
  /** sha256 → how many current newest manifests refer to it. */
  private readonly refCount = new Map<string, number>();
  /** sha256 → when it stopped being referenced by a newest manifest. */
  private readonly released = new Map<string, number>();
  /** dir → the shas of its newest manifest. */
  private readonly current = new Map<string, Set<string>>();
  /** True once the whole objects prefix was listed: an unknown sha is then not stored. */
  listedAll = false;

  constructor(private readonly windowMs = EVIDENCE_WINDOW_MS) {}

  /**
   * Every object was listed, starting at `started`: an object not in the listing and not stored
   * by this process since then is not stored (deleted, or lost).
   */
  listed(seen: ReadonlySet<string>, started: Date): void {
    for (const [sha, t] of this.stored) if (!seen.has(sha) && t < started.getTime()) this.stored.delete(sha);
    this.listedAll = true;
  }

  /** `exact`: the store's own date for the object (which may be older than what was noted). */
  noteStored(sha: string, at: Date, o: { exact?: boolean } = {}): void {
    const t = at.getTime();
    if (o.exact || (this.stored.get(sha) ?? 0) < t) this.stored.set(sha, t);
  }

  /** Whether the object may be stored; once every object was listed, only what was seen or stored since. */
  knownStored(sha: string): boolean {
    return this.stored.has(sha) || (!this.listedAll && this.refCount.has(sha));
  }

  /** Whether `sha` may be referenced now without storing it again. */
  fresh(sha: string, now: Date): boolean {
    // Found missing when every object was listed: named by a manifest or not, it must be stored again.
    if (this.listedAll && !this.stored.has(sha)) return false;
    const t = now.getTime() - this.windowMs;
    if ((this.refCount.get(sha) ?? 0) > 0) return true;
    return (this.stored.get(sha) ?? 0) > t || (this.released.get(sha) ?? 0) > t;
  }

  currentOf(dir: string): ReadonlySet<string> | undefined {
    return this.current.get(dir);
  }

  /** A new newest manifest was written for `dir`. */
  setCurrent(dir: string, shas: Set<string>, now: Date): void {
    const old = this.current.get(dir);
    for (const s of shas) this.refCount.set(s, (this.refCount.get(s) ?? 0) + 1);
    if (old) {
      for (const s of old) {
        const n = (this.refCount.get(s) ?? 1) - 1;
        if (n > 0) this.refCount.set(s, n);
        else {
          this.refCount.delete(s);
          this.released.set(s, now.getTime());
        }
      }
    }
    this.current.set(dir, shas);
  }
}
