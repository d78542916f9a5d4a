/**
 * The library never prints: it tells a Reporter what happens, and the CLI
 * (or an embedding program) decides how to show it.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface CairnEvent {
  level: Level;
  /** Stable event name, e.g. 'ship.file', 'ship.manifest', 'ship.error'. */
  type: string;
  message: string;
  [field: string]: unknown;
}

export interface Progress {
  /** What is being measured, e.g. 'bytes'. */
  unit: 'bytes' | 'files' | 'items';
  done: number;
  total?: number | undefined;
  label?: string | undefined;
  /** More of the same progress, e.g. '120 files'. */
  detail?: string | undefined;
}

export interface Reporter {
  event(e: CairnEvent): void;
  progress?(p: Progress): void;
}

export const silentReporter: Reporter = { event: () => undefined };

/** Collects events in memory (for embedding and tests). */
export class MemoryReporter implements Reporter {
  readonly events: CairnEvent[] = [];
  event(e: CairnEvent): void {
    this.events.push(e);
  }
  ofType(type: string): CairnEvent[] {
    return this.events.filter((e) => e.type === type);
  }
}
