import { spawn } from 'node:child_process';
import { chown, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BIN, finished } from './cli.js';
import type { CliResult } from './cli.js';

export const NOBODY = 65534;

/** Runs the built CLI as uid/gid 65534 with no supplementary groups (the tests run as root). */
export function cairnAsNobody(args: string[], o: { env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const child = spawn(
    'setpriv',
    [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, BIN, ...args],
    { env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return finished(child);
}

/** Gives a whole tree to nobody (without following symlinks), so a process running as nobody can use it. */
export async function chownTreeToNobody(root: string): Promise<void> {
  const st = await lstat(root);
  if (st.isSymbolicLink()) return;
  await chown(root, NOBODY, NOBODY);
  if (st.isDirectory()) {
    for (const name of await readdir(root)) await chownTreeToNobody(join(root, name));
  }
}
