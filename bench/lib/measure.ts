// Runs a command under GNU time: wall seconds, CPU seconds of the whole process
// tree (user + sys of every waited-for descendant) and peak RSS (of the largest process).
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GNU_TIME = process.env.GNU_TIME ?? '/usr/bin/time';

export interface Measured {
  wall: number;
  user: number;
  sys: number;
  /** user + sys */
  cpu: number;
  rssMiB: number;
}

export interface Command {
  cmd: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Process groups of the commands running now, ended with the benchmark if it is interrupted. */
const running = new Set<number>();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    for (const pgid of running) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    process.exit(130);
  });
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

/**
 * Runs `c` to completion with its stdout and stderr in `logFile`; throws with the
 * log's tail if it fails, or kills it after `timeoutMs` (a full S3 server
 * blocks writes instead of failing them).
 */
export async function timed(c: Command, logFile: string, timeoutMs = 20 * 60_000): Promise<Measured> {
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} not found: apt-get install time (GNU time)`);
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-time-'));
  const out = join(dir, 'time');
  const fd = openSync(logFile, 'w');
  try {
    const child = spawn(GNU_TIME, ['-f', '%e %U %S %M', '-o', out, c.cmd, ...c.args], {
      env: c.env ?? process.env,
      cwd: c.cwd,
      stdio: ['ignore', fd, fd],
      detached: true, // its own process group, so a timeout ends every process of the command
    });
    running.add(child.pid!);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid!, 'SIGKILL');
    }, timeoutMs);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (n) => resolve(n));
    }).finally(() => {
      clearTimeout(timer);
      running.delete(child.pid!);
    });
    if (timedOut) {
      throw new Error(
        `${c.cmd} ${c.args.join(' ')} did not finish in ${timeoutMs / 60_000} min (is the S3 server full?):\n${tail(logFile)}`,
      );
    }
    if (code !== 0) {
      throw new Error(`${c.cmd} ${c.args.join(' ')} exited with ${code}:\n${tail(logFile)}`);
    }
    const last = readFileSync(out, 'utf8').trim().split('\n').at(-1) ?? '';
    const [wall, user, sys, rssKiB] = last.split(' ').map(Number);
    if ([wall, user, sys, rssKiB].some((n) => n === undefined || Number.isNaN(n))) {
      throw new Error(`cannot read GNU time's output: ${JSON.stringify(last)}`);
    }
    return {
      wall: wall!,
      user: user!,
      sys: sys!,
      cpu: user! + sys!,
      rssMiB: rssKiB! / 1024,
    };
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The median of every field over several runs. */
export function medianOf(runs: readonly Measured[]): Measured {
  const pick = (k: keyof Measured) => median(runs.map((r) => r[k]));
  return {
    wall: pick('wall'),
    user: pick('user'),
    sys: pick('sys'),
    cpu: pick('cpu'),
    rssMiB: pick('rssMiB'),
  };
}

/** Nearest-rank percentile (p in 0..100) of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}
