/** Counters a ship run keeps; the daemon also serves them as Prometheus metrics. */
export class ShipStats {
  filesUploaded = 0;
  filesStoredAlready = 0;
  filesUnchanged = 0;
  bytesShipped = 0;
  bytesUploaded = 0;
  bytesResumed = 0;
  manifestsWritten = 0;
  failures = 0;
  /** Files and directories left out because their names are not valid UTF-8 (each counted once). */
  namesNotUtf8 = 0;
  retries = 0;
  requeued = 0;

  toJSON(): Record<string, number> {
    return { ...this } as unknown as Record<string, number>;
  }
}
