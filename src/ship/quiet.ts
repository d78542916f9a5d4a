import { lstat } from 'node:fs/promises';

/** `--finished quiet`: a file is finished once its size and mtime have not changed for the quiet period. */
export class QuietTracker {
  private readonly files = new Map<string, { size: number; mtimeMs: number; since: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly periodMs: number,
    private readonly onQuiet: (path: string) => void,
  ) {
    this.timer = setInterval(() => void this.check(), Math.max(50, periodMs / 4));
    this.timer.unref();
  }

  get size(): number {
    return this.files.size;
  }

  track(path: string): void {
    if (!this.files.has(path)) this.files.set(path, { size: -1, mtimeMs: -1, since: performance.now() });
  }

  private async check(): Promise<void> {
    const now = performance.now();
    for (const [path, seen] of this.files) {
      const st = await lstat(path).catch(() => undefined);
      if (!st?.isFile()) {
        this.files.delete(path);
      } else if (st.size !== seen.size || st.mtimeMs !== seen.mtimeMs) {
        this.files.set(path, { size: st.size, mtimeMs: st.mtimeMs, since: now });
      } else if (now - seen.since >= this.periodMs) {
        this.files.delete(path);
        this.onQuiet(path);
      }
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
