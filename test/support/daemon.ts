import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { eventually, finished, spawnCairn } from './cli.js';
import type { CliResult } from './cli.js';

/** A running `cairn ship watch`, its exit, and its inotifywait's pid. */
export interface Daemon {
  exited: Promise<CliResult>;
  inotifywait: number;
  /** What it has printed on stderr so far. */
  stderr(): string;
  /** SIGTERM: a clean stop. */
  stop(): void;
  kill(): void;
}

/** Starts `cairn ship watch`; resolves once it watches. */
export async function startDaemon(args: string[], env: NodeJS.ProcessEnv): Promise<Daemon> {
  const d = spawnCairn(['ship', 'watch', ...args], { env });
  const exited = finished(d);
  let stderr = '';
  d.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  await Promise.race([
    eventually(() => Promise.resolve(stderr.includes('ship.ready')), 30_000, 'the daemon to watch'),
    exited.then((r) => assert.fail(`the daemon exited (${r.code}) before it watched: ${r.stderr}`)),
  ]);
  const pid = d.pid as number;
  const inotifywait = await eventually(async () => (await childrenOf(pid, 'inotifywait'))[0]);
  return {
    exited,
    inotifywait,
    stderr: () => stderr,
    stop: () => d.kill('SIGTERM'),
    kill: () => d.kill('SIGKILL'),
  };
}

/** Pids of the running processes named `name` whose parent is `ppid` (from /proc). */
export async function childrenOf(ppid: number, name: string): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid ...: comm may hold spaces, so it is found by its parentheses.
    const m = /^\d+ \((.*)\) (\S) (\d+) /.exec(stat);
    if (m && m[1] === name && m[2] !== 'Z' && Number(m[3]) === ppid) out.push(Number(entry));
  }
  return out;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The daemon's exit, or a failure if it is still running after `ms` (it is then killed). */
export async function exitWithin(
  d: { exited: Promise<CliResult>; kill(): void; inotifywait: number },
  ms: number,
): Promise<CliResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  const r = await Promise.race([d.exited, late]);
  clearTimeout(timer);
  if (r) return r;
  d.kill();
  if (alive(d.inotifywait)) process.kill(d.inotifywait, 'SIGKILL');
  const after = await d.exited;
  return assert.fail(`the daemon was still running ${ms} ms after its failure; its stderr:\n${after.stderr}`);
}

/** The error lines the CLI printed: `cairn: …` and its `hint: …`, and no stack trace. */
export function assertOneErrorLine(r: CliResult, message: RegExp): void {
  const lines = r.stderr.split('\n');
  const errors = lines.filter((l) => l.startsWith('cairn:'));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0] ?? '', message);
  assert.match(lines[lines.indexOf(errors[0] ?? '') + 1] ?? '', /^hint: \S/, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.doesNotMatch(r.stderr, /"level":50/, 'no error logged besides it');
}
