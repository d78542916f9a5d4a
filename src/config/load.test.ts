import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './load.js';
import { CairnError } from '../core/errors.js';

async function dirs(): Promise<{ cwd: string; home: string }> {
  const base = await mkdtemp(join(tmpdir(), 'cairn-config-'));
  await mkdir(join(base, 'cwd'));
  await mkdir(join(base, 'home', 'cairn'), { recursive: true });
  return { cwd: join(base, 'cwd'), home: join(base, 'home') };
}

test('no file anywhere gives an empty config', async () => {
  const d = await dirs();
  const r = await loadConfig({ cwd: d.cwd, env: { XDG_CONFIG_HOME: d.home } });
  // /etc/cairn/config.yaml may exist on a machine; then it is the one found.
  if (r.file) assert.equal(r.file, '/etc/cairn/config.yaml');
  else assert.deepEqual(r.config, {});
});

test('./cairn.config.yaml wins over ~/.config/cairn/config.yaml', async () => {
  const d = await dirs();
  await writeFile(join(d.home, 'cairn', 'config.yaml'), 'repo: /from/home\n');
  let r = await loadConfig({ cwd: d.cwd, env: { XDG_CONFIG_HOME: d.home } });
  assert.equal(r.config.repo, '/from/home');
  await writeFile(
    join(d.cwd, 'cairn.config.yaml'),
    'repo: s3://bucket/x\nship:\n  recursive: true\n  keep: { daily: 7 }\n',
  );
  r = await loadConfig({ cwd: d.cwd, env: { XDG_CONFIG_HOME: d.home } });
  assert.equal(r.config.repo, 's3://bucket/x');
  assert.equal(r.config.ship?.keep?.daily, 7);
  assert.equal(r.file, join(d.cwd, 'cairn.config.yaml'));
});

test('$CAIRN_CONFIG points at a file, JSON works too', async () => {
  const d = await dirs();
  const f = join(d.cwd, 'elsewhere.json');
  await writeFile(f, JSON.stringify({ s3: { region: 'eu-west-1', pathStyle: true } }));
  const r = await loadConfig({ cwd: d.cwd, env: { CAIRN_CONFIG: f } });
  assert.equal(r.config.s3?.region, 'eu-west-1');
});

test('an invalid file names the file, the key path and what was expected', async () => {
  const d = await dirs();
  const f = join(d.cwd, 'cairn.config.yaml');
  await writeFile(f, 'ship:\n  concurrency: many\n');
  await assert.rejects(loadConfig({ cwd: d.cwd, env: {} }), (e: unknown) => {
    assert.ok(e instanceof CairnError);
    assert.equal(e.code, 'CONFIG');
    assert.match(e.message, new RegExp(`${f}: ship\\.concurrency: .*number`));
    return true;
  });
  await writeFile(f, 'shipp: {}\n');
  await assert.rejects(loadConfig({ cwd: d.cwd, env: {} }), /shipp/);
  await writeFile(f, 'ship: [unclosed\n');
  await assert.rejects(
    loadConfig({ cwd: d.cwd, env: {} }),
    (e: unknown) => e instanceof CairnError && e.code === 'CONFIG',
  );
});

test('a missing $CAIRN_CONFIG file is a CONFIG error', async () => {
  await assert.rejects(
    loadConfig({ env: { CAIRN_CONFIG: '/nonexistent/cairn.yaml' } }),
    (e: unknown) => e instanceof CairnError && /does not exist/.test(e.message),
  );
});

test('keep policies are checked at load with the rules of the request schemas, naming the key', async () => {
  const d = await dirs();
  const f = join(d.cwd, 'cairn.config.yaml');
  const refused = async (yaml: string, message: RegExp): Promise<void> => {
    await writeFile(f, yaml);
    await assert.rejects(loadConfig({ cwd: d.cwd, env: {} }), (e: unknown) => {
      assert.ok(e instanceof CairnError);
      assert.equal(e.code, 'CONFIG');
      assert.match(e.message, message);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
  };
  await refused(
    'snapshot:\n  keep: { daily: 0 }\n',
    /snapshot\.keep\.daily: must be a whole number of at least 1/,
  );
  await refused('snapshot:\n  keep: { weekly: -2 }\n', /snapshot\.keep\.weekly: /);
  await refused('snapshot:\n  keep: {}\n', /snapshot\.keep: a retention policy needs at least one keep rule/);
  await refused('snapshot:\n  keep: { within: 0h }\n', /snapshot\.keep: a retention policy needs/);
  await refused('ship:\n  keep: { within: soon }\n', /ship\.keep\.within: /);
  await refused('ship:\n  keep: { last: 0 }\n', /ship\.keep\.last: /);
  await refused(
    'archive:\n  jobs:\n    db:\n      keep: { monthly: 0 }\n',
    /archive\.jobs\.db\.keep\.monthly: /,
  );
  await refused('snapshot:\n  keep: { dayly: 7 }\n', /snapshot\.keep: .*dayly/);

  await writeFile(f, 'snapshot:\n  keep: { daily: 7, weekly: -1, within: 30d }\n');
  const r = await loadConfig({ cwd: d.cwd, env: {} });
  assert.deepEqual(r.config.snapshot?.keep, { daily: 7, weekly: -1, within: '30d' });
});
