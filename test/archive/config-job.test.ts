// `archive create --job` and `archive prune --job`: a bad value in the config file's job is one
// line naming that key of the config file (not a flag it did not come from); nothing is stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cairn } from '../support/cli.js';

async function withJob(job: string): Promise<{ base: string; repo: string; config: string; src: string }> {
  const base = await mkdtemp(join(tmpdir(), 'cairn-arc-job-'));
  const src = join(base, 'src');
  await mkdir(src);
  await writeFile(join(src, 'a.txt'), 'a');
  const repo = join(base, 'repo');
  const config = join(base, 'cairn.yaml');
  await writeFile(
    config,
    ['archive:', '  jobs:', '    nightly:', `      to: ${repo}`, `      include: [${src}]`, job, ''].join(
      '\n',
    ),
  );
  return { base, repo, config, src };
}

/** One line of error and one of hint, nothing else (no stack trace). */
function oneLineError(stderr: string, message: RegExp): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 2, stderr);
  assert.match(lines[0] ?? '', message);
  assert.match(lines[1] ?? '', /^\s*hint: /);
}

const stored = async (repo: string): Promise<string[]> =>
  (await readdir(repo).catch(() => [])).filter((n) => !n.startsWith('.'));

const bad: [string, string, RegExp][] = [
  ['a level of 12', '      level: 12', /archive\.jobs\.nightly\.level/],
  ['a name with a slash', '      name: site/www', /archive\.jobs\.nightly\.name.*invalid archive name/],
  [
    'a file named ../up',
    '      files: [{ path: /etc/hostname, name: ../up }]',
    /archive\.jobs\.nightly\.files.*invalid name inside the archive/,
  ],
  ['a level with format tar', '      format: tar\n      level: 9', /archive\.jobs\.nightly\.level.*tar/],
];
for (const [what, line, message] of bad) {
  test(`archive create --job with ${what} in the config file: exit 2 naming the config key`, async () => {
    const s = await withJob(line);
    try {
      const r = await cairn(['--config', s.config, 'archive', 'create', '--job', 'nightly']);
      assert.equal(r.code, 2, r.stderr);
      oneLineError(r.stderr, message);
      assert.deepEqual(await stored(s.repo), []);
    } finally {
      await rm(s.base, { recursive: true, force: true });
    }
  });
}

test('a bad --level flag names the flag, even with a job', async () => {
  const s = await withJob('      level: 3');
  try {
    const r = await cairn(['--config', s.config, 'archive', 'create', '--job', 'nightly', '--level', '12']);
    assert.equal(r.code, 2, r.stderr);
    oneLineError(r.stderr, /^cairn: --level: .*0 to 9/);
    assert.deepEqual(await stored(s.repo), []);
  } finally {
    await rm(s.base, { recursive: true, force: true });
  }
});

test("a job's keep policy that keeps nothing is refused when the config file is loaded, naming the key", async () => {
  const s = await withJob('      keep: { within: 0h }');
  try {
    for (const args of [
      ['archive', 'create', '--job', 'nightly'],
      ['archive', 'prune', '--job', 'nightly'],
    ]) {
      const r = await cairn(['--config', s.config, ...args]);
      assert.equal(r.code, 2, r.stderr);
      oneLineError(r.stderr, /archive\.jobs\.nightly\.keep/);
    }
    assert.deepEqual(await stored(s.repo), []);
  } finally {
    await rm(s.base, { recursive: true, force: true });
  }
});
