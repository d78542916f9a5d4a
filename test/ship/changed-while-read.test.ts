import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cairn, eventually } from '../support/cli.js';
import type { CliResult } from '../support/cli.js';
import { newestManifest } from '../support/repo-probe.js';
import { allTargets, localTarget } from '../support/targets.js';

interface LogLine {
  level: number;
  type: string;
  msg: string;
  path?: string;
}

const logLines = (stderr: string): LogLine[] =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

interface Result {
  changedWhileRead: number;
  skippedOpen: number;
  stats: Record<string, number>;
}

/**
 * A real writer process that appends a line to `file` every `everyMs`, opening and closing it each
 * time as a logger does: the file is closed nearly always, so `ship backup` does not take it for one
 * still being written and reads it. Resolves once the first line is in.
 */
async function appender(file: string, everyMs: number): Promise<ChildProcess> {
  const before = (await stat(file)).size;
  const child = spawn(process.execPath, [
    '-e',
    `const fs=require('fs');let i=0;` +
      `setInterval(()=>fs.appendFileSync(process.argv[1],'line '+(i++)+' '+'x'.repeat(60)+'\\n'),${everyMs});`,
    file,
  ]);
  await eventually(async () => (await stat(file)).size > before, 10_000, 'the first appended line');
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/**
 * `ship backup --json -v` while the writer runs. A run that found the file open (the writer's
 * open-append-close caught in the middle) leaves it alone by design; that run is made again.
 */
async function backupWhileWritten(
  src: string,
  repo: string,
  env: NodeJS.ProcessEnv,
): Promise<{ r: CliResult; result: Result }> {
  for (let attempt = 1; ; attempt++) {
    const r = await cairn(['ship', 'backup', src, '--to', repo, '--host', 'h', '--json', '-v'], { env });
    const result = JSON.parse(r.stdout) as Result;
    if (result.skippedOpen === 0 || attempt === 3) return { r, result };
  }
}

for (const target of allTargets) {
  test(`${target.name}: a file that changes during every read is not shipped, is named in a warning, and the exit code is 3`, async (t) => {
    const src = await mkdtemp(join(tmpdir(), 'cairn-changing-'));
    t.after(() => rm(src, { recursive: true, force: true }));
    const repo = await target.make();
    const env = target.env();
    const log = join(src, 'busy.log');
    // Reading and hashing 96 MiB takes far longer than the 5 ms between two appends: every read sees one.
    await writeFile(log, Buffer.alloc(96 * 1024 * 1024, 'cairn '));
    await writeFile(join(src, 'quiet.db'), 'not written to');
    const writer = await appender(log, 5);
    let run;
    try {
      run = await backupWhileWritten(src, repo, env);
    } finally {
      await stop(writer);
    }
    const { r, result } = run;
    assert.equal(result.skippedOpen, 0, 'found open for writing three times in a row');
    assert.equal(r.code, 3, r.stderr);
    assert.equal(result.changedWhileRead, 1);
    assert.equal(result.stats.failures, 0, 'a change is not a failure of the store');

    const lines = logLines(r.stderr);
    const warnings = lines.filter((l) => l.type === 'ship.not-shipped');
    assert.deepEqual(
      warnings.map((w) => [w.level, w.path, w.msg]),
      [[40, log, `${log} changed while it was read (3 times); not shipped, run again`]],
    );
    // Read three times in all: the first read and two more, then given up.
    assert.equal(lines.filter((l) => l.type === 'ship.changed' && l.path === log).length, 3, r.stderr);
    assert.ok(!lines.some((l) => l.type === 'ship.error'), r.stderr);
    assert.match(r.stderr, /could not be shipped/);

    Object.assign(process.env, env); // for the probe to reach the target
    const m = await newestManifest(repo, src);
    assert.deepEqual(
      m?.files.map((f) => f.name),
      ['quiet.db'],
    );
  });
}

test('a log file being appended to is either shipped as it was at one moment, or reported with exit code 3', async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'cairn-appended-'));
  const src = join(base, 'src');
  await mkdir(src);
  const log = join(src, 'app.log');
  await writeFile(log, Buffer.alloc(256 * 1024, 'startup\n'));
  const outcomes: string[] = [];
  // Appends 50 ms apart seldom meet a read; 1 ms apart, nearly always: both outcomes are checked.
  for (const [round, everyMs] of [50, 10, 1].entries()) {
    const repo = await localTarget.make();
    const writer = await appender(log, everyMs);
    let run;
    try {
      run = await backupWhileWritten(src, repo, {});
    } finally {
      await stop(writer);
    }
    const { r, result } = run;
    const entry = (await newestManifest(repo, src))?.files.find((f) => f.name === 'app.log');
    const lines = logLines(r.stderr);
    const warned = lines.some((l) => l.type === 'ship.not-shipped' && l.path === log);
    const reads = lines.filter((l) => l.type === 'ship.changed' && l.path === log).length + (entry ? 1 : 0);
    if (entry) {
      // Shipped: the object is the file as it was at one moment, a prefix of what the writer left.
      assert.equal(r.code, 0, r.stderr);
      assert.equal(result.changedWhileRead, 0);
      assert.ok(!warned, r.stderr);
      const dest = join(base, `dest-${round}`);
      const restored = await cairn(['ship', 'restore', dest, '--from', repo, '--path', src]);
      assert.equal(restored.code, 0, restored.stderr);
      const got = await readFile(join(dest, 'app.log'));
      assert.equal(got.length, entry.size);
      assert.ok(got.equals((await readFile(log)).subarray(0, entry.size)), 'a prefix of the final file');
      outcomes.push(`${everyMs} ms: shipped at read ${reads}`);
    } else if (result.skippedOpen) {
      assert.equal(r.code, 0, r.stderr);
      outcomes.push(`${everyMs} ms: open`);
    } else {
      assert.equal(r.code, 3, r.stderr);
      assert.equal(result.changedWhileRead, 1);
      assert.ok(warned, r.stderr);
      assert.equal(reads, 3);
      outcomes.push(`${everyMs} ms: changed at all ${reads} reads`);
    }
  }
  assert.equal(outcomes.length, 3);
  t.diagnostic(`outcomes: ${outcomes.join(', ')}`);
});
