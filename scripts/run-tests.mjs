// Finds every *.test.ts under src/ and test/ and runs them with node's test runner.
// (Node 20's --test does not expand globs itself.)
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

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
const reporter = process.env.CI ? ['--test-reporter=spec'] : [];
const res = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', ...reporter, ...files],
  { stdio: 'inherit' },
);
process.exit(res.status ?? 1);
