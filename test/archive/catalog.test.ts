// Finding archives again: `archive list`, `archive prune` and `archive restore NAME@TIME`,
// on a local directory and on S3, with archives made by the library at chosen times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cairn } from '../support/cli.js';
import { allTargets, localTarget, s3Target } from '../support/targets.js';
import type { TestTarget } from '../support/targets.js';
import { archive } from '../../src/archive/archive.js';
import type { ArchiveFormat } from '../../src/archive/format.js';
import { fixedClock } from '../../src/core/clock.js';
import { openStore } from '../../src/storage/open-store.js';

// The library opens S3 targets with the SDK's usual settings, which the CLI gets from its environment.
Object.assign(process.env, s3Target.env());

const json = <T>(s: string): T => JSON.parse(s) as T;

/** Stores an archive NAME made at `at`, holding data/version.txt with `content`. */
async function storeAt(
  repo: string,
  name: string,
  at: string | Date,
  content: string,
  format: ArchiveFormat = 'tar.gz',
): Promise<{ key: string; bytes: number }> {
  await using a = archive(name, { to: repo, format, clock: fixedClock(at) });
  await a.includeNewDir('data', (dir) => writeFile(join(dir, 'version.txt'), content));
  return await a.save();
}

/** Every key in the target, sorted. */
async function keysIn(repo: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of openStore(repo).list('')) if (!o.key.startsWith('.')) keys.push(o.key);
  return keys.sort();
}

async function restoredVersion(
  target: TestTarget,
  repo: string,
  spec: string,
): Promise<{ code: number | null; stderr: string; version?: string; key?: string }> {
  const dest = await mkdtemp(join(tmpdir(), 'cairn-arc-at-'));
  const r = await cairn(['archive', 'restore', spec, dest, '--from', repo, '--json'], { env: target.env() });
  if (r.code !== 0) return { code: r.code, stderr: r.stderr };
  return {
    code: r.code,
    stderr: r.stderr,
    version: await readFile(join(dest, 'data', 'version.txt'), 'utf8'),
    key: json<{ key: string }>(r.stdout).key,
  };
}

interface Listed {
  key: string;
  name: string;
  time: string;
  size: number;
  files?: number;
  format: string;
}

