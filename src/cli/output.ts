import cliProgress from 'cli-progress';
import pino from 'pino';
import type { CairnEvent, Progress, Reporter } from '../core/reporter.js';
import { formatBytes } from '../core/rate.js';

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
}

/**
 * How the CLI shows what the library reports: on a terminal, readable lines and
 * a progress bar on stderr; otherwise JSON lines (pino) on stderr. Results go to
 * stdout: a table/summary, or one JSON document with --json.
 */
export class CliOutput implements Reporter {
  private bar: cliProgress.SingleBar | undefined;
  private readonly tty: boolean;
  private readonly log: pino.Logger | undefined;

  constructor(readonly o: OutputOptions) {
    this.tty = process.stderr.isTTY === true;
    if (!this.tty) {
      this.log = pino(
        { level: o.quiet ? 'error' : o.verbose ? 'debug' : 'info', base: undefined },
        pino.destination({ fd: 2, sync: true }),
      );
    }
  }

  event(e: CairnEvent): void {
    const { level, type, message, ...fields } = e;
    if (this.log) {
      this.log[level]({ type, ...fields }, message);
      return;
    }
    if (this.o.quiet && level !== 'error') return;
    if (!this.o.verbose && (level === 'debug' || (level === 'info' && !type.endsWith('.summary')))) return;
    const line = `${level === 'error' ? 'error: ' : level === 'warn' ? 'warning: ' : ''}${message}`;
    if (this.bar) this.bar.stop();
    this.bar = undefined;
    const hint = typeof fields.hint === 'string' ? `\n  hint: ${fields.hint}` : '';
    process.stderr.write(`${line}${hint}\n`);
  }

  progress(p: Progress): void {
    if (!this.tty || this.o.quiet || p.total === undefined || p.total === 0) return;
    if (!this.bar) {
      this.bar = new cliProgress.SingleBar(
        {
          format: `${p.label ?? ''} [{bar}] {percentage}% {amount}`,
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(p.total, p.done, { amount: amount(p) });
    }
    this.bar.setTotal(p.total);
    this.bar.update(p.done, { amount: amount(p) });
    if (p.done >= p.total) this.done();
  }

  done(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  /** The command's result: JSON with --json, else the given text. */
  /** True once a result was printed (an error after it then goes to stderr only). */
  printed = false;

  result(data: unknown, text: () => string): void {
    this.done();
    this.printed = true;
    if (this.o.json) process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    else {
      const t = text();
      if (t) process.stdout.write(t.endsWith('\n') ? t : `${t}\n`);
    }
  }
}

export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  '))
    .join('\n');
}

/** '9.0 MiB of 47.7 MiB, 120 files' or '120/300 files'. */
function amount(p: Progress): string {
  const of =
    p.unit === 'bytes'
      ? `${formatBytes(p.done)} of ${formatBytes(p.total ?? p.done)}`
      : `${p.done}/${p.total ?? '?'} ${p.unit}`;
  return p.detail ? `${of}, ${p.detail}` : of;
}
