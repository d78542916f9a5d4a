// Runs every *.test.ts under src/ and test/ with node's test runner, after
// building the CLI (process tests run bin/cairn.js) and starting one real S3
// server (Ceph RADOS Gateway, test/support/rgw.ts) for the whole run.
// Node 20's --test does not expand globs itself, hence this script.
//   node scripts/run-tests.mjs [--unit] [filter...]
import { readdirSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';

const unitOnly = process.argv.includes('--unit');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

let files = [...walk('src'), ...walk('test')].sort();
if (unitOnly) files = files.filter((f) => f.startsWith('src'));
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));

const build = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);

async function startS3() {
  if (process.env.CAIRN_TEST_S3_ENDPOINT) return undefined;
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/rgw.ts'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the test S3 server exited (${code}) before it was up`)));
  });
  const c = JSON.parse(line);
  process.env.CAIRN_TEST_S3_ENDPOINT = c.endpoint;
  process.env.CAIRN_TEST_S3_REGION = c.region;
  process.env.CAIRN_TEST_S3_ACCESS_KEY = c.accessKeyId;
  process.env.CAIRN_TEST_S3_SECRET_KEY = c.secretAccessKey;
  return child;
}

const needsS3 = files.some((f) => !f.startsWith('src/core') && !f.startsWith('src/config'));
let s3;
try {
  s3 = needsS3 && !unitOnly ? await startS3() : undefined;
} catch (err) {
  console.error(
    `cannot start the test S3 server: ${err.message}\nhint: run scripts/install-test-deps.sh as root first`,
  );
  process.exit(1);
}
const stopS3 = () =>
  s3 &&
  new Promise((resolve) => {
    s3.once('exit', resolve);
    s3.kill('SIGTERM');
  });
for (const sig of ['SIGINT', 'SIGTERM'])
  process.once(sig, async () => {
    await stopS3();
    process.exit(130);
  });

const reporter = process.env.CI ? ['--test-reporter=spec'] : [];
let pass = 0;
let fail = 0;
const code = await new Promise((resolve) => {
  const t = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...reporter, ...files],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  createInterface({ input: t.stdout }).on('line', (line) => {
    writeSync(1, `${line}\n`);
    const m = /^(?:#|\u2139) (pass|fail) (\d+)$/.exec(line);
    if (m) {
      if (m[1] === 'pass') pass = Number(m[2]);
      else fail = Number(m[2]);
    }
  });
  t.on('close', (c) => resolve(c ?? 1));
});
await stopS3();
// The closing line CI reads, whatever the server printed while stopping.
writeSync(1, `${pass} passed, ${fail} failed\n`);
process.exit(code === 0 && fail === 0 && pass > 0 ? 0 : code || 1);