for (const target of allTargets) {
  test(`${target.name}: archive list prints every archive, oldest first, as a table and as JSON, filtered by name`, async () => {
    const repo = await target.make();
    const env = target.env();
    const a1 = await storeAt(repo, 'alpha', '2026-02-01T03:00:00Z', 'a1');
    const b1 = await storeAt(repo, 'beta', '2026-02-02T04:30:15Z', 'b1', 'zip');
    const a2 = await storeAt(repo, 'alpha', '2026-02-03T03:00:00Z', 'a2', 'tar');

    const all = await cairn(['archive', 'list', '--from', repo, '--json'], { env });
    assert.equal(all.code, 0, all.stderr);
    const listed = json<Listed[]>(all.stdout);
    assert.deepEqual(
      listed.map((l) => ({ key: l.key, name: l.name, time: l.time, size: l.size, files: l.files })),
      [
        {
          key: 'alpha_20260201030000.tar.gz',
          name: 'alpha',
          time: '2026-02-01T03:00:00.000Z',
          size: a1.bytes,
          files: 1,
        },
        {
          key: 'beta_20260202043015.zip',
          name: 'beta',
          time: '2026-02-02T04:30:15.000Z',
          size: b1.bytes,
          files: 1,
        },
        {
          key: 'alpha_20260203030000.tar',
          name: 'alpha',
          time: '2026-02-03T03:00:00.000Z',
          size: a2.bytes,
          files: 1,
        },
      ],
    );
    assert.deepEqual(
      listed.map((l) => l.format),
      ['tar.gz', 'zip', 'tar'],
    );

    const alpha = await cairn(['archive', 'list', 'alpha', '--from', repo, '--json'], { env });
    assert.equal(alpha.code, 0, alpha.stderr);
    assert.deepEqual(
      json<Listed[]>(alpha.stdout).map((l) => l.key),
      ['alpha_20260201030000.tar.gz', 'alpha_20260203030000.tar'],
    );

    const text = await cairn(['archive', 'list', 'alpha', '--from', repo], { env });
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3, text.stdout);
    assert.match(lines[0] ?? '', /^TIME\s+NAME\s+SIZE\s+FILES\s+KEY$/);
    assert.match(
      lines[1] ?? '',
      /^2026-02-01T03:00:00\.000Z\s+alpha\s+\S.*\s+1\s+alpha_20260201030000\.tar\.gz$/,
    );
    assert.match(
      lines[2] ?? '',
      /^2026-02-03T03:00:00\.000Z\s+alpha\s+\S.*\s+1\s+alpha_20260203030000\.tar$/,
    );
    assert.doesNotMatch(text.stdout, /beta|\.json/);

    const none = await cairn(['archive', 'list', 'gamma', '--from', repo], { env });
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout.trim(), `no archives named gamma in ${repo}`);
    const noneJson = await cairn(['archive', 'list', 'gamma', '--from', repo, '--json'], { env });
    assert.equal(noneJson.code, 0, noneJson.stderr);
    assert.deepEqual(json<unknown[]>(noneJson.stdout), []);
  });

  test(`${target.name}: archive prune --dry-run shows what it would keep and delete, with reasons; then deletes archives and records`, async () => {
    const repo = await target.make();
    const env = target.env();
    const made: string[] = [];
    for (let day = 1; day <= 5; day++)
      made.push((await storeAt(repo, 'nightly', `2026-03-0${day}T03:00:00Z`, `day ${day}`)).key);
    const other = (await storeAt(repo, 'other', '2026-03-01T01:00:00Z', 'o')).key;
    const before = await keysIn(repo);
    assert.equal(before.length, 12);

    const dry = await cairn(
      ['archive', 'prune', 'nightly', '--keep-last', '2', '--dry-run', '--json', '--from', repo],
      {
        env,
      },
    );
    assert.equal(dry.code, 0, dry.stderr);
    const plan = json<{
      dryRun: boolean;
      policy: string;
      keep: { key: string; time: string; reasons: string[] }[];
      remove: { key: string; time: string; reason: string; size: number }[];
      bytesFreed: number;
    }>(dry.stdout);
    assert.equal(plan.dryRun, true);
    assert.equal(plan.policy, 'last 2');
    assert.deepEqual(plan.keep, [
      { key: made[4], time: '2026-03-05T03:00:00.000Z', reasons: ['last 1/2'] },
      { key: made[3], time: '2026-03-04T03:00:00.000Z', reasons: ['last 2/2'] },
    ]);
    assert.deepEqual(
      plan.remove.map((r) => [r.key, r.time, r.reason]),
      [
        [made[2], '2026-03-03T03:00:00.000Z', 'not kept by policy (last 2)'],
        [made[1], '2026-03-02T03:00:00.000Z', 'not kept by policy (last 2)'],
        [made[0], '2026-03-01T03:00:00.000Z', 'not kept by policy (last 2)'],
      ],
    );
    assert.ok(plan.remove.every((r) => r.size > 0));
    assert.equal(
      plan.bytesFreed,
      plan.remove.reduce((n, r) => n + r.size, 0),
    );
    assert.deepEqual(await keysIn(repo), before, 'a dry run deletes nothing');

    const dryText = await cairn(
      ['archive', 'prune', 'nightly', '--keep-last', '2', '--dry-run', '--from', repo],
      { env },
    );
    assert.equal(dryText.code, 0, dryText.stderr);
    assert.match(dryText.stdout, /^ACTION\s+TIME\s+KEY\s+WHY$/m);
    assert.match(
      dryText.stdout,
      new RegExp(
        `^keep\\s+2026-03-05T03:00:00\\.000Z\\s+${made[4]?.replace(/\./g, '\\.')}\\s+last 1/2$`,
        'm',
      ),
    );
    assert.match(
      dryText.stdout,
      new RegExp(
        `^would delete\\s+2026-03-01T03:00:00\\.000Z\\s+${made[0]?.replace(/\./g, '\\.')}\\s+not kept by policy \\(last 2\\)$`,
        'm',
      ),
    );
    assert.match(dryText.stdout, /would delete 3 archives \(/);
    assert.deepEqual(await keysIn(repo), before);

    const real = await cairn(['archive', 'prune', 'nightly', '--keep-last', '2', '--from', repo], { env });
    assert.equal(real.code, 0, real.stderr);
    assert.match(real.stdout, /^deleted\s+2026-03-02T03:00:00\.000Z\s+/m);
    assert.match(real.stdout, /deleted 3 archives \(/);
    assert.deepEqual(
      await keysIn(repo),
      [made[3], `${made[3]}.json`, made[4], `${made[4]}.json`, other, `${other}.json`].map(String).sort(),
      'the removed archives and their records are gone; the kept ones and other names remain',
    );

    const missing = await cairn(['archive', 'prune', 'nosuch', '--keep-last', '1', '--from', repo], { env });
    assert.equal(missing.code, 4, missing.stderr);
    assert.match(missing.stderr, /no archives "nosuch"/);
  });

  test(`${target.name}: archive restore NAME@TIME picks the newest archive at or before TIME`, async () => {
    const repo = await target.make();
    const t1 = await storeAt(repo, 'ver', '2026-01-10T00:00:00Z', 'version one');
    const t2 = await storeAt(repo, 'ver', '2026-01-20T12:00:00Z', 'version two', 'zip');
    const t3 = await storeAt(repo, 'ver', '2026-01-30T00:00:00Z', 'version three', 'tar');
    const cases: [string, string, string][] = [
      ['ver', 'version three', t3.key],
      ['ver@2026-01-25', 'version two', t2.key],
      ['ver@2026-01-20T12:00:00Z', 'version two', t2.key],
      ['ver@20260120T115959Z', 'version one', t1.key],
      ['ver@2026-02-01T00:00:00+14:00', 'version three', t3.key],
    ];
    for (const [spec, version, key] of cases) {
      const r = await restoredVersion(target, repo, spec);
      assert.equal(r.code, 0, `${spec}: ${r.stderr}`);
      assert.equal(r.version, version, spec);
      assert.equal(r.key, key, spec);
    }

    const early = await restoredVersion(target, repo, 'ver@2026-01-09T23:59:59Z');
    assert.equal(early.code, 4, early.stderr);
    assert.match(early.stderr, /no archive "ver" at or before 2026-01-09T23:59:59\.000Z/);
    const otherName = await restoredVersion(target, repo, 'nosuch');
    assert.equal(otherName.code, 4, otherName.stderr);
    assert.match(otherName.stderr, /no archive "nosuch"/);
  });
}

test('local: archive restore NAME@AGE counts the age back from now', async () => {
  const repo = await localTarget.make();
  const now = Date.now();
  const minutes = (m: number): Date => new Date(now - m * 60_000);
  await storeAt(repo, 'rel', minutes(30), 'thirty minutes ago');
  const mid = await storeAt(repo, 'rel', minutes(20), 'twenty minutes ago');
  await storeAt(repo, 'rel', minutes(2), 'two minutes ago');

  const tenAgo = await restoredVersion(localTarget, repo, 'rel@10m');
  assert.equal(tenAgo.code, 0, tenAgo.stderr);
  assert.equal(tenAgo.version, 'twenty minutes ago');
  assert.equal(tenAgo.key, mid.key);
  const ago = await restoredVersion(localTarget, repo, 'rel@25m ago');
  assert.equal(ago.code, 0, ago.stderr);
  assert.equal(ago.version, 'thirty minutes ago');
  assert.equal((await restoredVersion(localTarget, repo, 'rel@now')).version, 'two minutes ago');

  const tooOld = await restoredVersion(localTarget, repo, 'rel@1h');
  assert.equal(tooOld.code, 4, tooOld.stderr);
  const m = /no archive "rel" at or before (\S+) in /.exec(tooOld.stderr);
  assert.ok(m?.[1], tooOld.stderr);
  const named = new Date(m[1]).getTime();
  assert.ok(Math.abs(named - (now - 3_600_000)) < 60_000, `${m[1]} is about an hour ago`);

  const bad = await restoredVersion(localTarget, repo, 'rel@yesterday-ish');
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /invalid time "yesterday-ish"/);
});

