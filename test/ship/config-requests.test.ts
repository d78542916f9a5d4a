import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cairn } from '../support/cli.js';

/** A config-file setting the ship request schema refuses is named by its config key, exit 2. */
test('an invalid ship setting in the config file is named by its key', async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'cairn-cfgreq-'));
  t.after(() => rm(base, { recursive: true, force: true }));
  const src = join(base, 'src');
  await mkdir(src);
  await writeFile(join(src, 'a.db'), 'a');
  const repo = join(base, 'repo');
  const env = { CAIRN_LOCK_DIR: join(base, 'locks') };
  const cases: [string, string[], RegExp][] = [
    [
      'ship:\n  keep:\n    within: 30 days\n',
      ['ship', 'prune', '--from', repo],
      /ship\.keep\.within\)?: invalid duration "30 days"/,
    ],
    [
      'ship:\n  keep:\n    daily: 0\n',
      ['ship', 'prune', '--from', repo],
      /ship\.keep\.daily\)?: must be a whole number of at least 1/,
    ],
    [
      'ship:\n  grace: 10m\n',
      ['ship', 'prune', '--from', repo, '--keep-last', '1'],
      /ship\.grace\): the grace period must be at least 1h/,
    ],
    [
      'ship:\n  maxRate: fast\n',
      ['ship', 'backup', src, '--to', repo],
      /ship\.maxRate\): invalid rate "fast"/,
    ],
    [
      'ship:\n  quietPeriod: soon\n',
      ['ship', 'watch', src, '--to', repo],
      /ship\.quietPeriod\): invalid duration "soon"/,
    ],
  ];
  for (const [yaml, args, want] of cases) {
    await writeFile(join(base, 'cairn.config.yaml'), yaml);
    const r = await cairn(args, { cwd: base, env });
    assert.equal(r.code, 2, `${yaml}: ${r.stderr}`);
    assert.match(r.stderr, want, yaml);
    assert.match(r.stderr, /\nhint: /, yaml);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  // Nothing was shipped or created by the refused runs.
  await assert.rejects(
    import('node:fs/promises').then((fs) => fs.access(repo)),
    (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT',
  );
});