test('archive prune --job takes the name, target and keep policy from the config file; flags override the keep', async () => {
  const base = await mkdtemp(join(tmpdir(), 'cairn-arc-prune-job-'));
  const repo = join(base, 'repo');
  const made: string[] = [];
  for (let day = 1; day <= 5; day++)
    made.push((await storeAt(repo, 'site', `2026-04-0${day}T22:00:00Z`, `day ${day}`)).key);
  const config = join(base, 'cairn.yaml');
  await writeFile(
    config,
    [
      'archive:',
      '  jobs:',
      '    nightly:',
      '      name: site',
      '      format: tar.gz',
      `      to: ${repo}`,
      `      include: [${base}]`,
      '      keep: { daily: 3 }',
      '',
    ].join('\n'),
  );
  const env = { CAIRN_CONFIG: config };
  const cwd = await mkdtemp(join(tmpdir(), 'cairn-arc-cwd-'));
  type Plan = {
    dryRun: boolean;
    policy: string;
    keep: { key: string; reasons: string[] }[];
    remove: { key: string }[];
  };

  const fromJob = await cairn(['archive', 'prune', '--job', 'nightly', '--dry-run', '--json'], { env, cwd });
  assert.equal(fromJob.code, 0, fromJob.stderr);
  const p = json<Plan>(fromJob.stdout);
  assert.equal(p.policy, 'daily 3');
  assert.deepEqual(
    p.keep.map((k) => [k.key, k.reasons]),
    [
      [made[4], ['newest of 2026-04-05 (daily 1/3)']],
      [made[3], ['newest of 2026-04-04 (daily 2/3)']],
      [made[2], ['newest of 2026-04-03 (daily 3/3)']],
    ],
  );
  assert.deepEqual(
    p.remove.map((r) => r.key),
    [made[1], made[0]],
  );

  const overridden = await cairn(
    ['archive', 'prune', '--job', 'nightly', '--keep-last', '1', '--dry-run', '--json'],
    {
      env,
      cwd,
    },
  );
  assert.equal(overridden.code, 0, overridden.stderr);
  const o = json<Plan>(overridden.stdout);
  assert.equal(o.policy, 'last 1');
  assert.deepEqual(
    o.keep.map((k) => k.key),
    [made[4]],
  );
  assert.equal(o.remove.length, 4);
  assert.equal((await keysIn(repo)).length, 10, 'dry runs delete nothing');

  const real = await cairn(['archive', 'prune', '--job', 'nightly', '--json'], { env, cwd });
  assert.equal(real.code, 0, real.stderr);
  assert.equal(json<Plan>(real.stdout).dryRun, false);
  assert.deepEqual(
    await keysIn(repo),
    [made[2], `${made[2]}.json`, made[3], `${made[3]}.json`, made[4], `${made[4]}.json`].map(String).sort(),
  );

  const unknown = await cairn(['archive', 'prune', '--job', 'weekly', '--dry-run'], { env, cwd });
  assert.equal(unknown.code, 2, unknown.stderr);
  assert.match(unknown.stderr, /no archive job "weekly"/);
});
